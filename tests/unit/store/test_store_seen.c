/* store_record_events updates each machine once per batch (coalesced
 * "seen" upserts).  The result must be exactly what recording the same
 * events one at a time gives: first_seen/created from the first event,
 * last_seen/last_stage_at maxima, last_stage from the last event at the
 * latest time, unknown MACs created as discovered.  Each case runs the
 * same events on two databases, batched and one by one, and compares the
 * machine rows and the event log. */
#include "../test_util.h"

#include "store/store.h"

#include "../store_db.h"

struct fixture {
        char *dir;
        struct store *batched, *single;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->dir = tu_tmpdir();
        char p[600];
        tu_db_location(f->dir, "batched", p, sizeof(p));
        assert_int_equal(store_open(p, &f->batched), 0);
        tu_db_location(f->dir, "single", p, sizeof(p));
        assert_int_equal(store_open(p, &f->single), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        store_close(f->batched);
        store_close(f->single);
        tu_rmdir(f->dir);
        free(f);
        return 0;
}

static struct boot_event ev(uint8_t m, int64_t t, const char *stage)
{
        struct boot_event e = {.time = t, .mac = {{0x52, 0x54, 0x00, 0x00, 0x00, m}}};
        snprintf(e.stage, sizeof(e.stage), "%s", stage);
        snprintf(e.detail, sizeof(e.detail), "%s at %lld", stage, (long long)t);
        snprintf(e.peer, sizeof(e.peer), "198.18.0.%u:1000", m);
        return e;
}

static void record_both(struct fixture *f, const struct boot_event *evs, size_t n)
{
        int rr = store_record_events(f->batched, evs, n, 0);
        if (rr)
                print_error("%s\n", store_errmsg(f->batched));
        assert_int_equal(rr, 0);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(store_record_events(f->single, &evs[i], 1, 0), 0);
}

static void assert_same_machines(struct fixture *f)
{
        struct machine *a, *b;
        size_t na, nb;
        struct machine_filter all = {.state = -1};
        assert_int_equal(store_machine_list(f->batched, &all, &a, &na, NULL), 0);
        assert_int_equal(store_machine_list(f->single, &all, &b, &nb, NULL), 0);
        assert_int_equal(na, nb);
        for (size_t i = 0; i < na; i++) {
                assert_memory_equal(a[i].mac.b, b[i].mac.b, MAC_LEN);
                assert_int_equal(a[i].state, b[i].state);
                assert_int_equal(a[i].first_seen, b[i].first_seen);
                assert_int_equal(a[i].last_seen, b[i].last_seen);
                assert_int_equal(a[i].last_stage_at, b[i].last_stage_at);
                assert_int_equal(a[i].created, b[i].created);
                assert_string_equal(a[i].last_stage ? a[i].last_stage : "(null)",
                                    b[i].last_stage ? b[i].last_stage : "(null)");
                assert_string_equal(a[i].fail_outcome ? a[i].fail_outcome : "(null)",
                                    b[i].fail_outcome ? b[i].fail_outcome : "(null)");
                assert_string_equal(a[i].fail_stage ? a[i].fail_stage : "(null)",
                                    b[i].fail_stage ? b[i].fail_stage : "(null)");
                assert_int_equal(a[i].fail_at, b[i].fail_at);
                assert_int_equal(a[i].attempt_stages, b[i].attempt_stages);
        }
        machine_list_free(a, na);
        machine_list_free(b, nb);

        struct boot_event *ea, *eb;
        assert_int_equal(store_events_list(f->batched, NULL, 0, 1000, &ea, &na), 0);
        assert_int_equal(store_events_list(f->single, NULL, 0, 1000, &eb, &nb), 0);
        assert_int_equal(na, nb);
        for (size_t i = 0; i < na; i++) {
                assert_int_equal(ea[i].id, eb[i].id);
                assert_int_equal(ea[i].time, eb[i].time);
                assert_string_equal(ea[i].stage, eb[i].stage);
                assert_string_equal(ea[i].detail, eb[i].detail);
                assert_string_equal(ea[i].peer, eb[i].peer);
                assert_string_equal(ea[i].outcome, eb[i].outcome);
                assert_int_equal(ea[i].xfer, eb[i].xfer);
                assert_int_equal(ea[i].bytes, eb[i].bytes);
        }
        free(ea);
        free(eb);
}

static struct machine get(struct store *s, uint8_t m)
{
        struct mac mac = {{0x52, 0x54, 0x00, 0x00, 0x00, m}};
        struct machine r;
        assert_int_equal(store_machine_get(s, &mac, &r), 0);
        return r;
}

/* New MACs seen several times in one batch, times out of order and tied. */
static void test_new_macs(void **state)
{
        struct fixture *f = *state;
        const struct boot_event evs[] = {
            ev(1, 1000, "dhcp"),   ev(2, 1000, "dhcp"),   ev(1, 1005, "script"),
            ev(1, 1003, "tftp"),   ev(2, 1002, "kernel"), ev(2, 1002, "initrd"),
            ev(3, 2000, "script"), ev(3, 1500, "dhcp"),   ev(1, 1005, "kernel"),
        };
        record_both(f, evs, sizeof(evs) / sizeof(evs[0]));
        assert_same_machines(f);
        struct machine m = get(f->batched, 1);
        assert_int_equal(m.state, MACHINE_DISCOVERED);
        assert_int_equal(m.first_seen, 1000);
        assert_int_equal(m.created, 1000);
        assert_int_equal(m.last_seen, 1005);
        assert_string_equal(m.last_stage, "kernel"); /* last one at the latest time */
        machine_done(&m);
        m = get(f->batched, 3); /* first event later than the second */
        assert_int_equal(m.first_seen, 2000);
        assert_int_equal(m.last_seen, 2000);
        assert_string_equal(m.last_stage, "script");
        machine_done(&m);
}

/* Known machines, some with a last stage newer than the whole batch. */
static void test_known_macs(void **state)
{
        struct fixture *f = *state;
        const struct boot_event first[] = {ev(1, 5000, "initrd"), ev(2, 100, "dhcp")};
        record_both(f, first, 2);
        const struct boot_event evs[] = {
            ev(1, 4000, "dhcp"), ev(2, 300, "script"), ev(1, 4500, "script"),
            ev(2, 200, "tftp"),  ev(2, 300, "kernel"), ev(4, 10, "dhcp"),
        };
        record_both(f, evs, sizeof(evs) / sizeof(evs[0]));
        assert_same_machines(f);
        struct machine m = get(f->batched, 1);
        assert_int_equal(m.last_seen, 5000);
        assert_string_equal(m.last_stage, "initrd"); /* nothing newer came */
        machine_done(&m);
        m = get(f->batched, 2);
        assert_int_equal(m.first_seen, 100);
        assert_string_equal(m.last_stage, "kernel");
        machine_done(&m);
}

/* An administrator-added machine keeps its state and creation time. */
static void test_managed_machine(void **state)
{
        struct fixture *f = *state;
        struct machine add = {.mac = {{0x52, 0x54, 0x00, 0x00, 0x00, 7}}, .netboot = true};
        assert_int_equal(store_machine_add(f->batched, &add), 0);
        struct machine a = get(f->batched, 7);
        /* Same creation time on both sides, so the rows compare equal. */
        assert_int_equal(store_machine_add(f->single, &add), 0);
        struct machine b = get(f->single, 7);
        int64_t created = a.created;
        machine_done(&a);
        machine_done(&b);
        const struct boot_event evs[] = {ev(7, created + 1, "script"), ev(7, created + 9, "kernel"),
                                         ev(7, created + 5, "initrd")};
        record_both(f, evs, 3);
        a = get(f->batched, 7);
        b = get(f->single, 7);
        assert_int_equal(a.state, MACHINE_UNASSIGNED);
        assert_int_equal(a.first_seen, b.first_seen);
        assert_int_equal(a.last_seen, created + 9);
        assert_string_equal(a.last_stage, "kernel");
        assert_string_equal(b.last_stage, "kernel");
        machine_done(&a);
        machine_done(&b);
}

static struct boot_event failed(uint8_t m, int64_t t, const char *stage, const char *outcome)
{
        struct boot_event e = ev(m, t, stage);
        snprintf(e.outcome, sizeof(e.outcome), "%s", outcome);
        return e;
}

static void assert_failing(struct store *s, uint8_t m, const char *stage, const char *outcome)
{
        struct machine r = get(s, m);
        if (!stage) {
                assert_null(r.fail_outcome);
                assert_null(r.fail_stage);
                assert_int_equal(r.fail_at, 0);
        } else {
                assert_non_null(r.fail_outcome);
                assert_string_equal(r.fail_stage, stage);
                assert_string_equal(r.fail_outcome, outcome);
        }
        machine_done(&r);
}

/* Failures (boot_outcome.h) batched and one by one: a machine looping on a
 * missing initrd stays failing through its earlier steps; a success at the
 * failed stage or later clears it; the filter finds exactly the failing. */
static void test_failures(void **state)
{
        struct fixture *f = *state;
        struct boot_event evs[] = {
            /* 1: initrd 404, then a new attempt that gets as far as the kernel */
            ev(1, 100, "dhcp"),
            ev(1, 101, "script"),
            ev(1, 102, "kernel"),
            failed(1, 103, "initrd", BOOT_NOT_FOUND),
            ev(1, 200, "dhcp"),
            ev(1, 201, "script"),
            ev(1, 202, "kernel"),
            /* 2: fails at the kernel, then the initrd comes: cleared in the batch */
            failed(2, 100, "kernel", BOOT_ABORTED),
            ev(2, 150, "kernel"),
            ev(2, 151, "initrd"),
            /* 3: pool exhausted, nothing else */
            failed(3, 100, "dhcp", BOOT_POOL_EXHAUSTED),
            /* 4: all fine */
            ev(4, 100, "dhcp"),
            ev(4, 101, "tftp"),
        };
        evs[10].xfer = true;
        evs[10].bytes = 7;
        evs[10].size = 10;
        record_both(f, evs, sizeof(evs) / sizeof(evs[0]));
        assert_same_machines(f);
        assert_failing(f->batched, 1, "initrd", BOOT_NOT_FOUND);
        assert_failing(f->batched, 2, NULL, NULL);
        assert_failing(f->batched, 3, "dhcp", BOOT_POOL_EXHAUSTED);
        assert_failing(f->batched, 4, NULL, NULL);
        /* The current attempt's stages: 1's second attempt (dhcp, script,
         * kernel), 2's one attempt with the kernel both failed and sent. */
        struct machine m = get(f->batched, 1);
        assert_int_equal(m.attempt_stages, BOOT_MASK_OK(0) | BOOT_MASK_OK(2) | BOOT_MASK_OK(3));
        machine_done(&m);
        m = get(f->batched, 2);
        assert_int_equal(m.attempt_stages, BOOT_MASK_FAILED(3) | BOOT_MASK_OK(3) | BOOT_MASK_OK(4));
        machine_done(&m);

        struct machine_filter flt = {.state = -1, .failing = true};
        struct machine *ms;
        size_t n;
        int64_t total;
        assert_int_equal(store_machine_list(f->batched, &flt, &ms, &n, &total), 0);
        assert_int_equal(n, 2);
        assert_int_equal(total, 2);
        assert_int_equal(ms[0].mac.b[5], 1);
        assert_int_equal(ms[1].mac.b[5], 3);
        machine_list_free(ms, n);

        /* Later batches: 1's next initrd clears it; 3's next DHCP reply
         * does; a later failure replaces an older one. */
        const struct boot_event more[] = {
            ev(1, 300, "dhcp"),
            ev(1, 301, "initrd"),
            ev(3, 300, "dhcp"),
            failed(4, 300, "tftp", BOOT_TIMEOUT),
            failed(4, 301, "script", BOOT_RENDER_ERROR),
            ev(4, 302, "tftp"),
        };
        record_both(f, more, sizeof(more) / sizeof(more[0]));
        assert_same_machines(f);
        assert_failing(f->batched, 1, NULL, NULL);
        assert_failing(f->batched, 3, NULL, NULL);
        assert_failing(f->batched, 4, "script", BOOT_RENDER_ERROR);
        /* 1: a dhcp step after its kernel step started a new attempt. */
        m = get(f->batched, 1);
        assert_int_equal(m.attempt_stages, BOOT_MASK_OK(0) | BOOT_MASK_OK(4));
        machine_done(&m);
        /* 3: dhcp after a failed dhcp: the same attempt. */
        m = get(f->batched, 3);
        assert_int_equal(m.attempt_stages, BOOT_MASK_FAILED(0) | BOOT_MASK_OK(0));
        machine_done(&m);

        /* The outcome and figures are kept with the event. */
        struct boot_event *el;
        struct mac m2 = {{0x52, 0x54, 0x00, 0x00, 0x00, 2}};
        assert_int_equal(store_events_list(f->batched, &m2, 0, 10, &el, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(el[0].outcome, "ok");
        assert_false(el[0].xfer);
        assert_string_equal(el[2].outcome, BOOT_ABORTED);
        free(el);
        struct mac m3 = {{0x52, 0x54, 0x00, 0x00, 0x00, 3}};
        assert_int_equal(store_events_list(f->batched, &m3, 0, 10, &el, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(el[1].outcome, BOOT_POOL_EXHAUSTED);
        free(el);
}

/* Many MACs, many events each: exercises the per-batch table. */
static void test_large_batch(void **state)
{
        struct fixture *f = *state;
        enum { N = 3000 };
        struct boot_event *evs = calloc(N, sizeof(*evs));
        assert_non_null(evs);
        static const char *const stages[] = {"dhcp", "tftp", "script", "kernel", "initrd"};
        for (int i = 0; i < N; i++)
                evs[i] = ev((uint8_t)(i * 7 % 251), 10000 + (i * 37) % 997, stages[i % 5]);
        record_both(f, evs, N);
        assert_same_machines(f);
        free(evs);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_new_macs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_known_macs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_managed_machine, setup, teardown),
            cmocka_unit_test_setup_teardown(test_large_batch, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
