/* Unit tests: TFTP wire codec (RFC 1350, 2347, 2348, 2349, 7440) and the
 * netascii encoder. */
#include <stdio.h>

#include "test_util.h"

#include <errno.h>

#include "tftp/tftp_wire.h"

#define PKT(...) ((const uint8_t[]){__VA_ARGS__})

/* Builds "\0\1name\0mode\0k\0v\0..." from NUL-separated text. */
static size_t req(uint8_t *buf, uint16_t op, const char *parts, size_t parts_len)
{
        buf[0] = (uint8_t)(op >> 8);
        buf[1] = (uint8_t)op;
        memcpy(buf + 2, parts, parts_len);
        return parts_len + 2;
}

#define REQ(buf, op, lit) req(buf, op, lit, sizeof(lit) - 1)

static void test_rrq_octet_options(void **state)
{
        uint8_t b[256];
        size_t n = REQ(b, TFTP_RRQ,
                       "ipxe.efi\0octet\0tsize\0"
                       "0\0blksize\0"
                       "1468\0windowsize\0"
                       "4\0");
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(b, n, &p), 0);
        assert_int_equal(p.opcode, TFTP_RRQ);
        assert_string_equal(p.req.filename, "ipxe.efi");
        assert_int_equal(p.req.filename_len, 8);
        assert_int_equal(p.req.mode, TFTP_MODE_OCTET);
        assert_true(p.opt.has_tsize);
        assert_int_equal(p.opt.tsize, 0);
        assert_true(p.opt.has_blksize);
        assert_int_equal(p.opt.blksize, 1468);
        assert_true(p.opt.has_windowsize);
        assert_int_equal(p.opt.windowsize, 4);
        assert_false(p.opt.has_timeout);
}

static void test_rrq_case_insensitive(void **state)
{
        uint8_t b[256];
        size_t n = REQ(b, TFTP_RRQ,
                       "f\0NetASCII\0BLKSIZE\0"
                       "1024\0TimeOut\0"
                       "3\0");
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(b, n, &p), 0);
        assert_int_equal(p.req.mode, TFTP_MODE_NETASCII);
        assert_int_equal(p.opt.blksize, 1024);
        assert_true(p.opt.has_timeout);
        assert_int_equal(p.opt.timeout, 3);
}

static void test_rrq_bad_values_ignored(void **state)
{
        uint8_t b[256];
        /* non-numeric, empty, and a second blksize (the first wins) */
        size_t n = REQ(b, TFTP_RRQ,
                       "f\0octet\0blksize\0"
                       "12x\0tsize\0\0windowsize\0"
                       "8\0"
                       "windowsize\0"
                       "16\0multicast\0\0");
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(b, n, &p), 0);
        assert_false(p.opt.has_blksize);
        assert_false(p.opt.has_tsize);
        assert_int_equal(p.opt.windowsize, 8);
        assert_int_equal(p.opt.n_unknown, 1);
}

static void test_rrq_saturates(void **state)
{
        uint8_t b[256];
        size_t n = REQ(b, TFTP_RRQ,
                       "f\0octet\0blksize\0"
                       "99999999999999999999999999\0");
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(b, n, &p), 0);
        assert_true(p.opt.has_blksize);
        assert_true(p.opt.blksize == UINT64_MAX);
}

static void test_rrq_padding(void **state)
{
        uint8_t b[256];
        size_t n = REQ(b, TFTP_RRQ,
                       "f\0octet\0tsize\0"
                       "0\0\0\0\0");
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(b, n, &p), 0);
        assert_true(p.opt.has_tsize);
}

static void test_rrq_malformed(void **state)
{
        uint8_t b[256];
        struct tftp_packet p;
        /* no NUL after the file name */
        size_t n = REQ(b, TFTP_RRQ, "file");
        assert_int_equal(tftp_wire_decode(b, n, &p), -EBADMSG);
        /* no mode */
        n = REQ(b, TFTP_RRQ, "file\0");
        assert_int_equal(tftp_wire_decode(b, n, &p), -EBADMSG);
        /* option without a value */
        n = REQ(b, TFTP_RRQ, "file\0octet\0blksize\0");
        assert_int_equal(tftp_wire_decode(b, n, &p), -EBADMSG);
        /* value without NUL */
        n = REQ(b, TFTP_RRQ,
                "file\0octet\0blksize\0"
                "512");
        assert_int_equal(tftp_wire_decode(b, n, &p), -EBADMSG);
        /* unknown mode */
        n = REQ(b, TFTP_RRQ, "file\0binary\0");
        assert_int_equal(tftp_wire_decode(b, n, &p), -EINVAL);
        /* empty and one byte */
        assert_int_equal(tftp_wire_decode(b, 0, &p), -EBADMSG);
        assert_int_equal(tftp_wire_decode(b, 1, &p), -EBADMSG);
        /* unknown opcode */
        assert_int_equal(tftp_wire_decode(PKT(0, 9, 0, 0), 4, &p), -EPROTONOSUPPORT);
}

