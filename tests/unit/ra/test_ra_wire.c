/* Unit tests: router solicitation / advertisement codec (ra/ra_wire.c). */
#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>

#include "ra/ra_wire.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* The exact packet tests/e2e/lib/ra.py sent, which Debian's iPXE accepts. */
static void test_build_ra_configures_nothing(void **state)
{
        const uint8_t want[16] = {134, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        uint8_t buf[64];
        size_t len = 0;
        const struct ra_params p = {0};
        assert_int_equal(ra_wire_build_ra(&p, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, 16);
        assert_memory_equal(buf, want, 16);

        struct ra_msg m;
        const char *why = NULL;
        assert_int_equal(ra_wire_parse(buf, len, &m, &why), 0);
        assert_int_equal(m.type, RA_WIRE_TYPE_RA);
        assert_int_equal(m.router_lifetime_s, 0);
        assert_int_equal(m.flags, 0);
        assert_int_equal(m.n_options, 0);
        assert_true(ra_wire_configures_nothing(&m));
}

static void test_build_ra_fields_roundtrip(void **state)
{
        uint8_t buf[64];
        size_t len = 0;
        const struct ra_params p = {.cur_hop_limit = 64,
                                    .managed = true,
                                    .other = true,
                                    .router_lifetime_s = 1800,
                                    .reachable_ms = 30000,
                                    .retrans_ms = 1000,
                                    .slla = MAC};
        assert_int_equal(ra_wire_build_ra(&p, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, 24);
        assert_int_equal(buf[5], 0xc0); /* M and O */
        struct ra_msg m;
        const char *why = NULL;
        assert_int_equal(ra_wire_parse(buf, len, &m, &why), 0);
        assert_int_equal(m.cur_hop_limit, 64);
        assert_int_equal(m.router_lifetime_s, 1800);
        assert_int_equal(m.reachable_ms, 30000);
        assert_int_equal(m.retrans_ms, 1000);
        assert_true(m.has_slla);
        assert_memory_equal(m.slla, MAC, 6);
        assert_int_equal(m.n_other_options, 0);
        assert_false(ra_wire_configures_nothing(&m));
}

static void test_build_too_small(void **state)
{
        uint8_t buf[20];
        size_t len = 99;
        const struct ra_params p = {.slla = MAC};
        assert_int_equal(ra_wire_build_ra(&p, buf, sizeof(buf), &len), -ENOBUFS);
        assert_int_equal(len, 99); /* untouched */
        assert_int_equal(ra_wire_build_rs(MAC, buf, 15, &len), -ENOBUFS);
        assert_int_equal(len, 99);
}

static void test_rs_roundtrip(void **state)
{
        uint8_t buf[32];
        size_t len;
        struct ra_msg m;
        const char *why = NULL;
        assert_int_equal(ra_wire_build_rs(NULL, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, 8);
        assert_int_equal(ra_wire_parse(buf, len, &m, &why), 0);
        assert_int_equal(m.type, RA_WIRE_TYPE_RS);
        assert_false(m.has_slla);
        assert_int_equal(ra_wire_build_rs(MAC, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, 16);
        assert_int_equal(ra_wire_parse(buf, len, &m, &why), 0);
        assert_true(m.has_slla);
        assert_memory_equal(m.slla, MAC, 6);
        assert_false(ra_wire_configures_nothing(&m)); /* not an RA */
}

/* A router's RA: prefix and MTU options are counted, so it is not ours. */
static void test_parse_router_ra(void **state)
{
        uint8_t pkt[16 + 32 + 8] = {134, 0, 0x12, 0x34, 64, 0x00, 0x07, 0x08};
        uint8_t *o = pkt + 16;
        o[0] = RA_WIRE_OPT_PREFIX;
        o[1] = 4;
        o[2] = 64;
        o += 32;
        o[0] = RA_WIRE_OPT_MTU;
        o[1] = 1;
        o[4] = 0, o[5] = 0, o[6] = 0x05, o[7] = 0xdc;
        struct ra_msg m;
        const char *why = NULL;
        assert_int_equal(ra_wire_parse(pkt, sizeof(pkt), &m, &why), 0);
        assert_int_equal(m.router_lifetime_s, 0x0708);
        assert_int_equal(m.n_prefixes, 1);
        assert_true(m.has_mtu);
        assert_int_equal(m.mtu, 1500);
        assert_int_equal(m.n_options, 2);
        assert_false(ra_wire_configures_nothing(&m));
        /* Lifetime 0 and no flags, but a prefix: still configures something. */
        pkt[6] = pkt[7] = 0;
        assert_int_equal(ra_wire_parse(pkt, sizeof(pkt), &m, &why), 0);
        assert_false(ra_wire_configures_nothing(&m));
        /* Only the O flag. */
        uint8_t only_o[16] = {134, 0, 0, 0, 0, 0x40};
        assert_int_equal(ra_wire_parse(only_o, sizeof(only_o), &m, &why), 0);
        assert_false(ra_wire_configures_nothing(&m));
}

static void expect_bad(const uint8_t *p, size_t n, const char *why_part)
{
        struct ra_msg m = {.type = 77};
        const char *why = NULL;
        assert_int_equal(ra_wire_parse(p, n, &m, &why), -EBADMSG);
        assert_non_null(why);
        assert_non_null(strstr(why, why_part));
        assert_int_equal(m.type, 77); /* untouched */
}

static void test_parse_malformed(void **state)
{
        const uint8_t rs[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 3, 4, 5, 6};
        uint8_t p[64];
        expect_bad(rs, 0, "shorter");
        expect_bad(rs, 3, "shorter");
        expect_bad(rs, 7, "8 bytes");
        memcpy(p, rs, 16);
        p[0] = 135; /* neighbour solicitation */
        expect_bad(p, 16, "not a router");
        p[0] = 133;
        p[1] = 1;
        expect_bad(p, 16, "code");
        uint8_t ra[16] = {134};
        expect_bad(ra, 15, "16 bytes");
        /* Option header cut, zero length, overrun. */
        expect_bad(rs, 9, "truncated option");
        memcpy(p, rs, 16);
        p[9] = 0;
        expect_bad(p, 16, "length 0");
        p[9] = 2;
        expect_bad(p, 16, "overruns");
}

static void test_parse_too_many_options(void **state)
{
        uint8_t p[8 + 8 * (RA_WIRE_MAX_OPTIONS + 1)] = {133};
        for (size_t i = 0; i <= RA_WIRE_MAX_OPTIONS; i++) {
                p[8 + 8 * i] = 99;
                p[9 + 8 * i] = 1;
        }
        struct ra_msg m;
        const char *why = NULL;
        assert_int_equal(ra_wire_parse(p, sizeof(p) - 8, &m, &why), 0);
        assert_int_equal(m.n_options, RA_WIRE_MAX_OPTIONS);
        expect_bad(p, sizeof(p), "too many");
}

static void test_check_origin(void **state)
{
        struct in6_addr ll, global, any = IN6ADDR_ANY_INIT;
        inet_pton(AF_INET6, "fe80::5054:ff:fe12:3456", &ll);
        inet_pton(AF_INET6, "2001:db8::1", &global);
        struct ra_msg ra = {.type = RA_WIRE_TYPE_RA}, rs = {.type = RA_WIRE_TYPE_RS};
        const char *why = NULL;
        assert_int_equal(ra_wire_check_origin(&ra, 255, &ll, &why), 0);
        assert_int_equal(ra_wire_check_origin(&ra, 254, &ll, &why), -EBADMSG);
        assert_non_null(strstr(why, "hop limit"));
        assert_int_equal(ra_wire_check_origin(&ra, 255, &global, &why), -EBADMSG);
        assert_non_null(strstr(why, "link-local"));
        /* An RS may come from :: (before the host has an address) ... */
        assert_int_equal(ra_wire_check_origin(&rs, 255, &any, &why), 0);
        assert_int_equal(ra_wire_check_origin(&rs, 255, &global, &why), 0);
        /* ... but then without a link-layer address option (§6.1.1). */
        rs.has_slla = true;
        assert_int_equal(ra_wire_check_origin(&rs, 255, &any, &why), -EBADMSG);
        assert_int_equal(ra_wire_check_origin(&rs, 255, &ll, &why), 0);
        assert_int_equal(ra_wire_check_origin(&rs, 1, &ll, &why), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_build_ra_configures_nothing),
            cmocka_unit_test(test_build_ra_fields_roundtrip),
            cmocka_unit_test(test_build_too_small),
            cmocka_unit_test(test_rs_roundtrip),
            cmocka_unit_test(test_parse_router_ra),
            cmocka_unit_test(test_parse_malformed),
            cmocka_unit_test(test_parse_too_many_options),
            cmocka_unit_test(test_check_origin),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
