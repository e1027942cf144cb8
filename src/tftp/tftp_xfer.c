/* The TFTP read-transfer state machine; see tftp_xfer.h. */
#include "tftp/tftp_xfer.h"

#include <string.h>

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

void tftp_xfer_negotiate(const struct tftp_options *req, enum tftp_mode mode, uint64_t size,
                         const struct tftp_limits *lim, struct tftp_options *ret_oack,
                         struct tftp_xfer_params *ret)
{
        struct tftp_options o = {0};
        struct tftp_xfer_params p = {
            .blksize = TFTP_BLKSIZE_DEFAULT,
            .windowsize = 1,
            .timeout_ms = lim->timeout_ms,
            .max_retries = lim->max_retries,
            .size = mode == TFTP_MODE_OCTET ? size : TFTP_SIZE_UNKNOWN,
        };

        /* RFC 2348: a server may answer a smaller blksize; values below 8
         * are invalid and the option is left out (RFC 2347 section 4). */
        if (req->has_blksize && req->blksize >= TFTP_BLKSIZE_MIN) {
                uint64_t b = min_u64(req->blksize, TFTP_BLKSIZE_MAX);
                b = min_u64(b, lim->max_blksize);
                if (lim->mtu_blksize)
                        b = min_u64(b, lim->mtu_blksize);
                if (b < TFTP_BLKSIZE_MIN)
                        b = TFTP_BLKSIZE_MIN;
                o.has_blksize = true;
                o.blksize = p.blksize = (uint32_t)b;
        }
        /* RFC 2349: the server answers the real size.  Only in octet mode:
         * the netascii size is not known without converting the whole file. */
        if (req->has_tsize && p.size != TFTP_SIZE_UNKNOWN) {
                o.has_tsize = true;
                o.tsize = p.size;
        }
        /* RFC 2349: 1..255 s, echoed unchanged or not at all.  We retransmit
         * on our measured RTO, never later than this. */
        if (req->has_timeout && req->timeout >= 1 && req->timeout <= TFTP_TIMEOUT_MAX_S) {
                o.has_timeout = true;
                o.timeout = req->timeout;
                p.timeout_ms = (uint32_t)req->timeout * 1000;
        }
        /* RFC 7440: the server may answer a smaller window.  netascii blocks
         * are produced sequentially, so they go one at a time. */
        if (req->has_windowsize && req->windowsize >= 1) {
                uint64_t w = min_u64(req->windowsize, TFTP_WINDOWSIZE_MAX);
                w = min_u64(w, lim->max_windowsize ? lim->max_windowsize : 1);
                if (mode != TFTP_MODE_OCTET)
                        w = 1;
                o.has_windowsize = true;
                o.windowsize = p.windowsize = (uint32_t)w;
        }
        p.oack = o.has_blksize || o.has_tsize || o.has_timeout || o.has_windowsize;
        *ret_oack = o;
        *ret = p;
}

const char *tftp_xfer_result_name(enum tftp_xfer_result r)
{
        switch (r) {
        case TFTP_XFER_RUNNING:
                return "running";
        case TFTP_XFER_OK:
                return "ok";
        case TFTP_XFER_TIMEOUT:
                return "timeout";
        case TFTP_XFER_PEER_ERROR:
                return "peer-error";
        case TFTP_XFER_PROBE:
                return "size-probe";
        }
        return "unknown";
}

uint32_t tftp_xfer_block_len(const struct tftp_xfer *x, uint64_t n)
{
        if (x->p.size == TFTP_SIZE_UNKNOWN)
                return x->p.blksize;
        uint64_t off = (n - 1) * x->p.blksize;
        if (off >= x->p.size)
                return 0;
        return (uint32_t)min_u64(x->p.blksize, x->p.size - off);
}

static uint32_t rto_ceiling(const struct tftp_xfer *x)
{
        return x->p.timeout_ms > TFTP_RTO_MIN_MS ? x->p.timeout_ms : TFTP_RTO_MIN_MS;
}

/* RFC 6298 section 2: SRTT/RTTVAR update and RTO = SRTT + 4 RTTVAR,
 * clamped to [TFTP_RTO_MIN_MS, ceiling]. */
static void rtt_sample(struct tftp_xfer *x, int64_t rtt)
{
        if (rtt < 0)
                rtt = 0;
        if (x->srtt_ms < 0) {
                x->srtt_ms = rtt;
                x->rttvar_ms = rtt / 2;
        } else {
                int64_t err = x->srtt_ms - rtt;
                if (err < 0)
                        err = -err;
                x->rttvar_ms = (3 * x->rttvar_ms + err) / 4;
                x->srtt_ms = (7 * x->srtt_ms + rtt) / 8;
        }
        int64_t rto = x->srtt_ms + 4 * x->rttvar_ms;
        if (rto < TFTP_RTO_MIN_MS)
                rto = TFTP_RTO_MIN_MS;
        if (rto > rto_ceiling(x))
                rto = rto_ceiling(x);
        x->rto_ms = (uint32_t)rto;
}

