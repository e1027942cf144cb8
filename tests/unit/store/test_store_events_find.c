/* store_events_find: the Events page's filters and paging, on SQLite and
 * (test_store_events_find_pg) PostgreSQL.  One log of 30 events from three
 * machines, two of them named, is read back through each filter; paging
 * with before_id must visit every matching event once, newest first. */
#include "../test_util.h"

#include <string.h>

#include "../store_fixture.h"

/* Event i (1..30): machine i % 3 ("node01", "node02", a nameless MAC),
 * stage from the five in turn, every seventh one failed. */
static void seed(struct store *s)
{
        struct machine n1 = {
            .mac = mac_of("52:54:00:0a:00:01"), .hostname = "Node01", .notes = "", .netboot = true};
        struct machine n2 = {
            .mac = mac_of("52:54:00:0a:00:02"), .hostname = "node02", .notes = "", .netboot = true};
        assert_int_equal(store_machine_add(s, &n1), 0);
        assert_int_equal(store_machine_add(s, &n2), 0);
        static const char *const stages[] = {"dhcp", "tftp", "script", "kernel", "initrd"};
        struct boot_event evs[30];
        for (int i = 1; i <= 30; i++) {
                struct boot_event *e = &evs[i - 1];
                *e = (struct boot_event){.time = 1000 * i,
                                         .mac = {{0x52, 0x54, 0x00, 0x0a, 0x00, i % 3 + 1}}};
                snprintf(e->stage, sizeof(e->stage), "%s", stages[i % 5]);
                snprintf(e->detail, sizeof(e->detail), "event %d", i);
                snprintf(e->outcome, sizeof(e->outcome), "%s", i % 7 ? "" : BOOT_NOT_FOUND);
        }
        assert_int_equal(store_record_events(s, evs, 30, 0), 0);
}

/* Reads every page of f (limit `page`) and returns the event numbers in
 * order (from "event N"), with each row checked against `want` and the
 * expected host name. */
static int collect(struct store *s, struct event_filter f, int page, int *out, int max)
{
        int n = 0;
        f.limit = page;
        for (int guard = 0; guard < 100; guard++) {
                struct event_row *rows;
                size_t got;
                int rc = store_events_find(s, &f, &rows, &got);
                if (rc)
                        print_error("%s\n", store_errmsg(s));
                assert_int_equal(rc, 0);
                for (size_t i = 0; i < got; i++) {
                        int num = atoi(rows[i].e.detail + strlen("event "));
                        assert_true(n < max);
                        out[n++] = num;
                        const char *host = num % 3 == 0 ? "Node01" : num % 3 == 1 ? "node02" : NULL;
                        if (host)
                                assert_string_equal(rows[i].hostname, host);
                        else
                                assert_null(rows[i].hostname);
                }
                int64_t last = got ? rows[got - 1].e.id : 0;
                event_rows_free(rows, got);
                if ((int)got < page)
                        return n;
                f.before_id = last;
        }
        fail_msg("paging did not end");
        return n;
}

/* The expected numbers: 30..1 that pass keep(). */
static int expect(bool (*keep)(int), int *out)
{
        int n = 0;
        for (int i = 30; i >= 1; i--)
                if (keep(i))
                        out[n++] = i;
        return n;
}

static void check(struct store *s, struct event_filter f, bool (*keep)(int))
{
        int got[64], want[64];
        int nw = expect(keep, want);
        /* Pages of 4 (several pages, a short last one) and one page of 100. */
        for (int page = 4; page <= 100; page += 96) {
                int ng = collect(s, f, page, got, 64);
                assert_int_equal(ng, nw);
                assert_memory_equal(got, want, sizeof(int) * (size_t)nw);
        }
}

static bool all(int i)
{
        (void)i;
        return true;
}
static bool node01(int i)
{
        return i % 3 == 0;
}
static bool named(int i)
{
        return i % 3 != 2;
}
static bool nameless(int i)
{
        return i % 3 == 2;
}
static bool kernel(int i)
{
        return i % 5 == 3;
}
static bool failed(int i)
{
        return i % 7 == 0;
}
static bool failed_node02(int i)
{
        return i % 7 == 0 && i % 3 == 1;
}
static bool after_20s(int i)
{
        return i >= 20;
}

static void test_filters_and_paging(void **state)
{
        struct fixture *f = *state;
        seed(f->s);
        check(f->s, (struct event_filter){0}, all);
        /* Part of a host name, any case; part of a MAC, with '-' or ':'. */
        check(f->s, (struct event_filter){.q = "NODE0"}, named);
        check(f->s, (struct event_filter){.q = "de01"}, node01);
        check(f->s, (struct event_filter){.q = "0A-00-03"}, nameless);
        check(f->s, (struct event_filter){.q = "0a:00:03"}, nameless);
        struct mac m = mac_of("52:54:00:0a:00:01");
        check(f->s, (struct event_filter){.mac = &m}, node01);
        check(f->s, (struct event_filter){.stage = "kernel"}, kernel);
        check(f->s, (struct event_filter){.failed = true}, failed);
        check(f->s, (struct event_filter){.failed = true, .q = "node02"}, failed_node02);
        check(f->s, (struct event_filter){.since_ms = 20000}, after_20s);
}

/* LIKE's wildcards in a search are plain characters. */
static void test_wildcards_are_literal(void **state)
{
        struct fixture *f = *state;
        seed(f->s);
        struct event_row *rows;
        size_t n;
        struct event_filter q = {.q = "%"};
        assert_int_equal(store_events_find(f->s, &q, &rows, &n), 0);
        assert_int_equal(n, 0);
        event_rows_free(rows, n);
        q.q = "node_1";
        assert_int_equal(store_events_find(f->s, &q, &rows, &n), 0);
        assert_int_equal(n, 0);
        event_rows_free(rows, n);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_filters_and_paging, setup, teardown),
            cmocka_unit_test_setup_teardown(test_wildcards_are_literal, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
