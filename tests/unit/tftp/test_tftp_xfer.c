/* Unit tests: the TFTP read-transfer state machine, time injected —
 * negotiation, lock-step, windows, loss, duplicates, wrap, the size probe,
 * send-ahead for GRUB. */
#include <stdio.h>

#include "test_util.h"

#include "tftp/tftp_xfer.h"

static const struct tftp_limits LIM = {.max_blksize = 65464,
                                       .mtu_blksize = 0,
                                       .max_windowsize = 64,
                                       .timeout_ms = 1000,
                                       .max_retries = 3};

static struct tftp_xfer_params params(uint64_t size, uint32_t blksize, uint32_t window, bool oack)
{
        return (struct tftp_xfer_params){.blksize = blksize,
                                         .windowsize = window,
                                         .timeout_ms = 1000,
                                         .max_retries = 3,
                                         .size = size,
                                         .oack = oack};
}

static void expect_data(const struct tftp_xfer_action *a, uint64_t first, uint64_t count)
{
        assert_int_equal(a->send, TFTP_SEND_DATA);
        assert_int_equal(a->first, first);
        assert_int_equal(a->count, count);
        assert_int_equal(a->result, TFTP_XFER_RUNNING);
}

/* Starts a transfer with options and has the client acknowledge the OACK
 * at `now` (the ACK 0 that starts the data). */
static void start_acked(struct tftp_xfer *x, const struct tftp_xfer_params *p, int64_t now,
                        struct tftp_xfer_action *a)
{
        tftp_xfer_start(x, p, 0, a);
        tftp_xfer_on_ack(x, 0, now, a);
}

static void test_negotiate_ovmf(void **state)
{
        /* OVMF: tsize 0 blksize 1468 windowsize 4, on a 1500-byte MTU. */
        struct tftp_options req = {.has_tsize = true,
                                   .has_blksize = true,
                                   .blksize = 1468,
                                   .has_windowsize = true,
                                   .windowsize = 4};
        struct tftp_limits lim = LIM;
        lim.mtu_blksize = 1500 - 32;
        struct tftp_options o;
        struct tftp_xfer_params p;
        tftp_xfer_negotiate(&req, TFTP_MODE_OCTET, 1234567, &lim, &o, &p);
        assert_true(p.oack);
        assert_int_equal(o.blksize, 1468);
        assert_int_equal(o.tsize, 1234567);
        assert_int_equal(o.windowsize, 4);
        assert_false(o.has_timeout);
        assert_int_equal(p.blksize, 1468);
        assert_int_equal(p.windowsize, 4);
        assert_int_equal(p.size, 1234567);
}

static void test_negotiate_caps(void **state)
{
        struct tftp_options req = {.has_blksize = true,
                                   .blksize = 65464,
                                   .has_windowsize = true,
                                   .windowsize = 1000,
                                   .has_timeout = true,
                                   .timeout = 5};
        struct tftp_limits lim = LIM;
        lim.mtu_blksize = 9000 - 32;
        struct tftp_options o;
        struct tftp_xfer_params p;
        tftp_xfer_negotiate(&req, TFTP_MODE_OCTET, 10, &lim, &o, &p);
        assert_int_equal(o.blksize, 9000 - 32); /* the path MTU */
        assert_int_equal(o.windowsize, 64);     /* the configured cap */
        assert_int_equal(o.timeout, 5);         /* echoed */
        assert_int_equal(p.timeout_ms, 5000);
        assert_false(o.has_tsize);

        lim.mtu_blksize = 0;
        lim.max_blksize = 1024;
        req.blksize = UINT64_MAX;
        tftp_xfer_negotiate(&req, TFTP_MODE_OCTET, 10, &lim, &o, &p);
        assert_int_equal(o.blksize, 1024);
}

