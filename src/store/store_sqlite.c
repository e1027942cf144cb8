/* SQLite connection management, statement cache, errors, transactions. */
#include "store/store_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t store_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int store_fail(struct store *s, int err, const char *field, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
        va_end(ap);
        /* One line, whatever values the message quotes ("linux\nboot"). */
        for (char *p = s->errmsg; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        s->errfield = field;
        return err;
}

int store_sqlite_fail(struct store *s, const char *what)
{
        int code = sqlite3_errcode(s->db);
        int err = (code == SQLITE_CONSTRAINT) ? -EEXIST : (code == SQLITE_BUSY) ? -EAGAIN : -EIO;
        return store_fail(s, err, NULL, "%s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
        for (size_t i = 0; i < s->n_cache; i++) {
                if (s->cache[i].sql == sql) {
                        sqlite3_stmt *st = s->cache[i].stmt;
                        sqlite3_reset(st);
                        sqlite3_clear_bindings(st);
                        return st;
                }
        }
        sqlite3_stmt *st;
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
                store_sqlite_fail(s, "prepare");
                return NULL;
        }
        if (s->n_cache < STORE_STMT_CACHE) {
                s->cache[s->n_cache].sql = sql;
                s->cache[s->n_cache].stmt = st;
                s->n_cache++;
        } else {
                /* Cache full: a programming error (too many distinct statements);
                 * degrade by replacing the last slot rather than leaking. */
                sqlite3_finalize(s->cache[STORE_STMT_CACHE - 1].stmt);
                s->cache[STORE_STMT_CACHE - 1].sql = sql;
                s->cache[STORE_STMT_CACHE - 1].stmt = st;
        }
        return st;
}

int store_exec(struct store *s, const char *sql)
{
        char *msg = NULL;
        if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
                int r = store_fail(s, -EIO, NULL, "%s", msg ? msg : sqlite3_errmsg(s->db));
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

int store_begin(struct store *s)
{
        return store_exec(s, "BEGIN IMMEDIATE");
}

int store_commit(struct store *s)
{
        return store_exec(s, "COMMIT");
}

void store_rollback(struct store *s)
{
        if (!sqlite3_get_autocommit(s->db))
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static const char SQL_READ_BEGIN[] = "BEGIN";
static const char SQL_READ_END[] = "COMMIT";

int store_read_begin(struct store *s)
{
        if (!sqlite3_get_autocommit(s->db))
                return store_fail(s, -EBUSY, NULL, "a transaction is already open");
        sqlite3_stmt *st = store_stmt(s, SQL_READ_BEGIN);
        if (!st)
                return -EIO;
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : store_sqlite_fail(s, "begin");
}

void store_read_end(struct store *s)
{
        if (sqlite3_get_autocommit(s->db))
                return;
        /* Statements left on a row would keep the snapshot (and a WAL read
         * mark) alive after the COMMIT; finish them first. */
        for (size_t i = 0; i < s->n_cache; i++)
                if (sqlite3_stmt_busy(s->cache[i].stmt))
                        sqlite3_reset(s->cache[i].stmt);
        sqlite3_stmt *st = store_stmt(s, SQL_READ_END);
        if (st) {
                (void)sqlite3_step(st);
                sqlite3_reset(st);
        }
}

char *store_col_text(sqlite3_stmt *st, int col, bool *oom)
{
        if (sqlite3_column_type(st, col) == SQLITE_NULL)
                return NULL;
        const unsigned char *t = sqlite3_column_text(st, col);
        char *d = strdup(t ? (const char *)t : "");
        if (!d)
                *oom = true;
        return d;
}

int store_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
        if (!s)
                return sqlite3_bind_null(st, idx);
        return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* Process-wide SQLite settings, before the library initialises itself.
 * Memory statistics (on by default) take one global mutex around every
 * SQLite allocation; with the HTTP threads and the event writer each on
 * their own connection that mutex was contended on every request (futex
 * calls).  Nothing here reads the statistics.  Too late (SQLITE_MISUSE,
 * e.g. another library used SQLite first) just keeps the default. */
static void store_global_init(void)
{
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Waiting for another connection's write lock: SQLite's own busy_timeout
 * sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between attempts, so a lock held for
 * 3 ms (the DHCP loop's lease commit, the checkpointer's FULL checkpoint)
 * cost its waiter 8 ms.  Poll every 0.1 ms for the first 10 ms, then every
 * 2 ms, and give up (SQLITE_BUSY) after ~10 s as before. */
#define BUSY_FINE_TRIES 100
#define BUSY_FINE_US    100
#define BUSY_COARSE_US  2000
#define BUSY_COARSE_MAX 5000

static int on_busy(void *arg, int tries)
{
        (void)arg;
        if (tries >= BUSY_FINE_TRIES + BUSY_COARSE_MAX)
                return 0;
        struct timespec ts = {.tv_nsec = (tries < BUSY_FINE_TRIES ? BUSY_FINE_US : BUSY_COARSE_US) *
                                         1000L};
        nanosleep(&ts, NULL);
        return 1;
}

int store_open(const char *path, struct store **ret)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, store_global_init);
        struct store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int rc = sqlite3_open_v2(
            path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
                fprintf(stderr, "bootherd: cannot open database %s: %s\n", path,
                        s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
                sqlite3_close(s->db);
                free(s);
                return -EIO;
        }
        sqlite3_busy_handler(s->db, on_busy, NULL);
        /* WAL: readers never block the writer.  synchronous=NORMAL: a commit
         * survives a crash of the process (kill -9); only an OS crash can
         * lose the last transactions, never corrupt the file.
         * cache_size: up to 32 MiB of pages per connection (allocated as
         * used).  With the default 2 MiB, the boot-event writer re-read the
         * event index from the file (pread) on every batch once the event log
         * outgrew it: ~30% of its CPU under a /boot/<mac>.ipxe load. */
        int r = store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                              "PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;");
        if (r >= 0)
                r = store_migrate(s);
        if (r < 0) {
                fprintf(stderr, "bootherd: cannot open database %s: %s\n", path, s->errmsg);
                store_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

void store_close(struct store *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_cache; i++)
                sqlite3_finalize(s->cache[i].stmt);
        sqlite3_close(s->db);
        free(s);
}

const char *store_errmsg(const struct store *s)
{
        return s->errmsg;
}

const char *store_errfield(const struct store *s)
{
        return s->errfield;
}
