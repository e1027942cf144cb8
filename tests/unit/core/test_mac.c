/* MAC parsing and formatting (src/core/mac.c): every accepted spelling
 * normalises to the canonical lowercase colon form; everything else is
 * -EINVAL and leaves the output untouched. */
#include "../test_util.h"

#include <errno.h>

#include "core/mac.h"

static const struct mac M1 = {{0x52, 0x54, 0x00, 0xab, 0xcd, 0x01}};

/* Parses s (strlen) and checks the canonical form. */
static void expect_mac(const char *s, const char *canonical)
{
        struct mac m;
        char out[MAC_STR_LEN];
        int r = mac_parse(s, strlen(s), &m);
        if (r != 0)
                print_error("mac_parse(\"%s\") failed\n", s);
        assert_int_equal(r, 0);
        mac_format(&m, out);
        assert_string_equal(out, canonical);
}

static void expect_reject_len(const char *s, size_t len)
{
        struct mac m;
        memset(&m, 0x77, sizeof(m));
        int r = mac_parse(s, len, &m);
        if (r != -EINVAL)
                print_error("mac_parse(\"%.*s\", %zu) accepted\n", (int)len, s, len);
        assert_int_equal(r, -EINVAL);
        /* ret untouched on failure */
        for (int i = 0; i < MAC_LEN; i++)
                assert_int_equal(m.b[i], 0x77);
}

static void expect_reject(const char *s)
{
        expect_reject_len(s, strlen(s));
}

static void test_colon(void **state)
{
        expect_mac("52:54:00:ab:cd:01", "52:54:00:ab:cd:01");
        expect_mac("52:54:00:AB:CD:01", "52:54:00:ab:cd:01");
        expect_mac("52:54:00:Ab:cD:01", "52:54:00:ab:cd:01");
        expect_mac("ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff");
        expect_mac("00:00:00:00:00:00", "00:00:00:00:00:00");
}

static void test_colon_single_digit_groups(void **state)
{
        /* As some tools (arp, older BSD ifconfig) print them. */
        expect_mac("52:54:0:ab:cd:1", "52:54:00:ab:cd:01");
        expect_mac("0:1:2:3:4:5", "00:01:02:03:04:05");
        expect_mac("a:B:c:D:e:F", "0a:0b:0c:0d:0e:0f");
        /* Lengths 12 and 14 are also those of the bare and Cisco forms. */
        expect_mac("0:1:2:3:4:56", "00:01:02:03:04:56");
        expect_mac("12:1:2:3:4:5", "12:01:02:03:04:05");
        expect_mac("52:54:00:a:b:1", "52:54:00:0a:0b:01");
        expect_mac("1:22:33:44:55:6", "01:22:33:44:55:06");
}

static void test_hyphen(void **state)
{
        expect_mac("52-54-00-ab-cd-01", "52:54:00:ab:cd:01");
        expect_mac("52-54-00-AB-CD-01", "52:54:00:ab:cd:01");
}

static void test_bare(void **state)
{
        expect_mac("525400abcd01", "52:54:00:ab:cd:01");
        expect_mac("525400ABCD01", "52:54:00:ab:cd:01");
}

static void test_cisco(void **state)
{
        expect_mac("5254.00ab.cd01", "52:54:00:ab:cd:01");
        expect_mac("5254.00AB.CD01", "52:54:00:ab:cd:01");
}

static void test_not_nul_terminated(void **state)
{
        /* The parser honours len: the HTTP route passes a slice of the path. */
        const char *path = "52:54:00:ab:cd:01.ipxe";
        struct mac m;
        assert_int_equal(mac_parse(path, 17, &m), 0);
        assert_true(mac_equal(&m, &M1));
        const char *bare = "525400abcd01ffff";
        assert_int_equal(mac_parse(bare, 12, &m), 0);
        assert_true(mac_equal(&m, &M1));
}

