/* Bulk adoption plans (src/core/adopt_plan.c) and administrator-typed
 * address ranges (src/core/ipv4_range.c). */
#include "../test_util.h"

#include <errno.h>
#include <strings.h>

#include "core/adopt_plan.h"
#include "core/ipv4_range.h"
#include "core/validate.h"

static uint32_t ip(const char *s)
{
        uint32_t a = 0;
        assert_int_equal(validate_ipv4(s, &a), 0);
        return a;
}

static void test_pattern_parse_format(void **state)
{
        (void)state;
        struct adopt_pattern p;
        const char *why = NULL;
        char out[ADOPT_HOSTNAME_MAX];
        assert_int_equal(adopt_pattern_parse("node{n:03}", &p, &why), 0);
        assert_int_equal(adopt_pattern_format(&p, 1, out), 0);
        assert_string_equal(out, "node001");
        assert_int_equal(adopt_pattern_format(&p, 1234, out), 0);
        assert_string_equal(out, "node1234"); /* the width is a minimum */
        assert_int_equal(adopt_pattern_parse("rack2-{n}.lab", &p, &why), 0);
        assert_int_equal(adopt_pattern_format(&p, 7, out), 0);
        assert_string_equal(out, "rack2-7.lab");
        assert_int_equal(adopt_pattern_parse("{n:02}x", &p, &why), 0);
        assert_int_equal(adopt_pattern_format(&p, 5, out), 0);
        assert_string_equal(out, "05x");

        const char *bad[] = {"node",      "node{n}{n}", "node{m}",  "node{n:3}", "node{n:00}",
                             "no de{n}",  "node{n",     "node}{n}", "-{n}",      "node_{n}",
                             "a{n:010}b", "x;{n}",      "{n}-",     ""};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                why = NULL;
                if (adopt_pattern_parse(bad[i], &p, &why) == 0)
                        print_error("pattern \"%s\" accepted\n", bad[i]);
                assert_int_equal(adopt_pattern_parse(bad[i], &p, &why), -EINVAL);
                assert_non_null(why);
        }
}

/* What is taken, for the callbacks. */
struct taken {
        const char *names[8];
        uint32_t ips[8];
        int fail_at_ip; /* 0: never */
};

static int name_taken(void *ctx, const char *name)
{
        struct taken *t = ctx;
        for (size_t i = 0; i < 8 && t->names[i]; i++)
                if (strcasecmp(t->names[i], name) == 0)
                        return 1;
        return 0;
}

static int ip_taken(void *ctx, uint32_t a)
{
        struct taken *t = ctx;
        if (t->fail_at_ip && (a & 0xff) == (uint32_t)t->fail_at_ip)
                return -EIO;
        for (size_t i = 0; i < 8; i++)
                if (t->ips[i] == a)
                        return 1;
        return 0;
}

static void test_plan_skips_taken(void **state)
{
        (void)state;
        struct adopt_pattern p;
        const char *why;
        assert_int_equal(adopt_pattern_parse("node{n:03}", &p, &why), 0);
        struct taken t = {.names = {"NODE002", "node004"},
                          .ips = {ip("198.18.1.10"), ip("198.18.1.12")}};
        char names[4][ADOPT_HOSTNAME_MAX];
        uint32_t ips[4];
        struct adopt_plan_in in = {.n = 4,
                                   .pat = &p,
                                   .start = 1,
                                   .ip_from = ip("198.18.1.10"),
                                   .ip_to = ip("198.18.1.99"),
                                   .name_taken = name_taken,
                                   .ip_taken = ip_taken,
                                   .ctx = &t,
                                   .max_skips = 100};
        struct adopt_plan_out out = {.names = names, .ips = ips};
        assert_int_equal(adopt_plan(&in, &out), 0);
        assert_string_equal(names[0], "node001");
        assert_string_equal(names[1], "node003");
        assert_string_equal(names[2], "node005");
        assert_string_equal(names[3], "node006");
        assert_int_equal(out.names_skipped, 2);
        assert_int_equal(ips[0], ip("198.18.1.11"));
        assert_int_equal(ips[1], ip("198.18.1.13"));
        assert_int_equal(ips[2], ip("198.18.1.14"));
        assert_int_equal(ips[3], ip("198.18.1.15"));
        assert_int_equal(out.ips_skipped, 2);

        /* Range too small: how many were free. */
        in.ip_to = ip("198.18.1.13");
        assert_int_equal(adopt_plan(&in, &out), -ENOSPC);
        assert_int_equal(out.ips_free, 2);
        /* A range up to 255.255.255.255 ends (no wrap). */
        in.ip_from = ip("255.255.255.254");
        in.ip_to = ip("255.255.255.255");
        assert_int_equal(adopt_plan(&in, &out), -ENOSPC);
        assert_int_equal(out.ips_free, 2);
        /* Without a range or pattern: nothing asked. */
        in.ip_from = 0;
        in.pat = NULL;
        assert_int_equal(adopt_plan(&in, &out), 0);
        /* Too many names taken: bounded. */
        in.pat = &p;
        in.max_skips = 1;
        assert_int_equal(adopt_plan(&in, &out), -ERANGE);
        /* A callback's error comes through. */
        in.ip_from = ip("198.18.1.1");
        in.ip_to = ip("198.18.1.9");
        t.fail_at_ip = 3;
        assert_int_equal(adopt_plan(&in, &out), -EIO);
        /* Inverted range. */
        t.fail_at_ip = 0;
        in.ip_from = ip("198.18.1.9");
        in.ip_to = ip("198.18.1.1");
        assert_int_equal(adopt_plan(&in, &out), -EINVAL);
}

