/* The boot-event queue (src/boot/boot_events.c): producers never block,
 * the consumer writes batches to the store, a full queue counts drops, and
 * a failed write is retried rather than lost. */
#include "../test_util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>

#include "boot/boot_events.h"

#include "../store_fixture.h"

static bool readable(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static size_t n_events(struct store *s)
{
        struct boot_event *evs;
        size_t n;
        assert_int_equal(store_events_list(s, NULL, 0, 1000000, &evs, &n), 0);
        free(evs);
        return n;
}

static struct mac mac_n(unsigned i)
{
        struct mac m = {{0x52, 0x54, 0x00, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
        return m;
}

static void test_push_flush(void **state)
{
        struct fixture *f = *state;
        struct boot_events *q;
        assert_int_equal(boot_events_new(16, &q), 0);
        assert_false(readable(boot_events_fd(q)));
        /* Nothing queued: a flush writes nothing. */
        assert_int_equal(boot_events_flush(q, f->s, 0), 0);

        struct mac m = mac_n(1);
        int64_t before = store_now_ms();
        boot_events_report(q, &m, "script", "198.18.0.5:1000", "image %s", "debian-12");
        assert_true(readable(boot_events_fd(q)));
        struct boot_event e = {.time = 1234, .mac = mac_n(2)};
        snprintf(e.stage, sizeof(e.stage), "dhcp");
        boot_events_push(q, &e);
        assert_int_equal(boot_events_flush(q, f->s, 0), 2);
        assert_false(readable(boot_events_fd(q)));
        assert_int_equal(boot_events_dropped(q), 0);

        struct boot_event *evs;
        size_t n;
        assert_int_equal(store_events_list(f->s, NULL, 0, 10, &evs, &n), 0);
        assert_int_equal(n, 2);
        /* Newest id first: the pushed one, then the reported one. */
        assert_int_equal(evs[0].time, 1234);
        assert_string_equal(evs[0].stage, "dhcp");
        assert_string_equal(evs[1].stage, "script");
        assert_string_equal(evs[1].detail, "image debian-12");
        assert_string_equal(evs[1].peer, "198.18.0.5:1000");
        assert_true(evs[1].time >= before); /* time 0 = now */
        free(evs);

        /* Both MACs are now machines (discovered). */
        struct machine mm;
        assert_int_equal(store_machine_get(f->s, &m, &mm), 0);
        assert_int_equal(mm.state, MACHINE_DISCOVERED);
        machine_done(&mm);
        boot_events_free(q);
        boot_events_free(NULL);
}

/* A step's outcome and transfer figures reach the store with its event,
 * and a failure makes the machine failing until a later step gets as far. */
static void test_step_outcome(void **state)
{
        struct fixture *f = *state;
        struct boot_events *q;
        assert_int_equal(boot_events_new(16, &q), 0);
        struct mac m = mac_n(7);
        struct boot_step nak = {.outcome = BOOT_NAK};
        boot_events_report_step(q, &m, "dhcp", "198.18.0.7:68", &nak, "REQUEST: %s", "NAK");
        struct boot_step part = {
            .outcome = BOOT_ABORTED, .xfer = true, .bytes = 100, .size = 4096, .duration_ms = 9};
        boot_events_report_step(q, &m, "kernel", "198.18.0.7:1000", &part, "k/linux");
        assert_int_equal(boot_events_flush(q, f->s, 0), 2);
        struct boot_event *evs;
        size_t n;
        assert_int_equal(store_events_list(f->s, &m, 0, 10, &evs, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(evs[0].outcome, BOOT_ABORTED);
        assert_true(evs[0].xfer);
        assert_int_equal(evs[0].bytes, 100);
        assert_int_equal(evs[0].size, 4096);
        assert_int_equal(evs[0].duration_ms, 9);
        assert_string_equal(evs[1].outcome, BOOT_NAK);
        assert_false(evs[1].xfer);
        free(evs);
        struct machine mm;
        assert_int_equal(store_machine_get(f->s, &m, &mm), 0);
        assert_string_equal(mm.fail_stage, "kernel");
        assert_string_equal(mm.fail_outcome, BOOT_ABORTED);
        machine_done(&mm);

        /* A whole kernel (the plain report: ok) clears it. */
        boot_events_report(q, &m, "kernel", "198.18.0.7:1001", "k/linux");
        assert_int_equal(boot_events_flush(q, f->s, 0), 1);
        assert_int_equal(store_machine_get(f->s, &m, &mm), 0);
        assert_null(mm.fail_outcome);
        machine_done(&mm);
        boot_events_free(q);
}

static void test_long_fields_truncated(void **state)
{
        struct fixture *f = *state;
        struct boot_events *q;
        assert_int_equal(boot_events_new(4, &q), 0);
        char big[1000];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        struct mac m = mac_n(3);
        boot_events_report(q, &m, big, big, "%s", big);
        assert_int_equal(boot_events_flush(q, f->s, 0), 1);
        struct boot_event *evs;
        size_t n;
        assert_int_equal(store_events_list(f->s, NULL, 0, 10, &evs, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(strlen(evs[0].stage), BOOT_STAGE_MAX - 1);
        assert_int_equal(strlen(evs[0].peer), BOOT_PEER_MAX - 1);
        assert_int_equal(strlen(evs[0].detail), BOOT_DETAIL_MAX - 1);
        free(evs);
        boot_events_free(q);
}

static void test_full_queue_drops(void **state)
{
        struct fixture *f = *state;
        struct boot_events *q;
        assert_int_equal(boot_events_new(8, &q), 0);
        for (unsigned i = 0; i < 20; i++) {
                struct mac m = mac_n(i);
                boot_events_report(q, &m, "script", "", "n=%u", i);
        }
        assert_int_equal(boot_events_dropped(q), 12);
        assert_int_equal(boot_events_flush(q, f->s, 0), 8);
        assert_int_equal(n_events(f->s), 8);
        /* Room again after the flush. */
        struct mac m = mac_n(99);
        boot_events_report(q, &m, "script", "", "again");
        assert_int_equal(boot_events_flush(q, f->s, 0), 1);
        assert_int_equal(boot_events_dropped(q), 12);
        boot_events_free(q);
}

static void sql(const char *path, const char *text)
{
        sqlite3 *db;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        char *msg = NULL;
        int rc = sqlite3_exec(db, text, NULL, NULL, &msg);
        if (rc != SQLITE_OK)
                print_error("%s\n", msg);
        sqlite3_free(msg);
        assert_int_equal(rc, SQLITE_OK);
        sqlite3_close(db);
}

static void test_failed_write_is_retried(void **state)
{
        struct fixture *f = *state;
        struct boot_events *q;
        assert_int_equal(boot_events_new(8, &q), 0);
        for (unsigned i = 0; i < 3; i++) {
                struct mac m = mac_n(i);
                boot_events_report(q, &m, "script", "", "first %u", i);
        }
        /* The store fails: the batch stays queued for the next flush (the
         * loop's 1 s timer), and the fd does not ask for one at once (a
         * database that is down would make that a busy loop). */
        sql(f->db, "ALTER TABLE event RENAME TO event_away");
        assert_true(boot_events_flush(q, f->s, 0) < 0);
        assert_false(readable(boot_events_fd(q)));
        struct mac m = mac_n(7);
        boot_events_report(q, &m, "script", "", "meanwhile");
        assert_true(boot_events_flush(q, f->s, 0) < 0);
        /* Repaired: everything is written, in order, once. */
        sql(f->db, "ALTER TABLE event_away RENAME TO event");
        assert_int_equal(boot_events_flush(q, f->s, 0), 4);
        assert_int_equal(boot_events_flush(q, f->s, 0), 0);
        struct boot_event *evs;
        size_t n;
        assert_int_equal(store_events_list(f->s, NULL, 0, 10, &evs, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(evs[0].detail, "meanwhile");
        assert_string_equal(evs[3].detail, "first 0");
        free(evs);
        assert_int_equal(boot_events_dropped(q), 0);
        boot_events_free(q);
}

struct producer {
        struct boot_events *q;
        unsigned base, n;
};

static void *produce(void *arg)
{
        struct producer *p = arg;
        for (unsigned i = 0; i < p->n; i++) {
                struct mac m = mac_n(p->base + i % 50);
                boot_events_report(p->q, &m, "script", "", "%u", p->base + i);
        }
        return NULL;
}

static void test_concurrent_producers(void **state)
{
        struct fixture *f = *state;
        struct boot_events *q;
        assert_int_equal(boot_events_new(1000, &q), 0);
        enum { THREADS = 4, EACH = 3000 };
        pthread_t th[THREADS];
        struct producer p[THREADS];
        for (unsigned i = 0; i < THREADS; i++) {
                p[i] = (struct producer){.q = q, .base = i * 1000, .n = EACH};
                assert_int_equal(pthread_create(&th[i], NULL, produce, &p[i]), 0);
        }
        /* The consumer flushes while producers run. */
        long written = 0;
        for (int i = 0; i < 200; i++) {
                int r = boot_events_flush(q, f->s, 0);
                assert_true(r >= 0);
                written += r;
        }
        for (unsigned i = 0; i < THREADS; i++)
                assert_int_equal(pthread_join(th[i], NULL), 0);
        int r;
        while ((r = boot_events_flush(q, f->s, 0)) > 0)
                written += r;
        assert_int_equal(r, 0);
        uint64_t dropped = boot_events_dropped(q);
        assert_int_equal((uint64_t)written + dropped, THREADS * EACH);
        assert_int_equal(n_events(f->s), (size_t)written);
        boot_events_free(q);
}

/* A chunked flush writes at most max events per call, oldest first, keeps
 * the fd readable while more wait, takes producers' new events only after
 * the batch it started, and retries a failed chunk. */
static void test_flush_in_chunks(void **state)
{
        struct fixture *f = *state;
        struct boot_events *q;
        assert_int_equal(boot_events_new(64, &q), 0);
        for (unsigned i = 0; i < 10; i++) {
                struct mac m = mac_n(i);
                boot_events_report(q, &m, "script", "", "%u", i);
        }
        assert_int_equal(boot_events_flush_max(q, f->s, 0, 4), 4);
        assert_true(readable(boot_events_fd(q)));
        struct mac late = mac_n(99);
        boot_events_report(q, &late, "script", "", "late");
        assert_int_equal(boot_events_flush_max(q, f->s, 0, 4), 4);
        assert_true(readable(boot_events_fd(q)));
        /* The store fails mid-batch: that chunk stays, and is retried by
         * the next flush (not at once: see test_failed_write_is_retried). */
        sql(f->db, "ALTER TABLE event RENAME TO event_away");
        assert_true(boot_events_flush_max(q, f->s, 0, 4) < 0);
        assert_false(readable(boot_events_fd(q)));
        sql(f->db, "ALTER TABLE event_away RENAME TO event");
        assert_int_equal(boot_events_flush_max(q, f->s, 0, 4), 2); /* the batch's rest */
        assert_true(readable(boot_events_fd(q)));                  /* "late" waits */
        assert_int_equal(boot_events_flush_max(q, f->s, 0, 4), 1);
        assert_false(readable(boot_events_fd(q)));
        assert_int_equal(boot_events_flush_max(q, f->s, 0, 4), 0);

        struct boot_event *evs;
        size_t n;
        assert_int_equal(store_events_list(f->s, NULL, 0, 100, &evs, &n), 0);
        assert_int_equal(n, 11);
        assert_string_equal(evs[0].detail, "late"); /* newest first: in order, once */
        for (unsigned i = 0; i < 10; i++) {
                char want[8];
                snprintf(want, sizeof(want), "%u", 9 - i);
                assert_string_equal(evs[i + 1].detail, want);
        }
        free(evs);
        boot_events_free(q);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(test_push_flush),           T(test_long_fields_truncated),
            T(test_full_queue_drops),     T(test_failed_write_is_retried),
            T(test_concurrent_producers), T(test_flush_in_chunks),
            T(test_step_outcome),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
