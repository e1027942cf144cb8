/* libFuzzer target: the TFTP transfer state machine (time injected).
 *
 * Input: 8 bytes of parameters (size, blksize, windowsize, OACK, retries,
 * send-ahead depth) then events, 4 bytes each: kind, a 16-bit argument, a
 * time step.  After every event the invariants must hold: blocks sent start
 * right after the acknowledged ones (send-ahead: after those already sent,
 * or after the acknowledged ones when going back), never beyond the window
 * or the last block, never ahead past block 65535, one packet before the
 * first ACK, no send for an ACK that acknowledges nothing new, the end
 * result never changes, the timer is armed exactly while running, progress
 * never goes back.  Seeds: tests/fuzz/corpus/fuzz_tftp_xfer/. */
#include <stdint.h>
#include <string.h>

#include "tftp/tftp_xfer.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        __builtin_trap();                                                          \
        } while (0)

static void check(const struct tftp_xfer *x, const struct tftp_xfer_action *a,
                  uint64_t acked_before, uint64_t sent_before, enum tftp_xfer_result result_before,
                  int64_t now)
{
        CHECK(x->acked >= acked_before);
        CHECK(a->result == x->result);
        if (result_before != TFTP_XFER_RUNNING) {
                CHECK(x->result == result_before);
                CHECK(a->send == TFTP_SEND_NONE);
        }
        CHECK((a->timer_ms == 0) == (a->result != TFTP_XFER_RUNNING));
        /* The timer always counts from the last send (an ignored packet
         * never pushes it back: a flood of junk cannot delay a retransmit). */
        if (a->timer_ms)
                CHECK(a->timer_ms == x->window_sent_at + x->rto_ms && x->window_sent_at <= now);
        if (a->send == TFTP_SEND_DATA) {
                CHECK(!x->oack_pending);
                if (x->p.ahead > 1) {
                        CHECK(a->first == x->acked + 1 || a->first == sent_before + 1);
                        CHECK(a->count >= 1 && x->sent - x->acked <= x->p.ahead);
                        if (x->sent > TFTP_AHEAD_LAST_BLOCK)
                                CHECK(x->sent == x->acked + 1);
                } else {
                        CHECK(a->first == x->acked + 1);
                        CHECK(a->count >= 1 && a->count <= x->p.windowsize);
                }
                if (!x->confirmed)
                        CHECK(a->count == 1);
                if (x->last != TFTP_SIZE_UNKNOWN)
                        CHECK(a->first + a->count - 1 <= x->last);
                CHECK(x->sent == a->first + a->count - 1);
        }
        if (a->send == TFTP_SEND_OACK)
                CHECK(x->oack_pending);
        if (x->result == TFTP_XFER_OK)
                CHECK(x->acked == x->last);
        CHECK(x->retries <= x->p.max_retries);
        CHECK(x->rto_ms >= TFTP_RTO_MIN_MS || x->rto_ms >= x->p.timeout_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 8)
                return 0;
        /* Small sizes and blocks keep wraps reachable in short inputs. */
        uint64_t size_bytes = ((uint64_t)data[0] << 16 | (uint64_t)data[1] << 8 | data[2]) *
                              (uint64_t)(1 + (data[7] >> 4));
        struct tftp_options req = {
            .has_blksize = data[3] != 0,
            .blksize = data[3],
            .has_windowsize = data[4] != 0,
            .windowsize = data[4],
            .has_tsize = data[5] & 1,
            .has_timeout = (data[5] & 2) != 0,
            .timeout = data[6],
        };
        struct tftp_limits lim = {.max_blksize = 65464,
                                  .mtu_blksize = data[5] & 4 ? 1468 : 0,
                                  .max_windowsize = 64,
                                  .timeout_ms = 1000,
                                  .max_retries = 1 + (data[7] & 7)};
        enum tftp_mode mode = data[5] & 8 ? TFTP_MODE_NETASCII : TFTP_MODE_OCTET;
        struct tftp_options oack;
        struct tftp_xfer_params p;
        tftp_xfer_negotiate(&req, mode, size_bytes, &lim, &oack, &p);
        p.ahead = (uint32_t)(data[5] >> 4) * 4; /* as the server offers it to GRUB */
        CHECK(p.blksize >= TFTP_BLKSIZE_MIN && p.blksize <= TFTP_BLKSIZE_MAX);
        CHECK(p.windowsize >= 1 && p.windowsize <= lim.max_windowsize);
        CHECK(p.oack ==
              (oack.has_blksize || oack.has_tsize || oack.has_timeout || oack.has_windowsize));

        struct tftp_xfer x;
        struct tftp_xfer_action a;
        int64_t now = 1;
        tftp_xfer_start(&x, &p, now, &a);
        check(&x, &a, 0, 0, TFTP_XFER_RUNNING, now);
        for (size_t i = 8; i + 4 <= size; i += 4) {
                uint16_t arg = (uint16_t)(data[i + 1] << 8 | data[i + 2]);
                now += data[i + 3];
                uint64_t acked = x.acked, sent = x.sent;
                bool oack_pending = x.oack_pending;
                enum tftp_xfer_result before = x.result;
                bool ack = data[i] % 6 <= 1;
                switch (data[i] % 6) {
                case 0: /* an ACK near what is expected, so progress happens */
                        tftp_xfer_on_ack(&x, tftp_xfer_wire_block(x.acked + (arg & 0xff)), now, &a);
                        break;
                case 1: /* any ACK number */
                        tftp_xfer_on_ack(&x, arg, now, &a);
                        break;
                case 2:
                        tftp_xfer_on_error(&x, arg & 0xf, now, &a);
                        break;
                case 3:
                        tftp_xfer_on_timeout(&x, now, &a);
                        break;
                case 4:
                        tftp_xfer_on_request_again(&x, now, &a);
                        break;
                case 5: /* netascii: the sender found the last block */
                        if (x.p.size != TFTP_SIZE_UNKNOWN || x.result != TFTP_XFER_RUNNING ||
                            x.sent <= x.acked)
                                continue;
                        tftp_xfer_set_last(&x, x.acked + 1 + (arg % (x.sent - x.acked)));
                        continue;
                }
                check(&x, &a, acked, sent, before, now);
                /* Sorcerer's apprentice: an ACK of nothing new sends nothing. */
                if (ack && !oack_pending && x.acked == acked)
                        CHECK(a.send == TFTP_SEND_NONE);
        }
        return 0;
}