static void test_too_many_options(void **state)
{
        uint8_t b[1024];
        size_t n = REQ(b, TFTP_RRQ, "f\0octet\0");
        for (int i = 0; i <= TFTP_MAX_OPTIONS; i++) {
                memcpy(b + n,
                       "x\0"
                       "1\0",
                       4);
                n += 4;
        }
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(b, n, &p), -EBADMSG);
        assert_int_equal(tftp_wire_decode(b, n - 4, &p), 0);
}

static void test_ack_data_error(void **state)
{
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(PKT(0, 4, 0xff, 0xfe), 4, &p), 0);
        assert_int_equal(p.opcode, TFTP_ACK);
        assert_int_equal(p.ack.block, 0xfffe);
        assert_int_equal(tftp_wire_decode(PKT(0, 4, 1), 3, &p), -EBADMSG);

        assert_int_equal(tftp_wire_decode(PKT(0, 3, 0, 7, 'a', 'b'), 6, &p), 0);
        assert_int_equal(p.opcode, TFTP_DATA);
        assert_int_equal(p.data.block, 7);
        assert_int_equal(p.data.len, 2);
        assert_memory_equal(p.data.data, "ab", 2);

        assert_int_equal(tftp_wire_decode(PKT(0, 5, 0, 8, 'n', 'o', 0), 7, &p), 0);
        assert_int_equal(p.opcode, TFTP_ERROR);
        assert_int_equal(p.error.code, 8);
        assert_string_equal(p.error.msg, "no");
        /* unterminated message: tolerated, empty */
        assert_int_equal(tftp_wire_decode(PKT(0, 5, 0, 8, 'n'), 5, &p), 0);
        assert_string_equal(p.error.msg, "");
}

static void test_encode_oack_roundtrip(void **state)
{
        struct tftp_options o = {.has_blksize = true,
                                 .blksize = 1468,
                                 .has_tsize = true,
                                 .tsize = 1048576,
                                 .has_windowsize = true,
                                 .windowsize = 16};
        uint8_t b[128];
        int n = tftp_wire_encode_oack(b, sizeof(b), &o);
        static const char want[] = "\0\6blksize\0"
                                   "1468\0tsize\0"
                                   "1048576\0windowsize\0"
                                   "16";
        assert_int_equal(n, sizeof(want));
        assert_memory_equal(b, want, sizeof(want));
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(b, (size_t)n, &p), 0);
        assert_int_equal(p.opcode, TFTP_OACK);
        assert_int_equal(p.opt.blksize, 1468);
        assert_int_equal(p.opt.tsize, 1048576);
        assert_int_equal(p.opt.windowsize, 16);
        /* too small a buffer */
        assert_int_equal(tftp_wire_encode_oack(b, 10, &o), -ENOBUFS);
}

static void test_encode_others(void **state)
{
        uint8_t b[64];
        assert_int_equal(tftp_wire_encode_ack(b, sizeof(b), 0x1234), 4);
        assert_memory_equal(b, PKT(0, 4, 0x12, 0x34), 4);
        assert_int_equal(tftp_wire_encode_error(b, sizeof(b), 1, "file not found"), 19);
        assert_memory_equal(b, "\0\5\0\1file not found", 19);
        assert_int_equal(tftp_wire_encode_data(b, sizeof(b), 2, "xyz", 3), 7);
        assert_memory_equal(b, PKT(0, 3, 0, 2, 'x', 'y', 'z'), 7);
        uint8_t h[4];
        tftp_wire_data_header(h, 0xabcd);
        assert_memory_equal(h, PKT(0, 3, 0xab, 0xcd), 4);
        struct tftp_options o = {.has_blksize = true, .blksize = 512};
        int n = tftp_wire_encode_request(b, sizeof(b), TFTP_RRQ, "a", "octet", &o);
        struct tftp_packet p;
        assert_true(n > 0);
        assert_int_equal(tftp_wire_decode(b, (size_t)n, &p), 0);
        assert_string_equal(p.req.filename, "a");
        assert_int_equal(p.opt.blksize, 512);
}

