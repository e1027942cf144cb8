/* DHCP codec: round trips, RFC 3396 long options and overload, and every
 * malformed case the server must drop. */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>

#include "dhcp/dhcp_wire.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0x01};

/* A BOOTREQUEST header (+ cookie) followed by raw option bytes. */
static size_t build(uint8_t *buf, uint8_t op, const void *opts, size_t n)
{
        memset(buf, 0, DHCP_MIN_LEN);
        buf[0] = op;
        buf[1] = 1;
        buf[2] = 6;
        buf[4] = 0x12, buf[5] = 0x34, buf[6] = 0x56, buf[7] = 0x78;
        memcpy(buf + 28, MAC, 6);
        buf[236] = 99, buf[237] = 130, buf[238] = 83, buf[239] = 99;
        memcpy(buf + DHCP_MIN_LEN, opts, n);
        return DHCP_MIN_LEN + n;
}

static struct dhcp_packet pkt;
static uint8_t buf[DHCP_PACKET_MAX + 16];

static int decode(size_t len, const char **why)
{
        *why = NULL;
        return dhcp_wire_decode(buf, len, &pkt, why);
}

static void test_minimal_discover(void **state)
{
        const uint8_t o[] = {53, 1, 1, 55, 3, 1, 3, 6, 255};
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        assert_int_equal(pkt.op, 1);
        assert_int_equal(pkt.xid, 0x12345678);
        assert_memory_equal(pkt.chaddr, MAC, 6);
        assert_int_equal(pkt.msg_type, DHCP_DISCOVER);
        size_t n;
        const uint8_t *v = dhcp_pkt_opt(&pkt, 55, &n);
        assert_non_null(v);
        assert_int_equal(n, 3);
        assert_int_equal(v[2], 6);
        assert_int_equal(dhcp_wire_check_request(&pkt, &why), 0);
}

static void test_round_trip(void **state)
{
        const uint8_t o[] = {53, 1, 3, 255};
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        struct dhcp_out out;
        dhcp_out_reply(&out, &pkt, DHCP_ACK);
        out.yiaddr = 0xc6120064;
        out.siaddr = 0xc6120001;
        snprintf(out.file, sizeof(out.file), "ipxe.efi");
        dhcp_out_add_ip(&out, DHCP_OPT_SERVER_ID, 0xc6120001);
        dhcp_out_add_u32(&out, DHCP_OPT_LEASE_TIME, 3600);
        dhcp_out_add_str(&out, DHCP_OPT_VENDOR_CLASS, "PXEClient");
        uint8_t wire[1500];
        int n = dhcp_wire_encode(&out, wire, sizeof(wire));
        assert_true(n >= DHCP_MIN_REPLY_LEN);
        struct dhcp_packet back;
        assert_int_equal(dhcp_wire_decode(wire, (size_t)n, &back, &why), 0);
        assert_int_equal(back.op, DHCP_BOOTREPLY);
        assert_int_equal(back.xid, 0x12345678);
        assert_int_equal(back.yiaddr, 0xc6120064);
        assert_int_equal(back.siaddr, 0xc6120001);
        assert_string_equal(back.file, "ipxe.efi");
        assert_int_equal(back.msg_type, DHCP_ACK);
        uint32_t v;
        assert_true(dhcp_pkt_ip(&back, DHCP_OPT_SERVER_ID, &v));
        assert_int_equal(v, 0xc6120001);
        assert_true(dhcp_pkt_u32(&back, DHCP_OPT_LEASE_TIME, &v));
        assert_int_equal(v, 3600);
        size_t len;
        const uint8_t *vc = dhcp_pkt_opt(&back, DHCP_OPT_VENDOR_CLASS, &len);
        assert_int_equal(len, 9);
        assert_memory_equal(vc, "PXEClient", 9);
        /* The message type comes first (RFC 2131 §4.1 recommends it). */
        assert_int_equal(wire[DHCP_MIN_LEN], 53);
        /* A reply is never checked as a request. */
        assert_int_equal(dhcp_wire_check_request(&back, &why), -EBADMSG);
}

