/* WAL checkpoints off the event loop; see store.h (store_checkpointer_*).
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL
 * past 1000 pages, on the committing thread: it copies the WAL back into
 * the database file and fsyncs both.  On the event loop that was a 20-100 ms
 * stall every few seconds under DHCP load, paid by every packet queued
 * behind it.  Here the loop's connection only counts WAL frames (wal_hook)
 * and wakes a thread that runs PASSIVE checkpoints on its own connection:
 * PASSIVE never takes the writer lock nor waits for readers, so the loop's
 * next commit proceeds while the copy and the fsyncs run.  The other
 * connections (the boot-event writer, HTTP workers) keep SQLite's automatic
 * checkpoint, on their own threads, which never stalls the loop either:
 * right after its own commit it usually copies the whole WAL back, so the
 * next commit starts the WAL over and the file stays small.  Durability is
 * unchanged: a commit is durable in the WAL (process crash: at COMMIT;
 * power loss: with synchronous=FULL), a checkpoint only moves it.
 * SQLite only: on PostgreSQL the server checkpoints, and starting a
 * checkpointer gives NULL (nothing to run). */
#include "store/store_internal.h"

#include "core/thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#ifndef CKPT_FRAMES      /* (tests use smaller figures) */
#define CKPT_FRAMES 1000 /* as SQLite's default wal_autocheckpoint */
#endif
#define CKPT_EVERY_MS 1000 /* also checkpoints other connections' frames */
/* A PASSIVE checkpoint never resets the WAL while the loop keeps writing
 * (it is never all copied back when a commit starts), so under sustained
 * load the WAL only grows: past this many frames (16 MiB) a FULL
 * checkpoint follows, which holds the writer lock for what the PASSIVE one
 * left (the last few commits) and the database fsync; the next commit then
 * starts the WAL over.  The loop's commits wait that long (a few ms) once
 * per WAL_HIGH frames, instead of ~100 ms every 1000 frames inline. */
#ifndef WAL_HIGH
#define WAL_HIGH 4096
#endif
/* FULL waits for the writer lock, then (holding it, so the loop's commits
 * wait too) for readers on older snapshots: this long at most; on timeout
 * the next run tries again. */
#define FULL_WAIT_MS 10
/* After a burst the -wal file keeps its size until the WAL starts over at
 * the next commit (then journal_size_limit cuts it back); if no commit
 * comes it stays, and a WAL that started over keeps the file's size too.
 * So once a run finds the WAL all copied back and not grown since the
 * previous run (no commit for a tick, CKPT_EVERY_MS), and the -wal file
 * at least IDLE_TRUNCATE_FRAMES frames long, a TRUNCATE checkpoint resets
 * it to 0 bytes.  It has nothing left to copy: it holds the writer lock only to
 * wait for readers (FULL_WAIT_MS at most) and truncate the file, and only
 * when nobody writes, so lease commits do not queue behind it. */
#ifndef IDLE_TRUNCATE_FRAMES
#define IDLE_TRUNCATE_FRAMES CKPT_FRAMES
#endif

struct store_checkpointer {
        struct store *loop_store; /* the loop's connection (hook owner) */
        int hook_frames, next_at; /* loop thread only (on_wal_commit) */
        struct store *own;        /* the thread's connection */
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool requested, stop, started;
        int last_log; /* the thread's: WAL frames at its previous run */
        _Atomic uint64_t runs, full_runs, truncate_runs;
};

/* wal_hook on the loop's connection: runs after each of its commits, with
 * the number of frames now in the WAL.  Asks for a checkpoint each time
 * the WAL has grown by CKPT_FRAMES (a PASSIVE checkpoint does not shrink
 * it: asking at every commit past the mark kept the thread fsyncing
 * back to back).  Never blocks on I/O. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
        struct store_checkpointer *c = arg;
        (void)db;
        (void)name;
        if (frames < c->hook_frames) /* the WAL started over */
                c->next_at = CKPT_FRAMES;
        c->hook_frames = frames;
        if (frames < c->next_at)
                return SQLITE_OK;
        c->next_at = frames + CKPT_FRAMES;
        pthread_mutex_lock(&c->lock);
        if (!c->requested) {
                c->requested = true;
                pthread_cond_signal(&c->cond);
        }
        pthread_mutex_unlock(&c->lock);
        return SQLITE_OK;
}