static void expect_ranges(const char *q, int n, const char *const *want)
{
        uint32_t lo[IPV4_PREFIX_RANGES_MAX], hi[IPV4_PREFIX_RANGES_MAX];
        int got = ipv4_prefix_ranges(q, lo, hi);
        if (got != n)
                print_error("\"%s\": %d ranges, want %d\n", q, got, n);
        assert_int_equal(got, n);
        for (int i = 0; i < n; i++) {
                assert_int_equal(lo[i], ip(want[2 * i]));
                assert_int_equal(hi[i], ip(want[2 * i + 1]));
        }
}

static void test_prefix_ranges(void **state)
{
        (void)state;
        expect_ranges("198.18.1.7", 1, (const char *[]){"198.18.1.7", "198.18.1.7"});
        expect_ranges("198.18.1.", 1, (const char *[]){"198.18.1.0", "198.18.1.255"});
        expect_ranges("198.18.1", 3,
                      (const char *[]){"198.18.1.0", "198.18.1.255", "198.18.10.0", "198.18.19.255",
                                       "198.18.100.0", "198.18.199.255"});
        expect_ranges("198.18.2", 3,
                      (const char *[]){"198.18.2.0", "198.18.2.255", "198.18.20.0", "198.18.29.255",
                                       "198.18.200.0", "198.18.255.255"});
        expect_ranges("198.18.0", 1, (const char *[]){"198.18.0.0", "198.18.0.255"});
        expect_ranges("198.", 1, (const char *[]){"198.0.0.0", "198.255.255.255"});
        expect_ranges(
            "10.25", 2,
            (const char *[]){"10.25.0.0", "10.25.255.255", "10.250.0.0", "10.255.255.255"});
        expect_ranges("255.255.255.255", 1, (const char *[]){"255.255.255.255", "255.255.255.255"});
        const char *no[] = {"198",    "node01",   "198.18.1.7.", "198.18.1.256",
                            "198..1", "198.018.", "1.2.3.4.5",   "",
                            ".",      "300.1"};
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
                expect_ranges(no[i], 0, NULL);
}

static void test_range_parse(void **state)
{
        (void)state;
        uint32_t a, b;
        assert_int_equal(ipv4_range_parse("198.18.1.10-198.18.1.99", &a, &b), 0);
        assert_int_equal(a, ip("198.18.1.10"));
        assert_int_equal(b, ip("198.18.1.99"));
        assert_int_equal(ipv4_range_parse(" 198.18.1.10 - 198.18.1.10 ", &a, &b), 0);
        assert_int_equal(a, b);
        assert_int_equal(ipv4_range_parse("198.18.1.99-198.18.1.10", &a, &b), -EINVAL);
        assert_int_equal(ipv4_range_parse("198.18.1.10", &a, &b), -EINVAL);
        assert_int_equal(ipv4_range_parse("198.18.1.10-", &a, &b), -EINVAL);
        assert_int_equal(ipv4_range_parse("-198.18.1.10", &a, &b), -EINVAL);
        assert_int_equal(ipv4_range_parse("a-b", &a, &b), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pattern_parse_format),
            cmocka_unit_test(test_plan_skips_taken),
            cmocka_unit_test(test_prefix_ranges),
            cmocka_unit_test(test_range_parse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