static void test_long_option_split_and_joined(void **state)
{
        const uint8_t o[] = {53, 1, 1, 255};
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        struct dhcp_out out;
        dhcp_out_reply(&out, &pkt, DHCP_OFFER);
        uint8_t big[600];
        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (uint8_t)i;
        dhcp_out_add(&out, 224, big, sizeof(big));
        uint8_t wire[1500];
        int n = dhcp_wire_encode(&out, wire, sizeof(wire));
        assert_true(n > 600);
        /* RFC 3396 §6: 255 + 255 + 90 as three instances. */
        assert_int_equal(wire[DHCP_MIN_LEN + 3], 224);
        assert_int_equal(wire[DHCP_MIN_LEN + 4], 255);
        struct dhcp_packet back;
        assert_int_equal(dhcp_wire_decode(wire, (size_t)n, &back, &why), 0);
        size_t len;
        const uint8_t *v = dhcp_pkt_opt(&back, 224, &len);
        assert_int_equal(len, sizeof(big));
        assert_memory_equal(v, big, sizeof(big));
        assert_int_equal(back.n_instances, 4);
}

static void test_concatenation_in_order(void **state)
{
        /* Option 77 in two instances: "iP" then "XE". */
        const uint8_t o[] = {77, 2, 'i', 'P', 53, 1, 1, 77, 2, 'X', 'E', 255};
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        size_t n;
        const uint8_t *v = dhcp_pkt_opt(&pkt, 77, &n);
        assert_int_equal(n, 4);
        assert_memory_equal(v, "iPXE", 4);
}

static void test_overload_file_then_sname(void **state)
{
        const uint8_t o[] = {53, 1, 1, 52, 1, 3, 77, 1, 'a', 255};
        const char *why;
        size_t len = build(buf, 1, o, sizeof(o));
        /* sname at 44, file at 108: file is read first (RFC 2131 §4.1). */
        const uint8_t in_file[] = {77, 1, 'b', 60, 3, 'P', 'X', 'E', 255};
        const uint8_t in_sname[] = {77, 1, 'c', 0, 0, 255};
        memcpy(buf + 108, in_file, sizeof(in_file));
        memcpy(buf + 44, in_sname, sizeof(in_sname));
        assert_int_equal(decode(len, &why), 0);
        assert_int_equal(pkt.overload, 3);
        size_t n;
        const uint8_t *v = dhcp_pkt_opt(&pkt, 77, &n);
        assert_int_equal(n, 3);
        assert_memory_equal(v, "abc", 3);
        assert_non_null(dhcp_pkt_opt(&pkt, 60, &n));
        assert_string_equal(pkt.file, "");
        assert_string_equal(pkt.sname, "");
}

static void test_overload_file_only_keeps_sname(void **state)
{
        const uint8_t o[] = {53, 1, 1, 52, 1, 1, 255};
        const char *why;
        size_t len = build(buf, 1, o, sizeof(o));
        const uint8_t in_file[] = {12, 4, 'h', 'o', 's', 't', 255};
        memcpy(buf + 108, in_file, sizeof(in_file));
        memcpy(buf + 44, "server", 6);
        assert_int_equal(decode(len, &why), 0);
        assert_string_equal(pkt.sname, "server");
        assert_true(dhcp_pkt_has(&pkt, 12));
}

static void test_missing_end_tolerated(void **state)
{
        const uint8_t o[] = {53, 1, 3, 50, 4, 198, 18, 0, 100};
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        uint32_t ip;
        assert_true(dhcp_pkt_ip(&pkt, 50, &ip));
        assert_int_equal(ip, 0xc6120064);
}

static void test_bad_length_option_dropped(void **state)
{
        /* 50 with 3 bytes, 93 with an odd length: dropped, not trusted. */
        const uint8_t o[] = {53, 1, 3, 50, 3, 1, 2, 3, 93, 3, 0, 7, 0, 255};
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        assert_false(dhcp_pkt_has(&pkt, 50));
        assert_false(dhcp_pkt_has(&pkt, 93));
        assert_int_equal(pkt.n_dropped, 2);
}

/* ---- malformed ---- */

static void expect_bad(size_t len, int err, const char *why_part)
{
        const char *why;
        assert_int_equal(decode(len, &why), err);
        assert_non_null(why);
        if (!strstr(why, why_part))
                fail_msg("reason \"%s\" does not mention \"%s\"", why, why_part);
}

static void test_truncated_header(void **state)
{
        const uint8_t o[] = {53, 1, 1, 255};
        size_t len = build(buf, 1, o, sizeof(o));
        (void)len;
        expect_bad(239, -EBADMSG, "truncated");
        expect_bad(0, -EBADMSG, "truncated");
}