static void test_negotiate_invalid(void **state)
{
        /* blksize < 8, windowsize 0, timeout 0 and 256: left out, no OACK. */
        struct tftp_options req = {.has_blksize = true,
                                   .blksize = 7,
                                   .has_windowsize = true,
                                   .windowsize = 0,
                                   .has_timeout = true,
                                   .timeout = 0};
        struct tftp_options o;
        struct tftp_xfer_params p;
        tftp_xfer_negotiate(&req, TFTP_MODE_OCTET, 10, &LIM, &o, &p);
        assert_false(p.oack);
        assert_int_equal(p.blksize, 512);
        assert_int_equal(p.windowsize, 1);
        req.timeout = 256;
        tftp_xfer_negotiate(&req, TFTP_MODE_OCTET, 10, &LIM, &o, &p);
        assert_false(o.has_timeout);
        assert_int_equal(p.timeout_ms, 1000);
}

static void test_negotiate_netascii(void **state)
{
        struct tftp_options req = {.has_tsize = true, .has_windowsize = true, .windowsize = 16};
        struct tftp_options o;
        struct tftp_xfer_params p;
        tftp_xfer_negotiate(&req, TFTP_MODE_NETASCII, 10, &LIM, &o, &p);
        assert_false(o.has_tsize); /* size unknown before conversion */
        assert_int_equal(o.windowsize, 1);
        assert_true(p.size == TFTP_SIZE_UNKNOWN);
}