/* The -wal file's size in frames of a default (4 KiB) page, used or not:
 * a WAL that started over keeps the file.  0 if unknown. */
static int64_t wal_file_frames(sqlite3 *db)
{
        sqlite3_file *f = NULL;
        sqlite3_int64 bytes = 0;
        if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK || !f ||
            !f->pMethods || f->pMethods->xFileSize(f, &bytes) != SQLITE_OK)
                return 0;
        return bytes / (24 + 4096); /* frame header + page */
}

/* SQLITE_BUSY (another checkpoint running, or the writer lock not free in
 * time for FULL) is fine: the next request or tick tries again. */
static void checkpoint(struct store_checkpointer *c)
{
        int log = 0, copied = 0, last = c->last_log;
        if (sqlite3_wal_checkpoint_v2(c->own->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) !=
            SQLITE_OK)
                return;
        c->last_log = log;
        atomic_fetch_add(&c->runs, 1);
        if (copied == log && log == last && wal_file_frames(c->own->db) >= IDLE_TRUNCATE_FRAMES &&
            sqlite3_wal_checkpoint_v2(c->own->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) ==
                SQLITE_OK) {
                c->last_log = 0;
                atomic_fetch_add(&c->truncate_runs, 1);
        } else if (log >= WAL_HIGH &&
                   sqlite3_wal_checkpoint_v2(c->own->db, NULL, SQLITE_CHECKPOINT_FULL, NULL,
                                             NULL) == SQLITE_OK)
                atomic_fetch_add(&c->full_runs, 1);
}

static void deadline_in(struct timespec *ts, int ms)
{
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_sec += ms / 1000;
        ts->tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts->tv_nsec >= 1000000000L) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000L;
        }
}

static void *checkpoint_thread(void *arg)
{
        struct store_checkpointer *c = arg;
        pthread_mutex_lock(&c->lock);
        while (!c->stop) {
                if (!c->requested) {
                        struct timespec ts;
                        deadline_in(&ts, CKPT_EVERY_MS);
                        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
                        if (c->stop)
                                break;
                }
                c->requested = false;
                pthread_mutex_unlock(&c->lock);
                checkpoint(c);
                pthread_mutex_lock(&c->lock);
        }
        pthread_mutex_unlock(&c->lock);
        return NULL;
}

int store_checkpointer_start(struct store *s, const char *path, struct store_checkpointer **ret)
{
        if (s->ops != &store_sqlite_ops) {
                *ret = NULL;
                return 0;
        }
        struct store_checkpointer *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->loop_store = s;
        c->next_at = CKPT_FRAMES;
        pthread_mutex_init(&c->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&c->cond, &ca);
        pthread_condattr_destroy(&ca);
        int r = store_open(path, &c->own);
        if (r >= 0)
                sqlite3_busy_timeout(c->own->db, FULL_WAIT_MS);
        if (r >= 0)
                r = thread_start(&c->thread, checkpoint_thread, c);
        if (r < 0) {
                store_checkpointer_stop(c);
                return r;
        }
        c->started = true;
        /* Replaces the automatic checkpoint (itself a wal_hook). */
        sqlite3_wal_hook(s->db, on_wal_commit, c);
        *ret = c;
        return 0;
}

void store_checkpointer_stop(struct store_checkpointer *c)
{
        if (!c)
                return;
        if (c->started) {
                /* Back to SQLite's own checkpoints for what follows. */
                sqlite3_wal_autocheckpoint(c->loop_store->db, CKPT_FRAMES);
                pthread_mutex_lock(&c->lock);
                c->stop = true;
                pthread_cond_signal(&c->cond);
                pthread_mutex_unlock(&c->lock);
                pthread_join(c->thread, NULL);
        }
        store_close(c->own);
        pthread_cond_destroy(&c->cond);
        pthread_mutex_destroy(&c->lock);
        free(c);
}

uint64_t store_checkpointer_runs(const struct store_checkpointer *c, uint64_t *ret_full)
{
        struct store_checkpointer *m = (struct store_checkpointer *)c;
        if (!m) {
                if (ret_full)
                        *ret_full = 0;
                return 0;
        }
        if (ret_full)
                *ret_full = atomic_load(&m->full_runs);
        return atomic_load(&m->runs);
}
