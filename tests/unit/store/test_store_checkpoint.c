/* WAL checkpoints off the event loop (src/store/store_checkpoint.c): while
 * the loop's connection keeps committing, the checkpointer thread copies the
 * WAL back and lets it start over (bounded WAL), and every commit stays
 * durable — also across kill -9 in the middle of checkpoints. */
#define CKPT_FRAMES 64
#define WAL_HIGH    256
#include "store/store_checkpoint.c"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

enum { PER_COMMIT = 8 };

static void lease_batch(unsigned k, struct lease *ls)
{
        for (unsigned j = 0; j < PER_COMMIT; j++) {
                unsigned n = k * PER_COMMIT + j;
                /* Scattered addresses: each commit touches several pages. */
                ls[j] = (struct lease){
                    .ip = 0xc6130000u + (n * 7919u) % 60000u,
                    .mac = {{0x52, 0x54, 0, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n}},
                    .state = LEASE_BOUND,
                    .starts = 1000,
                    .ends = 2000 + n};
        }
}

static void sleep_ms(int ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

static void test_wal_starts_over_while_writing(void **state)
{
        (void)state;
        char *dir = tu_tmpdir(), path[512];
        snprintf(path, sizeof(path), "%s/bootherd.db", dir);
        struct store *s;
        struct store_checkpointer *c;
        assert_int_equal(store_open(path, &s), 0);
        assert_int_equal(store_checkpointer_start(s, path, &c), 0);
        struct lease ls[PER_COMMIT];
        int restarts = 0, max_frames = 0;
        unsigned k;
        /* Bounded in count (and so in time); a short pause now and then lets
         * the thread run on a busy machine. */
        for (k = 0; k < 20000 && restarts < 3; k++) {
                int before = c->hook_frames;
                lease_batch(k, ls);
                assert_int_equal(store_lease_put_many(s, ls, PER_COMMIT), 0);
                if (c->hook_frames < before)
                        restarts++;
                if (c->hook_frames > max_frames)
                        max_frames = c->hook_frames;
                if (k % 50 == 49)
                        sleep_ms(1);
        }
        uint64_t full = 0;
        assert_true(store_checkpointer_runs(c, &full) > 0);
        /* Without the thread the WAL only grows (the loop's own automatic
         * checkpoint is off): it started over while the writes went on. */
        assert_true(restarts >= 3);
        store_checkpointer_stop(c);

        /* Everything committed is there, through a fresh connection. */
        struct store *fresh;
        assert_int_equal(store_open(path, &fresh), 0);
        for (unsigned i = 0; i < k; i += k / 10 + 1) {
                struct lease got;
                lease_batch(i, ls);
                assert_int_equal(store_lease_get(fresh, ls[0].ip, &got), 0);
        }
        store_close(fresh);
        store_close(s);
        tu_rmdir(dir);
}

static long long file_size(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* After a burst the -wal file shrinks back to 0 once the writer is idle:
 * it used to keep the size of the largest burst forever.  The burst holds a
 * read transaction open on a second connection, so no checkpoint can let
 * the WAL start over while it grows. */
static void test_wal_shrinks_after_burst(void **state)
{
        (void)state;
        char *dir = tu_tmpdir(), path[512], wal[520];
        snprintf(path, sizeof(path), "%s/bootherd.db", dir);
        snprintf(wal, sizeof(wal), "%s-wal", path);
        struct store *s, *reader;
        struct store_checkpointer *c;
        assert_int_equal(store_open(path, &s), 0);
        assert_int_equal(store_open(path, &reader), 0);
        assert_int_equal(store_checkpointer_start(s, path, &c), 0);
        struct lease ls[PER_COMMIT], got;
        lease_batch(0, ls);
        assert_int_equal(store_lease_put_many(s, ls, PER_COMMIT), 0);
        assert_int_equal(
            sqlite3_exec(reader->db, "BEGIN; SELECT count(*) FROM lease;", NULL, NULL, NULL),
            SQLITE_OK);
        /* Bounded in count: ~8 pages a commit, 4 KiB pages. */
        for (unsigned k = 1; k < 20000 && file_size(wal) <= 8LL << 20; k++) {
                lease_batch(k, ls);
                assert_int_equal(store_lease_put_many(s, ls, PER_COMMIT), 0);
        }
        long long peak = file_size(wal);
        assert_true(peak > 8LL << 20);
        assert_int_equal(sqlite3_exec(reader->db, "COMMIT;", NULL, NULL, NULL), SQLITE_OK);
        /* Idle: within 10 s (a few ticks of CKPT_EVERY_MS) the file is
         * truncated; bounded in time, no timing asserted. */
        long long now = peak;
        for (int i = 0; i < 200 && now != 0; i++) {
                sleep_ms(50);
                now = file_size(wal);
        }
        assert_int_equal(now, 0);
        store_checkpointer_stop(c);
        /* Nothing was lost on the way. */
        assert_int_equal(store_lease_get(reader, ls[0].ip, &got), 0);
        store_close(reader);
        store_close(s);
        tu_rmdir(dir);
}

/* A child commits (checkpointer running) and reports each commit on a pipe
 * only once store_lease_put_many() returned; it is killed (-9) at some
 * point.  Every reported commit must be in the database afterwards. */
static void test_commits_survive_kill9_during_checkpoints(void **state)
{
        (void)state;
        char *dir = tu_tmpdir(), path[512];
        snprintf(path, sizeof(path), "%s/bootherd.db", dir);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                struct store *s;
                struct store_checkpointer *c;
                if (store_open(path, &s) < 0 || store_checkpointer_start(s, path, &c) < 0)
                        _exit(1);
                struct lease ls[PER_COMMIT];
                for (unsigned k = 0; k < 100000; k++) {
                        lease_batch(k, ls);
                        if (store_lease_put_many(s, ls, PER_COMMIT) < 0)
                                _exit(2);
                        if (write(fds[1], &k, sizeof(k)) != sizeof(k))
                                _exit(3);
                }
                _exit(0);
        }
        close(fds[1]);
        unsigned k = 0, last = 0;
        int got = 0;
        /* Kill it after a few WAL cycles' worth of commits (bounded: the
         * child stops by itself after 100000). */
        while (got < 1500 && read(fds[0], &k, sizeof(k)) == sizeof(k)) {
                last = k;
                got++;
        }
        kill(pid, SIGKILL);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        close(fds[0]);
        assert_true(got > 0);

        struct store *s;
        assert_int_equal(store_open(path, &s), 0);
        struct lease ls[PER_COMMIT];
        for (unsigned i = 0; i <= last; i++) {
                lease_batch(i, ls);
                for (unsigned j = 0; j < PER_COMMIT; j++) {
                        struct lease l;
                        assert_int_equal(store_lease_get(s, ls[j].ip, &l), 0);
                        /* A later batch may reuse the address: never older. */
                        assert_true(l.ends >= ls[j].ends);
                }
        }
        store_close(s);
        tu_rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_wal_starts_over_while_writing),
            cmocka_unit_test(test_wal_shrinks_after_burst),
            cmocka_unit_test(test_commits_survive_kill9_during_checkpoints),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