static void test_lockstep(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(1200, 512, 1, false);
        tftp_xfer_start(&x, &p, 0, &a);
        expect_data(&a, 1, 1);
        assert_int_equal(a.timer_ms, 1000);
        assert_int_equal(tftp_xfer_block_len(&x, 1), 512);
        assert_int_equal(tftp_xfer_block_len(&x, 3), 176);
        tftp_xfer_on_ack(&x, 1, 1, &a);
        expect_data(&a, 2, 1);
        tftp_xfer_on_ack(&x, 2, 2, &a);
        expect_data(&a, 3, 1);
        tftp_xfer_on_ack(&x, 3, 3, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        assert_int_equal(a.result, TFTP_XFER_OK);
        assert_int_equal(a.timer_ms, 0);
}

static void test_exact_multiple_sends_empty_block(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(1024, 512, 8, false);
        tftp_xfer_start(&x, &p, 0, &a);
        /* RFC 1350: a final block of 0 bytes ends a multiple-of-blksize file. */
        expect_data(&a, 1, 3);
        assert_int_equal(tftp_xfer_block_len(&x, 3), 0);
        tftp_xfer_on_ack(&x, 3, 1, &a);
        assert_int_equal(a.result, TFTP_XFER_OK);
}

static void test_empty_file(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(0, 512, 4, false);
        tftp_xfer_start(&x, &p, 0, &a);
        expect_data(&a, 1, 1);
        assert_int_equal(tftp_xfer_block_len(&x, 1), 0);
        tftp_xfer_on_ack(&x, 1, 1, &a);
        assert_int_equal(a.result, TFTP_XFER_OK);
}

static void test_oack_then_window(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(10 * 100, 100, 4, true);
        tftp_xfer_start(&x, &p, 0, &a);
        assert_int_equal(a.send, TFTP_SEND_OACK);
        /* ACKs other than 0 while the OACK is pending are ignored. */
        tftp_xfer_on_ack(&x, 1, 1, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        tftp_xfer_on_ack(&x, 0, 2, &a);
        expect_data(&a, 1, 4);
        tftp_xfer_on_ack(&x, 4, 3, &a);
        expect_data(&a, 5, 4);
        tftp_xfer_on_ack(&x, 8, 4, &a);
        expect_data(&a, 9, 3); /* blocks 9, 10 and the empty 11th */
        tftp_xfer_on_ack(&x, 11, 5, &a);
        assert_int_equal(a.result, TFTP_XFER_OK);
}

static void test_window_gap_restarts(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(100 * 100, 100, 8, false);
        tftp_xfer_start(&x, &p, 0, &a);
        expect_data(&a, 1, 8);
        /* The client lost block 4 and acknowledges 3 (RFC 7440 section 4). */
        tftp_xfer_on_ack(&x, 3, 1, &a);
        expect_data(&a, 4, 8);
        /* Later ACK 3s (one per out-of-order block) are duplicates. */
        tftp_xfer_on_ack(&x, 3, 1, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        assert_int_equal(x.dup_acks, 1);
        tftp_xfer_on_ack(&x, 11, 2, &a);
        expect_data(&a, 12, 8);
}

static void test_duplicate_acks_never_resend(void **state)
{
        /* Sorcerer's apprentice: a delayed ACK n arriving twice must not
         * make us send block n+1 twice. */
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(10 * 512, 512, 1, false);
        tftp_xfer_start(&x, &p, 0, &a);
        tftp_xfer_on_ack(&x, 1, 10, &a);
        expect_data(&a, 2, 1);
        for (int i = 0; i < 5; i++) {
                tftp_xfer_on_ack(&x, 1, 11 + i, &a);
                assert_int_equal(a.send, TFTP_SEND_NONE);
                assert_int_equal(a.result, TFTP_XFER_RUNNING);
                assert_true(a.timer_ms > 0);
        }
        /* Stale ACKs from before the window and ACKs beyond it: ignored. */
        tftp_xfer_on_ack(&x, 0, 20, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        tftp_xfer_on_ack(&x, 7, 20, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        tftp_xfer_on_ack(&x, 2, 21, &a);
        expect_data(&a, 3, 1);
}

static void test_timeout_backoff_and_give_up(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(10 * 512, 512, 4, false);
        p.timeout_ms = 8000;
        tftp_xfer_start(&x, &p, 0, &a);
        /* Round trips of 10 ms: the RTO comes down to the floor. */
        for (uint16_t b = 4; b <= 8; b += 4) {
                int64_t now = b * 10;
                tftp_xfer_on_ack(&x, b, now, &a);
        }
        expect_data(&a, 9, 3);
        int64_t sent_at = 80;
        assert_true(a.timer_ms - sent_at <= 200);
        int64_t rto = a.timer_ms - sent_at;
        /* Silence: the same window again, each wait doubled. */
        int64_t now = a.timer_ms;
        for (int i = 1; i <= 3; i++) {
                tftp_xfer_on_timeout(&x, now, &a);
                expect_data(&a, 9, 3);
                rto *= 2;
                assert_int_equal(a.timer_ms - now, rto);
                now = a.timer_ms;
        }
        assert_int_equal(x.retransmits, 3);
        /* max_retries reached: the transfer ends, nothing sent. */
        tftp_xfer_on_timeout(&x, now, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        assert_int_equal(a.result, TFTP_XFER_TIMEOUT);
        assert_int_equal(a.timer_ms, 0);
}

static void test_progress_resets_retries(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(100 * 512, 512, 1, false);
        tftp_xfer_start(&x, &p, 0, &a);
        int64_t now = 0;
        /* Every block needs 3 timeouts (= max_retries) yet arrives: the
         * transfer continues because each ACK is progress.  Before the
         * first ACK the timer sends nothing (no amplification). */
        for (uint16_t b = 1; b <= 10; b++) {
                for (int i = 0; i < 3; i++) {
                        now = a.timer_ms;
                        tftp_xfer_on_timeout(&x, now, &a);
                        if (b == 1)
                                assert_int_equal(a.send, TFTP_SEND_NONE);
                        else
                                expect_data(&a, b, 1);
                }
                tftp_xfer_on_ack(&x, b, now + 1, &a);
                expect_data(&a, b + 1, 1);
        }
}

static void test_rto_ceiling(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(10 * 512, 512, 1, false);
        p.max_retries = 10;
        tftp_xfer_start(&x, &p, 0, &a);
        tftp_xfer_on_ack(&x, 1, 1000, &a); /* confirmed; RTT sample 1 s */
        expect_data(&a, 2, 1);
        int64_t now = 1000;
        /* Waits double past the RTO ceiling (1 s) up to 8 times it. */
        static const int64_t waits[] = {2000, 4000, 8000, 8000, 8000, 8000};
        for (int i = 0; i < 6; i++) {
                now = a.timer_ms;
                tftp_xfer_on_timeout(&x, now, &a);
                expect_data(&a, 2, 1);
                assert_int_equal(a.timer_ms - now, waits[i]);
        }
        /* A retransmitted window gives no RTT sample (Karn). */
        int64_t srtt = x.srtt_ms;
        tftp_xfer_on_ack(&x, 2, now + 900, &a);
        assert_int_equal(x.srtt_ms, srtt);
}

static void test_oack_not_resent_on_timer(void **state)
{
        /* A second OACK makes atftp abort: wait for the client to repeat
         * its ACK 0 (or its request) instead. */
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(5000, 512, 4, true);
        tftp_xfer_start(&x, &p, 0, &a);
        assert_int_equal(a.send, TFTP_SEND_OACK);
        int64_t now = a.timer_ms;
        tftp_xfer_on_timeout(&x, now, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        assert_int_equal(a.result, TFTP_XFER_RUNNING);
        assert_true(a.timer_ms > now);
        tftp_xfer_on_ack(&x, 0, now + 5, &a); /* the client's repeated ACK 0 */
        expect_data(&a, 1, 4);

        /* Never on the timer before an ACK (no amplification); a client
         * that never answers is given up after max_retries. */
        tftp_xfer_start(&x, &p, 0, &a);
        int oacks = 0;
        for (int i = 0; i < 3; i++) {
                now = a.timer_ms;
                tftp_xfer_on_timeout(&x, now, &a);
                assert_int_equal(a.result, TFTP_XFER_RUNNING);
                oacks += a.send != TFTP_SEND_NONE;
        }
        assert_int_equal(oacks, 0);
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        assert_int_equal(a.result, TFTP_XFER_TIMEOUT);
}

static void test_block_wrap(void **state)
{
        /* 70000 blocks of 8 bytes: numbers wrap 65535 -> 0 -> 1 ... */
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        uint64_t blocks = 70000;
        struct tftp_xfer_params p = params(blocks * 8 - 3, 8, 16, true);
        start_acked(&x, &p, 0, &a);
        uint64_t acked = 0;
        bool saw_wrap = false;
        while (a.result == TFTP_XFER_RUNNING) {
                assert_int_equal(a.send, TFTP_SEND_DATA);
                assert_int_equal(a.first, acked + 1);
                uint64_t last = a.first + a.count - 1;
                if (tftp_xfer_wire_block(last) < tftp_xfer_wire_block(a.first))
                        saw_wrap = true;
                /* A stale ACK 0 after the wrap must not be taken for the OACK's. */
                tftp_xfer_on_ack(&x, tftp_xfer_wire_block(acked), 1, &a);
                assert_int_equal(a.send, TFTP_SEND_NONE);
                tftp_xfer_on_ack(&x, tftp_xfer_wire_block(last), 1, &a);
                acked = last;
        }
        assert_true(saw_wrap);
        assert_int_equal(a.result, TFTP_XFER_OK);
        assert_int_equal(acked, blocks);
        assert_int_equal(tftp_xfer_block_len(&x, blocks), 5);
}

static void test_size_probe(void **state)
{
        /* OVMF: OACK, then ERROR 8 instead of ACK 0. */
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(5000, 1468, 4, true);
        tftp_xfer_start(&x, &p, 0, &a);
        assert_int_equal(a.send, TFTP_SEND_OACK);
        tftp_xfer_on_error(&x, 8, 1, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        assert_int_equal(a.result, TFTP_XFER_PROBE);
        assert_int_equal(a.timer_ms, 0);
        /* Events after the end change nothing. */
        tftp_xfer_on_ack(&x, 0, 2, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        assert_int_equal(a.result, TFTP_XFER_PROBE);
        tftp_xfer_on_timeout(&x, 3, &a);
        assert_int_equal(a.result, TFTP_XFER_PROBE);
}

static void test_peer_error_midway(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(5000, 512, 1, true);
        start_acked(&x, &p, 1, &a);
        tftp_xfer_on_error(&x, 8, 2, &a);
        assert_int_equal(a.result, TFTP_XFER_PEER_ERROR);
}

/* Issue 12: a request from a peer that never acknowledges costs exactly
 * one packet, whatever the options (no window, no retransmission), and
 * the transfer still ends after its retries. */
static void test_no_amplification_before_first_ack(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        for (int oack = 0; oack < 2; oack++) {
                /* As negotiated: a window needs an OACK (RFC 7440). */
                struct tftp_xfer_params p = params(1000 * 1468, 1468, oack ? 64 : 1, oack);
                p.max_retries = 8;
                tftp_xfer_start(&x, &p, 0, &a);
                uint64_t packets = a.send == TFTP_SEND_DATA ? a.count : 1;
                assert_int_equal(packets, 1);
                assert_int_equal(a.send, oack ? TFTP_SEND_OACK : TFTP_SEND_DATA);
                int64_t now = 0;
                int timeouts = 0;
                while (a.result == TFTP_XFER_RUNNING) {
                        now = a.timer_ms;
                        tftp_xfer_on_timeout(&x, now, &a);
                        assert_int_equal(a.send, TFTP_SEND_NONE);
                        timeouts++;
                }
                assert_int_equal(a.result, TFTP_XFER_TIMEOUT);
                assert_int_equal(timeouts, 9);
                /* 1 + 2 + 4 + 6 x 8 s with the 1 s default ceiling. */
                assert_int_equal(now, 55000);
                assert_false(x.confirmed);
        }
        /* Once the OACK is acknowledged, the negotiated window goes out. */
        struct tftp_xfer_params p = params(1000 * 1468, 1468, 64, true);
        start_acked(&x, &p, 5, &a);
        assert_true(x.confirmed);
        expect_data(&a, 1, 64);
}

static void test_request_again(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(5000, 512, 1, true);
        tftp_xfer_start(&x, &p, 0, &a);
        tftp_xfer_on_request_again(&x, 5, &a);
        assert_int_equal(a.send, TFTP_SEND_OACK);
        tftp_xfer_on_ack(&x, 0, 6, &a);
        tftp_xfer_on_request_again(&x, 7, &a);
        expect_data(&a, 1, 1); /* nothing acknowledged yet: DATA 1 again */
        tftp_xfer_on_ack(&x, 1, 8, &a);
        tftp_xfer_on_request_again(&x, 9, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
}

static void test_unknown_size_set_last(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = params(TFTP_SIZE_UNKNOWN, 512, 1, false);
        tftp_xfer_start(&x, &p, 0, &a);
        expect_data(&a, 1, 1);
        tftp_xfer_on_ack(&x, 1, 1, &a);
        expect_data(&a, 2, 1);
        tftp_xfer_set_last(&x, 2);
        tftp_xfer_on_ack(&x, 2, 2, &a);
        assert_int_equal(a.result, TFTP_XFER_OK);
}

/* Send-ahead (GRUB): lock-step parameters with `ahead` blocks in flight. */
static struct tftp_xfer_params ahead_params(uint64_t size, uint32_t blksize, uint32_t ahead,
                                            bool oack)
{
        struct tftp_xfer_params p = params(size, blksize, 1, oack);
        p.ahead = ahead;
        return p;
}

static void test_ahead_slides_on_each_ack(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = ahead_params(100 * 1024 + 7, 1024, 8, true);
        tftp_xfer_start(&x, &p, 0, &a);
        assert_int_equal(a.send, TFTP_SEND_OACK);
        tftp_xfer_on_ack(&x, 0, 1, &a);
        expect_data(&a, 1, 8); /* the first window after ACK 0 */
        /* Each ACK of the next block slides the window by one block. */
        for (uint16_t b = 1; b <= 20; b++) {
                tftp_xfer_on_ack(&x, b, 1 + b, &a);
                expect_data(&a, 8 + b, 1);
                assert_int_equal(a.timer_ms, 1 + b + x.rto_ms);
        }
        assert_int_equal(x.acked, 20);
        assert_int_equal(x.sent, 28);
        /* A cumulative ACK (some ACKs lost) slides by as many. */
        tftp_xfer_on_ack(&x, 23, 30, &a);
        expect_data(&a, 29, 3);
        assert_int_equal(x.retransmits, 0);
}

static void test_ahead_duplicates_never_send(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = ahead_params(100 * 1024, 1024, 8, true);
        start_acked(&x, &p, 1, &a);
        tftp_xfer_on_ack(&x, 1, 2, &a);
        expect_data(&a, 9, 1);
        /* The same ACK again, ACK 0 again, and GRUB's re-ACKs of older
         * blocks (it answers every duplicate block): nothing is sent, the
         * timer keeps its deadline (sorcerer's apprentice). */
        int64_t due = a.timer_ms;
        const uint16_t dups[] = {1, 0, 1, 65535, 1};
        for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
                tftp_xfer_on_ack(&x, dups[i], 3, &a);
                assert_int_equal(a.send, TFTP_SEND_NONE);
                assert_int_equal(a.timer_ms, due);
        }
        /* An ACK beyond what was sent is not believed either. */
        tftp_xfer_on_ack(&x, 10, 3, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        assert_int_equal(x.acked, 1);
        assert_int_equal(x.dup_acks, 6);
}

static void test_ahead_go_back_n_on_timeout(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = ahead_params(100 * 1024, 1024, 8, true);
        start_acked(&x, &p, 1, &a);
        tftp_xfer_on_ack(&x, 1, 2, &a);
        tftp_xfer_on_ack(&x, 2, 3, &a);
        expect_data(&a, 10, 1);
        /* Block 3 was lost: GRUB drops 4..10 silently, so only the timer
         * tells.  It resends everything from the block after the last ACK. */
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        expect_data(&a, 3, 8);
        assert_int_equal(x.retransmits, 1);
        /* GRUB re-ACKs blocks it already had (1, 2): ignored. */
        tftp_xfer_on_ack(&x, 2, a.timer_ms - 1, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        /* The resent blocks arrive in order: the window slides again. */
        int64_t now = a.timer_ms - 1;
        tftp_xfer_on_ack(&x, 3, now, &a);
        expect_data(&a, 11, 1);
        tftp_xfer_on_ack(&x, 10, now, &a);
        expect_data(&a, 12, 7);
        assert_int_equal(x.retries, 0);
        /* Silence until max_retries: go-back-N each time, then the end. */
        for (int i = 0; i < 3; i++) {
                tftp_xfer_on_timeout(&x, a.timer_ms, &a);
                expect_data(&a, 11, 8);
        }
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        assert_int_equal(a.result, TFTP_XFER_TIMEOUT);
}

static void test_ahead_no_amplification_before_first_ack(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        /* Without an OACK: block 1 alone, never resent by the timer. */
        struct tftp_xfer_params p = ahead_params(100 * 1024, 1024, 16, false);
        tftp_xfer_start(&x, &p, 0, &a);
        expect_data(&a, 1, 1);
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        /* The request again: block 1 again, alone. */
        tftp_xfer_on_request_again(&x, 1500, &a);
        expect_data(&a, 1, 1);
        /* The first ACK proves the peer: now the window fills. */
        tftp_xfer_on_ack(&x, 1, 1600, &a);
        expect_data(&a, 2, 16);
        /* With an OACK: only the OACK until ACK 0. */
        p = ahead_params(100 * 1024, 1024, 16, true);
        tftp_xfer_start(&x, &p, 0, &a);
        assert_int_equal(a.send, TFTP_SEND_OACK);
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        tftp_xfer_on_ack(&x, 0, 2000, &a);
        expect_data(&a, 1, 16);
}

static void test_ahead_last_block(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        /* 10 blocks, the last 5 bytes: never a block after it, and the
         * final block only once 1..9 are acknowledged. */
        struct tftp_xfer_params p = ahead_params(9 * 1024 + 5, 1024, 8, true);
        start_acked(&x, &p, 1, &a);
        expect_data(&a, 1, 8);
        tftp_xfer_on_ack(&x, 1, 2, &a);
        expect_data(&a, 9, 1);
        tftp_xfer_on_ack(&x, 2, 3, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        assert_int_equal(a.result, TFTP_XFER_RUNNING);
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        expect_data(&a, 3, 7); /* go-back-N stops before the final block too */
        tftp_xfer_on_ack(&x, 8, a.timer_ms - 1, &a);
        assert_int_equal(a.send, TFTP_SEND_NONE);
        tftp_xfer_on_ack(&x, 9, a.timer_ms, &a);
        expect_data(&a, 10, 1);
        assert_int_equal(tftp_xfer_block_len(&x, 10), 5);
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        expect_data(&a, 10, 1);
        tftp_xfer_on_ack(&x, 10, a.timer_ms - 1, &a);
        assert_int_equal(a.result, TFTP_XFER_OK);
        assert_int_equal(a.timer_ms, 0);
        /* An exact multiple ends with an empty block, alone like any final
         * block; a file smaller than the window goes out at once up to it. */
        p = ahead_params(4 * 1024, 1024, 8, true);
        start_acked(&x, &p, 1, &a);
        expect_data(&a, 1, 4);
        tftp_xfer_on_ack(&x, 4, 2, &a);
        expect_data(&a, 5, 1);
        assert_int_equal(tftp_xfer_block_len(&x, 5), 0);
        tftp_xfer_on_ack(&x, 5, 2, &a);
        assert_int_equal(a.result, TFTP_XFER_OK);
        /* A one-block file: just that block. */
        p = ahead_params(100, 1024, 8, true);
        start_acked(&x, &p, 1, &a);
        expect_data(&a, 1, 1);
        tftp_xfer_on_ack(&x, 1, 2, &a);
        assert_int_equal(a.result, TFTP_XFER_OK);
}

static void test_ahead_lockstep_after_wrap(void **state)
{
        /* 70000 blocks of 8 bytes, ACKed one by one as GRUB does. */
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        uint64_t blocks = 70000;
        struct tftp_xfer_params p = ahead_params(blocks * 8 - 3, 8, 16, true);
        start_acked(&x, &p, 0, &a);
        uint64_t acked = 0, sent = 0;
        while (a.result == TFTP_XFER_RUNNING) {
                if (a.send == TFTP_SEND_DATA) {
                        assert_int_equal(a.first, sent + 1);
                        sent = a.first + a.count - 1;
                        /* Beyond 65535 only the next expected block, ever. */
                        if (sent > TFTP_AHEAD_LAST_BLOCK)
                                assert_int_equal(sent, acked + 1);
                        else
                                assert_true(sent - acked <= 16);
                }
                /* A stale ACK (GRUB re-ACKing the block before) is ignored. */
                if (acked > 0) {
                        struct tftp_xfer_action d;
                        tftp_xfer_on_ack(&x, tftp_xfer_wire_block(acked - 1), 1, &d);
                        assert_int_equal(d.send, TFTP_SEND_NONE);
                }
                acked++;
                tftp_xfer_on_ack(&x, tftp_xfer_wire_block(acked), 1, &a);
        }
        assert_int_equal(a.result, TFTP_XFER_OK);
        assert_int_equal(acked, blocks);
        assert_int_equal(sent, blocks);
        /* A timeout after the wrap resends the expected block alone. */
        start_acked(&x, &p, 0, &a);
        for (uint64_t b = 1; b <= 65540; b++)
                tftp_xfer_on_ack(&x, tftp_xfer_wire_block(b), 1, &a);
        expect_data(&a, 65541, 1);
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        expect_data(&a, 65541, 1);
        /* Just before the wrap: the window shrinks to end at 65535. */
        start_acked(&x, &p, 0, &a);
        for (uint64_t b = 1; b <= 65530; b++)
                tftp_xfer_on_ack(&x, tftp_xfer_wire_block(b), 1, &a);
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        expect_data(&a, 65531, 5);
}

static void test_ahead_rtt_sample(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        struct tftp_xfer_params p = ahead_params(1000 * 1024, 1024, 8, false);
        tftp_xfer_start(&x, &p, 0, &a);
        assert_int_equal(x.rto_ms, 1000);
        tftp_xfer_on_ack(&x, 1, 2, &a); /* confirms; times block 9 */
        expect_data(&a, 2, 8);
        for (uint16_t b = 2; b <= 9; b++)
                tftp_xfer_on_ack(&x, b, 4, &a);
        /* Block 9: 2 ms after it went out: RTO at its floor. */
        assert_int_equal(x.srtt_ms, 2);
        assert_int_equal(x.rto_ms, TFTP_RTO_MIN_MS);
        /* Karn: a resent block gives no sample. */
        int64_t srtt = x.srtt_ms;
        tftp_xfer_on_timeout(&x, a.timer_ms, &a);
        tftp_xfer_on_ack(&x, 17, a.timer_ms + 5000, &a);
        assert_int_equal(x.srtt_ms, srtt);
}

static void test_ahead_only_in_lockstep(void **state)
{
        struct tftp_xfer x;
        struct tftp_xfer_action a;
        /* A negotiated window wins (RFC 7440's rules, not sliding). */
        struct tftp_xfer_params p = params(100 * 1024, 1024, 4, true);
        p.ahead = 16;
        tftp_xfer_start(&x, &p, 0, &a);
        assert_int_equal(x.p.ahead, 0);
        tftp_xfer_on_ack(&x, 0, 1, &a);
        expect_data(&a, 1, 4);
        /* netascii (size unknown): blocks are made in order, no going back. */
        p = ahead_params(TFTP_SIZE_UNKNOWN, 512, 16, false);
        tftp_xfer_start(&x, &p, 0, &a);
        assert_int_equal(x.p.ahead, 0);
        tftp_xfer_on_ack(&x, 1, 1, &a);
        expect_data(&a, 2, 1);
        /* ahead 1 is plain lock-step. */
        p = ahead_params(100 * 1024, 1024, 1, false);
        tftp_xfer_start(&x, &p, 0, &a);
        tftp_xfer_on_ack(&x, 1, 1, &a);
        expect_data(&a, 2, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_negotiate_ovmf),
            cmocka_unit_test(test_negotiate_caps),
            cmocka_unit_test(test_negotiate_invalid),
            cmocka_unit_test(test_negotiate_netascii),
            cmocka_unit_test(test_lockstep),
            cmocka_unit_test(test_exact_multiple_sends_empty_block),
            cmocka_unit_test(test_empty_file),
            cmocka_unit_test(test_oack_then_window),
            cmocka_unit_test(test_window_gap_restarts),
            cmocka_unit_test(test_duplicate_acks_never_resend),
            cmocka_unit_test(test_timeout_backoff_and_give_up),
            cmocka_unit_test(test_progress_resets_retries),
            cmocka_unit_test(test_rto_ceiling),
            cmocka_unit_test(test_oack_not_resent_on_timer),
            cmocka_unit_test(test_no_amplification_before_first_ack),
            cmocka_unit_test(test_block_wrap),
            cmocka_unit_test(test_size_probe),
            cmocka_unit_test(test_peer_error_midway),
            cmocka_unit_test(test_request_again),
            cmocka_unit_test(test_unknown_size_set_last),
            cmocka_unit_test(test_ahead_slides_on_each_ack),
            cmocka_unit_test(test_ahead_duplicates_never_send),
            cmocka_unit_test(test_ahead_go_back_n_on_timeout),
            cmocka_unit_test(test_ahead_no_amplification_before_first_ack),
            cmocka_unit_test(test_ahead_last_block),
            cmocka_unit_test(test_ahead_lockstep_after_wrap),
            cmocka_unit_test(test_ahead_rtt_sample),
            cmocka_unit_test(test_ahead_only_in_lockstep),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