static void test_reject_lengths(void **state)
{
        expect_reject("");
        expect_reject("5");
        expect_reject("525400abcd0");     /* 11 hex */
        expect_reject("525400abcd011");   /* 13 hex */
        expect_reject("525400abcd0102");  /* 14 hex */
        expect_reject("52:54:00:ab:cd");  /* 5 groups */
        expect_reject("52:54:00:ab:cd:"); /* empty last group */
        expect_reject(":52:54:00:ab:cd:01");
        expect_reject("52:54:00:ab:cd:01:");
        expect_reject("52:54:00:ab:cd:01:02"); /* 7 groups */
        expect_reject("1:2:3:4:5:6:7");        /* 7 short groups */
        expect_reject("52:54:00:ab:cd:012");   /* 3-digit group */
        expect_reject("052:54:00:ab:cd:01");
        expect_reject("52::00:ab:cd:01");
        expect_reject("5254.00ab.cd0");
        expect_reject("5254.00ab.cd011");
        expect_reject("5254.00ab");
        expect_reject("52-54-00-ab-cd");
        expect_reject("52-54-00-ab-cd-01-02");
}

static void test_reject_hyphen_short_groups(void **state)
{
        /* Single-digit groups are a colon-form habit only. */
        expect_reject("52-54-0-ab-cd-01");
        expect_reject("2-54-00-ab-cd-01");
}

static void test_reject_mixed_separators(void **state)
{
        expect_reject("52:54-00:ab:cd:01");
        expect_reject("52-54-00-ab-cd:01");
        expect_reject("52:54:00:ab:cd-01");
        expect_reject("5254.00ab:cd01");
        expect_reject("5254:00ab.cd01");
        expect_reject("5254-00ab-cd01");
        expect_reject("52.54.00.ab.cd.01");
        expect_reject("52 54 00 ab cd 01");
        expect_reject("5254.00ab.cd.1");
}

static void test_reject_non_hex(void **state)
{
        expect_reject("52:54:00:ab:cd:0g");
        expect_reject("g2:54:00:ab:cd:01");
        expect_reject("525400abcd0g");
        expect_reject("5254.00ab.cd0x");
        expect_reject("52-54-00-ab-cd-0z");
        expect_reject("52:54:00:ab:cd:+1");
        expect_reject("52:54:00:ab:cd: 1");
        expect_reject("0x5254.00ab.cd");
        expect_reject("52:54:00:ab:cd:\xff\xff");
        expect_reject("52%3A54%3A00%3Aab%3Acd%3A01"); /* still encoded */
}

static void test_reject_embedded_nul(void **state)
{
        /* A NUL inside the given length is never a digit or separator. */
        expect_reject_len("52:54:00:ab:cd:0\0", 17);
        expect_reject_len("52:54:00:ab:cd\0:01", 17);
        expect_reject_len("525400abcd0\0", 12);
        expect_reject_len("5254.00ab.cd0\0", 14);
        expect_reject_len("52:54:00:ab:cd:01\0", 18);
        expect_reject_len("525400abcd01\0", 13);
        expect_reject_len("\0\0\0\0\0\0\0\0\0\0\0\0", 12);
}

static void test_reject_trailing_junk(void **state)
{
        expect_reject("52:54:00:ab:cd:01x");
        expect_reject("52:54:00:ab:cd:01 ");
        expect_reject(" 52:54:00:ab:cd:01");
        expect_reject("52:54:00:ab:cd:01\n");
        expect_reject("525400abcd01.");
        expect_reject("5254.00ab.cd01.");
        expect_reject("52:54:00:ab:cd:1x");
        expect_reject("52:54:00:ab:cd:1:");
}

static void test_parse_str_null(void **state)
{
        struct mac m;
        assert_int_equal(mac_parse_str(NULL, &m), -EINVAL);
        assert_int_equal(mac_parse(NULL, 12, &m), -EINVAL);
        assert_int_equal(mac_parse_str("52-54-00-ab-cd-01", &m), 0);
        assert_true(mac_equal(&m, &M1));
}

static void test_format(void **state)
{
        char out[MAC_STR_LEN];
        memset(out, 'x', sizeof(out));
        mac_format(&M1, out);
        assert_string_equal(out, "52:54:00:ab:cd:01");
        memset(out, 'x', sizeof(out));
        mac_format_hyphen(&M1, out);
        assert_string_equal(out, "52-54-00-ab-cd-01");
        struct mac all = {{0xff, 0xee, 0x0a, 0x00, 0x9f, 0xf0}};
        mac_format(&all, out);
        assert_string_equal(out, "ff:ee:0a:00:9f:f0");
}