static void test_bad_cookie(void **state)
{
        const uint8_t o[] = {53, 1, 1, 255};
        size_t len = build(buf, 1, o, sizeof(o));
        buf[239] = 0;
        expect_bad(len, -EBADMSG, "cookie");
}

static void test_hlen_too_big(void **state)
{
        const uint8_t o[] = {53, 1, 1, 255};
        size_t len = build(buf, 1, o, sizeof(o));
        buf[2] = 17;
        expect_bad(len, -EBADMSG, "hlen");
}

static void test_option_overruns(void **state)
{
        const uint8_t o[] = {53, 1, 1, 60, 20, 'P', 'X', 'E'};
        expect_bad(build(buf, 1, o, sizeof(o)), -EBADMSG, "overruns");
        const uint8_t o2[] = {53, 1, 1, 60}; /* length byte missing */
        expect_bad(build(buf, 1, o2, sizeof(o2)), -EBADMSG, "overruns");
}

static void test_too_many_options(void **state)
{
        uint8_t o[2 * 300 + 3];
        size_t n = 0;
        o[n++] = 53, o[n++] = 1, o[n++] = 1;
        for (int i = 0; i < 300; i++)
                o[n++] = 224, o[n++] = 0;
        expect_bad(build(buf, 1, o, n), -E2BIG, "too many");
}

static void test_overload_loop(void **state)
{
        const uint8_t o[] = {53, 1, 1, 52, 1, 1, 255};
        size_t len = build(buf, 1, o, sizeof(o));
        const uint8_t in_file[] = {52, 1, 3, 255};
        memcpy(buf + 108, in_file, sizeof(in_file));
        expect_bad(len, -ELOOP, "overload");
}

static void test_overload_bad_values(void **state)
{
        const uint8_t zero[] = {53, 1, 1, 52, 1, 0, 255};
        expect_bad(build(buf, 1, zero, sizeof(zero)), -EBADMSG, "overload");
        const uint8_t four[] = {53, 1, 1, 52, 1, 4, 255};
        expect_bad(build(buf, 1, four, sizeof(four)), -EBADMSG, "overload");
        const uint8_t twice[] = {53, 1, 1, 52, 1, 1, 52, 1, 1, 255};
        expect_bad(build(buf, 1, twice, sizeof(twice)), -EBADMSG, "overload");
        const uint8_t empty[] = {53, 1, 1, 52, 0, 255};
        expect_bad(build(buf, 1, empty, sizeof(empty)), -EBADMSG, "overload");
}

static void test_overload_overruns_file(void **state)
{
        const uint8_t o[] = {53, 1, 1, 52, 1, 1, 255};
        size_t len = build(buf, 1, o, sizeof(o));
        /* An option in file claiming more bytes than the field holds. */
        buf[108 + 120] = 60;
        buf[108 + 121] = 40;
        expect_bad(len, -EBADMSG, "overruns");
}

static void test_endless_pad_has_no_type(void **state)
{
        uint8_t o[1000];
        memset(o, 0, sizeof(o));
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        assert_int_equal(pkt.msg_type, 0);
        assert_int_equal(dhcp_wire_check_request(&pkt, &why), -EBADMSG);
        assert_non_null(strstr(why, "option 53"));
}

static void test_no_option_53(void **state)
{
        const uint8_t o[] = {55, 2, 1, 3, 255};
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        assert_int_equal(dhcp_wire_check_request(&pkt, &why), -EBADMSG);
}

static void test_wrong_op(void **state)
{
        const uint8_t o[] = {53, 1, 1, 255};
        const char *why;
        assert_int_equal(decode(build(buf, 2, o, sizeof(o)), &why), 0);
        assert_int_equal(dhcp_wire_check_request(&pkt, &why), -EBADMSG);
        assert_non_null(strstr(why, "BOOTREQUEST"));
        assert_int_equal(decode(build(buf, 7, o, sizeof(o)), &why), 0);
        assert_int_equal(dhcp_wire_check_request(&pkt, &why), -EBADMSG);
}