static void act_none(const struct tftp_xfer *x, int64_t deadline, struct tftp_xfer_action *ret)
{
        *ret = (struct tftp_xfer_action){
            .send = TFTP_SEND_NONE,
            .timer_ms = x->result == TFTP_XFER_RUNNING ? deadline : 0,
            .result = x->result,
        };
}

static void end(struct tftp_xfer *x, enum tftp_xfer_result r, struct tftp_xfer_action *ret)
{
        x->result = r;
        act_none(x, 0, ret);
}

static bool sending_ahead(const struct tftp_xfer *x)
{
        return x->p.ahead > 1;
}

/* The highest block that may be in flight now.  Send-ahead starts only
 * after the peer's first ACK (no amplification) and stops at the 16-bit
 * wrap (see tftp_xfer.h: GRUB 2.06 would take a later block for the
 * expected one there); beyond it, lock-step. */
static uint64_t in_flight_end(const struct tftp_xfer *x)
{
        uint64_t end = x->acked + x->p.windowsize;
        if (sending_ahead(x) && x->confirmed) {
                end = x->acked + x->p.ahead;
                if (end > TFTP_AHEAD_LAST_BLOCK)
                        end = x->acked + 1 > TFTP_AHEAD_LAST_BLOCK ? x->acked + 1
                                                                   : TFTP_AHEAD_LAST_BLOCK;
                /* The final block waits until all others are acknowledged:
                 * GRUB closes its port on it and never repeats that ACK, so
                 * it should find GRUB caught up, not behind a queue. */
                if (x->last != TFTP_SIZE_UNKNOWN && end >= x->last && x->acked + 1 < x->last)
                        end = x->last - 1;
        }
        if (x->last != TFTP_SIZE_UNKNOWN)
                end = min_u64(end, x->last);
        return end;
}

/* Sends the window that starts after the last acknowledged block (with
 * send-ahead: go-back-N, everything in flight again). */
static void send_window(struct tftp_xfer *x, int64_t now, bool resend, struct tftp_xfer_action *ret)
{
        uint64_t count = in_flight_end(x) - x->acked;
        x->sent = x->acked + count;
        x->window_sent_at = now;
        x->window_resent = resend;
        if (resend)
                x->probe_block = 0; /* Karn: no sample from a resent block */
        *ret = (struct tftp_xfer_action){
            .send = TFTP_SEND_DATA,
            .first = x->acked + 1,
            .count = count,
            .timer_ms = now + x->rto_ms,
            .result = TFTP_XFER_RUNNING,
        };
}

static void send_oack(struct tftp_xfer *x, int64_t now, bool resend, struct tftp_xfer_action *ret)
{
        x->window_sent_at = x->oack_sent_at = now;
        x->window_resent = resend;
        *ret = (struct tftp_xfer_action){
            .send = TFTP_SEND_OACK,
            .timer_ms = now + x->rto_ms,
            .result = TFTP_XFER_RUNNING,
        };
}

void tftp_xfer_start(struct tftp_xfer *x, const struct tftp_xfer_params *p, int64_t now,
                     struct tftp_xfer_action *ret)
{
        memset(x, 0, sizeof(*x));
        x->p = *p;
        /* Send-ahead slides a lock-step transfer; netascii blocks are
         * produced in order and cannot be gone back to. */
        if (x->p.windowsize > 1 || p->size == TFTP_SIZE_UNKNOWN)
                x->p.ahead = 0;
        if (x->p.blksize < TFTP_BLKSIZE_MIN)
                x->p.blksize = TFTP_BLKSIZE_MIN;
        if (x->p.windowsize < 1)
                x->p.windowsize = 1;
        x->last = p->size == TFTP_SIZE_UNKNOWN ? TFTP_SIZE_UNKNOWN : p->size / x->p.blksize + 1;
        x->srtt_ms = x->rttvar_ms = -1;
        /* RFC 6298 2.1: before the first sample, the (configured) ceiling. */
        x->rto_ms = rto_ceiling(x);
        x->oack_pending = p->oack;
        if (x->oack_pending)
                send_oack(x, now, false, ret);
        else
                send_window(x, now, false, ret);
}

/* The deadline of the pending timer, recomputed from the last send. */
static int64_t deadline(const struct tftp_xfer *x)
{
        return x->window_sent_at + x->rto_ms;
}

/* Send-ahead: block n is acknowledged (x->acked already moved); the
 * window slides and what now fits goes out, usually one block.  One block
 * at a time is timed for the RTT (TCP's way), never a resent one. */
