/* Boot attempts (src/core/boot_attempts.c): how a machine's events group
 * into attempts (long pauses, a DHCP after the script), the step an attempt
 * failed at, how far it got and what its transfers sent.  Each case would
 * fail if its rule were different. */
#include "../test_util.h"

#include "core/boot_attempts.h"

#define T0 1796378400000LL /* 2026-12-04T10:00:00Z */

struct ev {
        int64_t s; /* seconds after T0 */
        const char *stage, *outcome;
        int64_t bytes; /* > 0: a transfer of that many bytes */
};

/* Events as the store gives them: newest first, ids in recording order. */
static struct boot_event *make(const struct ev *in, size_t n)
{
        struct boot_event *evs = calloc(n, sizeof(*evs));
        assert_non_null(evs);
        for (size_t i = 0; i < n; i++) {
                struct boot_event *e = &evs[n - 1 - i];
                e->id = (int64_t)i + 1;
                e->time = T0 + in[i].s * 1000;
                snprintf(e->stage, sizeof(e->stage), "%s", in[i].stage);
                snprintf(e->outcome, sizeof(e->outcome), "%s", in[i].outcome ? in[i].outcome : "");
                e->xfer = in[i].bytes > 0;
                e->bytes = e->size = in[i].bytes > 0 ? in[i].bytes : 0;
        }
        return evs;
}

/* "1,2,3|4,5" (ids oldest first in each attempt, newest attempt first). */
static void ids(const struct boot_attempts *a, char *buf, size_t len)
{
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < a->n; i++)
                for (size_t j = 0; j < a->v[i].n_events; j++)
                        o += (size_t)snprintf(buf + o, len - o, "%s%lld", j ? "," : (i ? "|" : ""),
                                              (long long)a->v[i].events[j]->id);
}

static void group(const struct ev *in, size_t n, struct boot_event **evs, struct boot_attempts *a)
{
        *evs = make(in, n);
        assert_int_equal(boot_attempts_group(*evs, n, a), 0);
}

/* Groups in and compares the attempts' ids with want (as ids() writes them). */
static void expect_ids(const struct ev *in, size_t n, const char *want)
{
        struct boot_event *evs;
        struct boot_attempts a;
        group(in, n, &evs, &a);
        char buf[128];
        ids(&a, buf, sizeof(buf));
        assert_string_equal(buf, want);
        boot_attempts_free(&a);
        free(evs);
}

/* The web page's own example: the ROM's dhcp+tftp and iPXE's dhcp, script
 * and kernel are one boot; a dhcp after the script starts the next; a
 * pause of more than 10 minutes starts another. */
static void test_grouping(void **state)
{
        const struct ev in[] = {{0, "dhcp"},      {1, "dhcp"},     {2, "tftp"},  {3, "dhcp"},
                                {4, "script"},    {5, "kernel"},   {60, "dhcp"}, {61, "script"},
                                {2000, "script"}, {2001, "kernel"}};
        struct boot_event *evs;
        struct boot_attempts a;
        group(in, 10, &evs, &a);
        char buf[128];
        ids(&a, buf, sizeof(buf));
        assert_string_equal(buf, "9,10|7,8|1,2,3,4,5,6");
        assert_int_equal(a.v[0].start, T0 + 2000000);
        assert_int_equal(a.v[0].end, T0 + 2001000);
        assert_int_equal(a.v[2].end - a.v[2].start, 5000);
        assert_int_equal(a.v[2].reached, 3);
        boot_attempts_free(&a);
        free(evs);
}

/* Exactly 10 minutes is one attempt, a millisecond more is two; the gap
 * counts from the previous event, not from the attempt's start. */
static void test_gap(void **state)
{
        const struct ev in[] = {{0, "dhcp"}, {600, "tftp"}, {1200, "tftp"}, {1801, "script"}};
        struct boot_event *evs = make(in, 4);
        struct boot_attempts a;
        assert_int_equal(boot_attempts_group(evs, 4, &a), 0);
        char buf[64];
        ids(&a, buf, sizeof(buf));
        assert_string_equal(buf, "4|1,2,3");
        boot_attempts_free(&a);
        evs[0].time = T0 + 1800 * 1000;
        assert_int_equal(boot_attempts_group(evs, 4, &a), 0);
        ids(&a, buf, sizeof(buf));
        assert_string_equal(buf, "1,2,3,4");
        evs[0].time += 1;
        boot_attempts_free(&a);
        assert_int_equal(boot_attempts_group(evs, 4, &a), 0);
        ids(&a, buf, sizeof(buf));
        assert_string_equal(buf, "4|1,2,3");
        boot_attempts_free(&a);
        free(evs);
}

/* A dhcp starts over once the attempt had a script, kernel or initrd at
 * any point (not only just before); a tftp after the script does not. */
static void test_dhcp_after_script(void **state)
{
        const struct ev in[] = {{0, "dhcp"}, {1, "script"}, {2, "tftp"},  {3, "dhcp"},
                                {4, "tftp"}, {5, "dhcp"},   {6, "kernel"}};
        expect_ids(in, 7, "4,5,6,7|1,2,3");
}