static void test_netascii(void **state)
{
        const uint8_t in[] = "a\nb\rc";
        uint8_t out[16];
        struct tftp_netascii st = {.pending = -1};
        size_t used;
        size_t n = tftp_netascii_encode(&st, in, 5, &used, out, sizeof(out));
        assert_int_equal(used, 5);
        assert_int_equal(n, 7);
        assert_memory_equal(out, "a\r\nb\r\0c", 7);

        /* A CR LF pair straddles two 2-byte blocks: "a\r" | "\nb". */
        st.pending = -1;
        n = tftp_netascii_encode(&st, in, 5, &used, out, 2);
        assert_int_equal(n, 2);
        assert_int_equal(used, 2);
        assert_memory_equal(out, "a\r", 2);
        assert_int_equal(st.pending, '\n');
        n = tftp_netascii_encode(&st, in + 2, 3, &used, out, 2);
        assert_int_equal(n, 2);
        assert_memory_equal(out, "\nb", 2);
        assert_int_equal(used, 1);
        assert_int_equal(st.pending, -1);
}

static void test_grub_fingerprint(void **state)
{
        uint8_t b[128];
        /* GRUB 2.06 (grub-core/net/tftp.c), from its first UDP port on. */
        size_t n = REQ(b, TFTP_RRQ, "images/arm64/vmlinuz\0octet\0blksize\0001024\0tsize\0000\0");
        assert_true(tftp_wire_is_grub_rrq(b, n, 25300));
        assert_true(tftp_wire_is_grub_rrq(b, n, 25311));
        assert_true(tftp_wire_is_grub_rrq(b, n, TFTP_GRUB_PORT_LAST));
        /* The same bytes from Linux's ephemeral ports (tftp-hpa, atftp,
         * busybox with -b 1024) or below GRUB's first port. */
        assert_false(tftp_wire_is_grub_rrq(b, n, 32768));
        assert_false(tftp_wire_is_grub_rrq(b, n, 45001));
        assert_false(tftp_wire_is_grub_rrq(b, n, 25299));
        /* Anything after GRUB's options, or a datagram cut short. */
        assert_false(tftp_wire_is_grub_rrq(b, n - 1, 25300));
        b[n] = 'x';
        assert_false(tftp_wire_is_grub_rrq(b, n + 1, 25300));
        n = REQ(b, TFTP_RRQ, "f\0octet\0blksize\0001024\0tsize\0000\0windowsize\0004\0");
        assert_false(tftp_wire_is_grub_rrq(b, n, 25300)); /* EDK2-like */
        n = REQ(b, TFTP_RRQ, "f\0octet\0blksize\0001432\0tsize\0000\0");
        assert_false(tftp_wire_is_grub_rrq(b, n, 25300)); /* iPXE */
        n = REQ(b, TFTP_RRQ, "f\0octet\0tsize\0000\0blksize\0001024\0");
        assert_false(tftp_wire_is_grub_rrq(b, n, 25300)); /* other order */
        n = REQ(b, TFTP_RRQ, "f\0OCTET\0blksize\0001024\0tsize\0000\0");
        assert_false(tftp_wire_is_grub_rrq(b, n, 25300));
        n = REQ(b, TFTP_RRQ, "f\0octet\0");
        assert_false(tftp_wire_is_grub_rrq(b, n, 25300)); /* RFC 1350 */
        n = REQ(b, TFTP_WRQ, "f\0octet\0blksize\0001024\0tsize\0000\0");
        assert_false(tftp_wire_is_grub_rrq(b, n, 25300));
        n = REQ(b, TFTP_RRQ, "\0octet\0blksize\0001024\0tsize\0000\0");
        assert_false(tftp_wire_is_grub_rrq(b, n, 25300)); /* no file name */
        /* No NUL anywhere. */
        memset(b + 2, 'a', 60);
        assert_false(tftp_wire_is_grub_rrq(b, 62, 25300));
        assert_false(tftp_wire_is_grub_rrq(b, 0, 25300));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rrq_octet_options),
            cmocka_unit_test(test_rrq_case_insensitive),
            cmocka_unit_test(test_rrq_bad_values_ignored),
            cmocka_unit_test(test_rrq_saturates),
            cmocka_unit_test(test_rrq_padding),
            cmocka_unit_test(test_rrq_malformed),
            cmocka_unit_test(test_too_many_options),
            cmocka_unit_test(test_ack_data_error),
            cmocka_unit_test(test_encode_oack_roundtrip),
            cmocka_unit_test(test_encode_others),
            cmocka_unit_test(test_netascii),
            cmocka_unit_test(test_grub_fingerprint),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