static void test_message_type_checks(void **state)
{
        const uint8_t bad_len[] = {53, 2, 1, 1, 255};
        expect_bad(build(buf, 1, bad_len, sizeof(bad_len)), -EBADMSG, "message-type");
        const uint8_t offer[] = {53, 1, DHCP_OFFER, 255};
        const char *why;
        assert_int_equal(decode(build(buf, 1, offer, sizeof(offer)), &why), 0);
        assert_int_equal(dhcp_wire_check_request(&pkt, &why), -EBADMSG);
        const uint8_t huge[] = {53, 1, 200, 255};
        assert_int_equal(decode(build(buf, 1, huge, sizeof(huge)), &why), 0);
        assert_int_equal(dhcp_wire_check_request(&pkt, &why), -EBADMSG);
}

static void test_not_ethernet(void **state)
{
        const uint8_t o[] = {53, 1, 1, 255};
        const char *why;
        size_t len = build(buf, 1, o, sizeof(o));
        buf[1] = 32; /* InfiniBand */
        buf[2] = 0;
        assert_int_equal(decode(len, &why), 0);
        assert_int_equal(dhcp_wire_check_request(&pkt, &why), -EBADMSG);
}

static void test_too_large(void **state)
{
        const char *why;
        memset(buf, 0, sizeof(buf));
        assert_int_equal(dhcp_wire_decode(buf, DHCP_PACKET_MAX + 1, &pkt, &why), -E2BIG);
}

static void test_encode_limits(void **state)
{
        const uint8_t o[] = {53, 1, 1, 255};
        const char *why;
        assert_int_equal(decode(build(buf, 1, o, sizeof(o)), &why), 0);
        struct dhcp_out out;
        dhcp_out_reply(&out, &pkt, DHCP_OFFER);
        uint8_t big[400];
        memset(big, 'x', sizeof(big));
        dhcp_out_add(&out, 224, big, sizeof(big));
        uint8_t wire[1500];
        /* 576-byte clients: 548 bytes of DHCP; this does not fit. */
        assert_int_equal(dhcp_wire_encode(&out, wire, 548), -EMSGSIZE);
        assert_true(dhcp_wire_encode(&out, wire, 1472) > 600);
        /* Adding past the option table sets overflow; encode refuses. */
        for (int i = 0; i < DHCP_OUT_OPTS + 1; i++)
                dhcp_out_add_u8(&out, 224, 1);
        assert_true(out.overflow);
        assert_int_equal(dhcp_wire_encode(&out, wire, sizeof(wire)), -EMSGSIZE);
        /* Short replies are padded to the BOOTP minimum. */
        dhcp_out_reply(&out, &pkt, DHCP_NAK);
        assert_int_equal(dhcp_wire_encode(&out, wire, sizeof(wire)), DHCP_MIN_REPLY_LEN);
}

static void test_option_table(void **state)
{
        assert_true(dhcp_option_len_ok(53, 1));
        assert_false(dhcp_option_len_ok(53, 0));
        assert_false(dhcp_option_len_ok(3, 6));
        assert_true(dhcp_option_len_ok(3, 8));
        assert_false(dhcp_option_len_ok(61, 1));
        assert_true(dhcp_option_len_ok(224, 0));
        assert_string_equal(dhcp_option_find(93)->name, "client-system-architecture");
        assert_string_equal(dhcp_msg_type_name(3), "REQUEST");
        assert_string_equal(dhcp_msg_type_name(99), "UNKNOWN");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_minimal_discover),
            cmocka_unit_test(test_round_trip),
            cmocka_unit_test(test_long_option_split_and_joined),
            cmocka_unit_test(test_concatenation_in_order),
            cmocka_unit_test(test_overload_file_then_sname),
            cmocka_unit_test(test_overload_file_only_keeps_sname),
            cmocka_unit_test(test_missing_end_tolerated),
            cmocka_unit_test(test_bad_length_option_dropped),
            cmocka_unit_test(test_truncated_header),
            cmocka_unit_test(test_bad_cookie),
            cmocka_unit_test(test_hlen_too_big),
            cmocka_unit_test(test_option_overruns),
            cmocka_unit_test(test_too_many_options),
            cmocka_unit_test(test_overload_loop),
            cmocka_unit_test(test_overload_bad_values),
            cmocka_unit_test(test_overload_overruns_file),
            cmocka_unit_test(test_endless_pad_has_no_type),
            cmocka_unit_test(test_no_option_53),
            cmocka_unit_test(test_wrong_op),
            cmocka_unit_test(test_message_type_checks),
            cmocka_unit_test(test_not_ethernet),
            cmocka_unit_test(test_too_large),
            cmocka_unit_test(test_encode_limits),
            cmocka_unit_test(test_option_table),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