static void test_round_trip_every_byte(void **state)
{
        /* Each byte value in each position survives format -> parse in every spelling. */
        for (int pos = 0; pos < MAC_LEN; pos++) {
                for (int v = 0; v < 256; v++) {
                        struct mac in = M1, out;
                        in.b[pos] = (uint8_t)v;
                        char s[MAC_STR_LEN], h[MAC_STR_LEN];
                        mac_format(&in, s);
                        assert_int_equal(mac_parse_str(s, &out), 0);
                        assert_true(mac_equal(&in, &out));
                        mac_format_hyphen(&in, h);
                        assert_int_equal(mac_parse_str(h, &out), 0);
                        assert_true(mac_equal(&in, &out));
                        char bare[13];
                        for (int i = 0; i < MAC_LEN; i++)
                                memcpy(bare + 2 * i, s + 3 * i, 2);
                        bare[12] = '\0';
                        assert_int_equal(mac_parse_str(bare, &out), 0);
                        assert_true(mac_equal(&in, &out));
                }
        }
}

static void test_equal(void **state)
{
        struct mac a = M1, b = M1;
        assert_true(mac_equal(&a, &b));
        b.b[5] ^= 1;
        assert_false(mac_equal(&a, &b));
}

/* Broadcast, all-zero and multicast (bit 0 of the first octet) MACs are
 * not machines'; every unicast one is. */
static void test_machine_problem(void **state)
{
        (void)state;
        static const char *const bad[] = {
            "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "01:00:5e:00:00:01", "33:33:00:00:00:01",
            "01:80:c2:00:00:00", "03:00:00:00:00:00", "ff:00:00:00:00:00", "a1:b2:c3:d4:e5:f6"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct mac m;
                assert_int_equal(mac_parse_str(bad[i], &m), 0);
                if (mac_is_machine(&m))
                        print_error("%s accepted as a machine\n", bad[i]);
                assert_false(mac_is_machine(&m));
                assert_non_null(mac_machine_problem(&m));
        }
        struct mac m;
        assert_int_equal(mac_parse_str("ff:ff:ff:ff:ff:ff", &m), 0);
        assert_non_null(strstr(mac_machine_problem(&m), "broadcast"));
        assert_int_equal(mac_parse_str("00:00:00:00:00:00", &m), 0);
        assert_non_null(strstr(mac_machine_problem(&m), "all-zero"));
        assert_int_equal(mac_parse_str("01:00:5e:00:00:01", &m), 0);
        assert_non_null(strstr(mac_machine_problem(&m), "multicast"));
        static const char *const good[] = {"52:54:00:ab:cd:01", "02:00:00:00:00:00",
                                           "00:00:00:00:00:01", "fe:ff:ff:ff:ff:ff",
                                           "00:1b:21:0a:0b:0c"};
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                assert_int_equal(mac_parse_str(good[i], &m), 0);
                assert_true(mac_is_machine(&m));
                assert_null(mac_machine_problem(&m));
        }
        /* Every first octet: machine iff bit 0 clear (and not all zero). */
        for (int v = 0; v < 256; v++) {
                struct mac x = M1;
                x.b[0] = (uint8_t)v;
                assert_int_equal(mac_is_machine(&x), (v & 1) == 0);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_colon),
            cmocka_unit_test(test_colon_single_digit_groups),
            cmocka_unit_test(test_hyphen),
            cmocka_unit_test(test_bare),
            cmocka_unit_test(test_cisco),
            cmocka_unit_test(test_not_nul_terminated),
            cmocka_unit_test(test_reject_lengths),
            cmocka_unit_test(test_reject_hyphen_short_groups),
            cmocka_unit_test(test_reject_mixed_separators),
            cmocka_unit_test(test_reject_non_hex),
            cmocka_unit_test(test_reject_embedded_nul),
            cmocka_unit_test(test_reject_trailing_junk),
            cmocka_unit_test(test_parse_str_null),
            cmocka_unit_test(test_format),
            cmocka_unit_test(test_round_trip_every_byte),
            cmocka_unit_test(test_equal),
            cmocka_unit_test(test_machine_problem),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