static void slide(struct tftp_xfer *x, uint64_t n, int64_t now, struct tftp_xfer_action *ret)
{
        if (x->probe_block && n >= x->probe_block) {
                rtt_sample(x, now - x->probe_at);
                x->probe_block = 0;
        }
        /* Progress restarts the timer: it measures silence, not age. */
        x->window_sent_at = now;
        uint64_t end = in_flight_end(x);
        if (end <= x->sent) {
                act_none(x, deadline(x), ret);
                return;
        }
        if (!x->probe_block) {
                x->probe_block = end;
                x->probe_at = now;
        }
        *ret = (struct tftp_xfer_action){
            .send = TFTP_SEND_DATA,
            .first = x->sent + 1,
            .count = end - x->sent,
            .timer_ms = now + x->rto_ms,
            .result = TFTP_XFER_RUNNING,
        };
        x->sent = end;
}

void tftp_xfer_on_ack(struct tftp_xfer *x, uint16_t block, int64_t now,
                      struct tftp_xfer_action *ret)
{
        if (x->result != TFTP_XFER_RUNNING) {
                act_none(x, 0, ret);
                return;
        }
        if (x->oack_pending) {
                /* RFC 2347: the client acknowledges the OACK with ACK 0. */
                if (block != 0) {
                        act_none(x, deadline(x), ret);
                        return;
                }
                if (!x->window_resent)
                        rtt_sample(x, now - x->window_sent_at);
                x->oack_pending = false;
                x->confirmed = true;
                x->retries = 0;
                send_window(x, now, false, ret);
                return;
        }
        /* Map the 16-bit number onto (acked, sent]; the window is far
         * smaller than 32768 blocks, so the mapping is unambiguous. */
        uint16_t d = (uint16_t)(block - tftp_xfer_wire_block(x->acked));
        if (d == 0 || d > x->sent - x->acked) {
                /* A duplicate or stale ACK: never answered (sorcerer's
                 * apprentice); the timer covers a real loss. */
                x->dup_acks++;
                act_none(x, deadline(x), ret);
                return;
        }
        uint64_t n = x->acked + d;
        x->confirmed = true;
        if (!sending_ahead(x) && n == x->sent && !x->window_resent)
                rtt_sample(x, now - x->window_sent_at);
        x->acked = n;
        x->retries = 0;
        if (x->acked == x->last) {
                end(x, TFTP_XFER_OK, ret);
                return;
        }
        if (sending_ahead(x)) {
                slide(x, n, now, ret);
                return;
        }
        /* A full window: the next one.  An ACK inside the window: the
         * client missed block n + 1; RFC 7440 section 4 restarts there. */
        send_window(x, now, false, ret);
}

void tftp_xfer_on_error(struct tftp_xfer *x, uint16_t code, int64_t now,
                        struct tftp_xfer_action *ret)
{
        if (x->result != TFTP_XFER_RUNNING) {
                act_none(x, 0, ret);
                return;
        }
        /* EDK2 asks tsize and aborts after the OACK with ERROR 8 to learn
         * the size; it then asks again.  Not a failure, never answered. */
        bool probe = x->oack_pending && code == TFTP_EOPTNEG;
        end(x, probe ? TFTP_XFER_PROBE : TFTP_XFER_PEER_ERROR, ret);
}

static void resend(struct tftp_xfer *x, int64_t now, struct tftp_xfer_action *ret)
{
        x->retransmits++;
        if (x->oack_pending)
                send_oack(x, now, true, ret);
        else
                send_window(x, now, true, ret);
}

void tftp_xfer_on_timeout(struct tftp_xfer *x, int64_t now, struct tftp_xfer_action *ret)
{
        if (x->result != TFTP_XFER_RUNNING) {
                act_none(x, 0, ret);
                return;
        }
        if (x->retries >= x->p.max_retries) {
                end(x, TFTP_XFER_TIMEOUT, ret);
                return;
        }
        x->retries++;
        /* RFC 6298 5.5: back off, beyond the measured RTO's ceiling. */
        uint64_t cap = min_u64((uint64_t)rto_ceiling(x) * TFTP_BACKOFF_FACTOR, TFTP_BACKOFF_MAX_MS);
        x->rto_ms = (uint32_t)min_u64((uint64_t)x->rto_ms * 2, cap);
        if (!x->confirmed) {
                /* Nothing on the timer before the peer's first ACK (no
                 * amplification towards a spoofed source): wait for the
                 * client to repeat its request or its ACK. */
                x->window_sent_at = now;
                x->window_resent = true;
                act_none(x, deadline(x), ret);
                return;
        }
        resend(x, now, ret);
}

void tftp_xfer_on_request_again(struct tftp_xfer *x, int64_t now, struct tftp_xfer_action *ret)
{
        if (x->result != TFTP_XFER_RUNNING || !(x->oack_pending || x->acked == 0)) {
                act_none(x, deadline(x), ret);
                return;
        }
        resend(x, now, ret);
}

void tftp_xfer_set_last(struct tftp_xfer *x, uint64_t block)
{
        x->last = block;
        if (x->sent > block)
                x->sent = block;
}