/* Events of the same millisecond keep their recording order (id). */
static void test_same_time(void **state)
{
        const struct ev in[] = {{0, "script"}, {0, "dhcp"}, {0, "script"}};
        expect_ids(in, 3, "2,3|1");
}

static void test_failure(void **state)
{
        struct boot_event *evs;
        struct boot_attempts a;
        /* A missing initrd after a retried kernel: failed at the initrd. */
        const struct ev miss[] = {{0, "dhcp"},
                                  {1, "tftp", BOOT_NOT_FOUND},
                                  {2, "script"},
                                  {3, "kernel", BOOT_ABORTED, 100},
                                  {4, "kernel", "", 1000},
                                  {5, "initrd", BOOT_NOT_FOUND}};
        group(miss, 6, &evs, &a);
        assert_int_equal(a.n, 1);
        assert_non_null(a.v[0].failure);
        assert_string_equal(a.v[0].failure->stage, "initrd");
        assert_string_equal(a.v[0].failure->outcome, BOOT_NOT_FOUND);
        assert_int_equal(a.v[0].reached, 4);
        boot_attempts_free(&a);
        free(evs);

        /* A success at an earlier stage does not clear it; one at the same
         * stage does. */
        const struct ev earlier[] = {{0, "kernel", BOOT_ABORTED}, {1, "script"}};
        group(earlier, 2, &evs, &a);
        assert_non_null(a.v[0].failure);
        assert_string_equal(a.v[0].failure->stage, "kernel");
        boot_attempts_free(&a);
        free(evs);
        const struct ev same[] = {{0, "tftp", BOOT_TIMEOUT}, {1, "tftp"}};
        group(same, 2, &evs, &a);
        assert_null(a.v[0].failure);
        boot_attempts_free(&a);
        free(evs);

        /* "ok" is a success; an unknown stage's failure ranks as dhcp (any
         * later known success clears it), its success clears nothing. */
        const struct ev other[] = {{0, "grub", BOOT_ERROR}, {1, "dhcp", BOOT_OK}};
        group(other, 2, &evs, &a);
        assert_null(a.v[0].failure);
        boot_attempts_free(&a);
        free(evs);
        const struct ev other2[] = {{0, "initrd", BOOT_NOT_FOUND}, {1, "grub", ""}};
        group(other2, 2, &evs, &a);
        assert_non_null(a.v[0].failure);
        assert_string_equal(a.v[0].failure->stage, "initrd");
        boot_attempts_free(&a);
        free(evs);

        /* The failure is per attempt: the next attempt that works is ok. */
        const struct ev next[] = {
            {0, "script"}, {1, "initrd", BOOT_NOT_FOUND}, {2, "dhcp"}, {3, "script"}};
        group(next, 4, &evs, &a);
        assert_int_equal(a.n, 2);
        assert_null(a.v[0].failure);
        assert_int_equal(a.v[0].reached, 2);
        assert_non_null(a.v[1].failure);
        boot_attempts_free(&a);
        free(evs);
}

/* Bytes per stage: every transfer's bytes (retries too); non-transfers
 * add nothing; a stage without a transfer has none. */
static void test_bytes(void **state)
{
        const struct ev in[] = {{0, "dhcp"},
                                {1, "tftp", "", 50},
                                {2, "script"},
                                {3, "kernel", BOOT_ABORTED, 300},
                                {4, "kernel", "", 1000},
                                {5, "initrd", "", 7},
                                {6, "initrd", "", 20}};
        struct boot_event *evs;
        struct boot_attempts a;
        group(in, 7, &evs, &a);
        assert_int_equal(a.n, 1);
        assert_true(a.v[0].xfer[1]);
        assert_int_equal(a.v[0].bytes[1], 50);
        assert_false(a.v[0].xfer[2]);
        assert_int_equal(a.v[0].bytes[2], 0);
        assert_int_equal(a.v[0].bytes[3], 1300);
        assert_int_equal(a.v[0].bytes[4], 27);
        assert_true(a.v[0].seen[0] && a.v[0].seen[2]);
        assert_null(a.v[0].failure);
        boot_attempts_free(&a);
        free(evs);

        /* Saturates rather than wraps. */
        evs = make(in, 7);
        evs[1].bytes = INT64_MAX - 1; /* the first initrd (newest first: index 1) */
        assert_int_equal(boot_attempts_group(evs, 7, &a), 0);
        assert_int_equal(a.v[0].bytes[4], INT64_MAX);
        boot_attempts_free(&a);
        free(evs);
}

static void test_empty(void **state)
{
        struct boot_attempts a;
        assert_int_equal(boot_attempts_group(NULL, 0, &a), 0);
        assert_int_equal(a.n, 0);
        boot_attempts_free(&a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_grouping),
            cmocka_unit_test(test_gap),
            cmocka_unit_test(test_dhcp_after_script),
            cmocka_unit_test(test_same_time),
            cmocka_unit_test(test_failure),
            cmocka_unit_test(test_bytes),
            cmocka_unit_test(test_empty),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
