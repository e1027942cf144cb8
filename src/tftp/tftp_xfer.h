/* The per-transfer state machine of a TFTP read (server sends a file).
 *
 * Pure: no sockets, no clock.  The caller feeds it events (start, an ACK,
 * an ERROR, its timer firing) together with the current time, and gets back
 * an action: what to send (the OACK, or a run of DATA blocks), when to fire
 * the timer next, and whether the transfer has ended.  Blocks are numbered
 * with 64-bit absolute numbers (1 = first block) so large files wrap the
 * 16-bit wire number without ambiguity (block 65536 goes out as 0).
 *
 * Behaviour:
 *  - RFC 2347 option negotiation: with accepted options, an OACK first and
 *    DATA only after ACK 0.
 *  - RFC 7440 windows: send `windowsize` blocks, wait for the ACK of the
 *    last; an ACK inside the window (the client saw a gap) restarts the
 *    window right after the acknowledged block.
 *  - Duplicate ACKs never trigger a send (RFC 1350 errata: the sorcerer's
 *    apprentice syndrome); only the timer retransmits.
 *  - The retransmission timeout adapts to the measured round trip (RFC 6298
 *    estimator, Karn's rule: no samples from retransmitted windows), between
 *    TFTP_RTO_MIN_MS and the configured/negotiated timeout, and doubles on
 *    each retransmission up to TFTP_BACKOFF_FACTOR times that timeout:
 *    the waits must outgrow the client's own timeout, because some clients
 *    (atftp) answer a repeated window only once and restart their timer on
 *    every packet, so frequent repeats would keep them silent forever.
 *    After `max_retries` timeouts without progress the transfer ends
 *    silently (the peer is gone).
 *  - No amplification: until the peer's first ACK (of the OACK or of DATA
 *    block 1) the transfer has sent exactly one packet, the OACK or block 1
 *    (a window starts only after the OACK is acknowledged), and the timer
 *    never sends: the request may come from a spoofed address.  The timer
 *    keeps its schedule (the waits double as below) so the transfer ends
 *    after `max_retries` waits, silently.  A lost first packet is
 *    recovered by the client repeating its request (every client does),
 *    which is answered at once with the same single packet; a lost ACK 0
 *    by the client repeating its ACK (atftp after 5 s; a second OACK
 *    would make atftp abort anyway, "unexpected OACK").
 *  - Send-ahead (params.ahead > 1, lock-step transfers only, chosen by the
 *    caller for GRUB 2.06; see docs/tftp.md): a client that negotiates no
 *    window but ACKs every block, accepts the next expected block and
 *    silently drops later ones.  Up to `ahead` blocks are kept in flight,
 *    a sliding window: each ACK of a new block slides it and sends what
 *    fits (usually one block); the timer goes back to the block after the
 *    last acknowledged one and resends the window (go-back-N).  Only blocks
 *    up to TFTP_AHEAD_LAST_BLOCK are sent ahead: GRUB 2.06 compares its
 *    64-bit expected block with the 16-bit wire number, so after the wrap
 *    it would take any later block for the expected one; from there on the
 *    transfer is lock-step.  The final block goes out alone, once every
 *    other block is acknowledged.  Before the first ACK: one packet, as
 *    below.
 *  - An ERROR from the client right after the OACK is the UEFI size probe
 *    (EDK2 asks tsize, then aborts with ERROR 8): it ends the transfer with
 *    TFTP_XFER_PROBE, never answered. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "tftp/tftp_wire.h"

#define TFTP_RTO_MIN_MS     100
#define TFTP_BACKOFF_FACTOR 8
#define TFTP_BACKOFF_MAX_MS 60000
#define TFTP_SIZE_UNKNOWN   UINT64_MAX
/* The last block sent ahead: the last before the 16-bit number wraps. */
#define TFTP_AHEAD_LAST_BLOCK 65535

/* Server-side limits for the negotiation. */
struct tftp_limits {
        uint32_t max_blksize;    /* configured cap (>= 8) */
        uint32_t mtu_blksize;    /* path MTU - IP/UDP/TFTP headers; 0 = unknown */
        uint32_t max_windowsize; /* configured cap (>= 1) */
        uint32_t timeout_ms;     /* configured retransmission timeout ceiling */
        uint32_t max_retries;
};

/* What a transfer runs with, after negotiation. */
struct tftp_xfer_params {
        uint32_t blksize;
        uint32_t windowsize;
        uint32_t timeout_ms; /* RTO ceiling: the configured or negotiated timeout */
        uint32_t max_retries;
        uint64_t size; /* bytes; TFTP_SIZE_UNKNOWN when only the end of the data tells (netascii) */
        bool oack;     /* an OACK must be sent and acknowledged first */
        uint32_t ahead; /* send-ahead depth in blocks; 0 or 1 = off (lock-step
                           with windowsize 1 and a known size only) */
};

/* Decides the options of a read request.  req: the client's options;
 * size: the file's size in octet mode (TFTP_SIZE_UNKNOWN for netascii,
 * where tsize is not offered, as tftpd-hpa does).  Out-of-range values are
 * treated per RFC: blksize < 8 and windowsize 0 are ignored (left out of the
 * OACK), blksize is capped at 65464, the configured maximum and the path MTU,
 * windowsize at the configured maximum (netascii: 1), timeout accepted only
 * in 1..255 and echoed unchanged (RFC 2349).  ret_oack gets the options to
 * acknowledge; ret the parameters.  Pure. */
void tftp_xfer_negotiate(const struct tftp_options *req, enum tftp_mode mode, uint64_t size,
                         const struct tftp_limits *lim, struct tftp_options *ret_oack,
                         struct tftp_xfer_params *ret);

enum tftp_xfer_result {
        TFTP_XFER_RUNNING,
        TFTP_XFER_OK,         /* last block acknowledged */
        TFTP_XFER_TIMEOUT,    /* max_retries retransmissions without an answer */
        TFTP_XFER_PEER_ERROR, /* the client sent ERROR */
        TFTP_XFER_PROBE,      /* ERROR right after the OACK: a size probe */
};

const char *tftp_xfer_result_name(enum tftp_xfer_result r);

enum tftp_xfer_send { TFTP_SEND_NONE, TFTP_SEND_OACK, TFTP_SEND_DATA };

struct tftp_xfer_action {
        enum tftp_xfer_send send;
        uint64_t first, count; /* TFTP_SEND_DATA: absolute blocks first..first+count-1 */
        int64_t timer_ms;      /* absolute time to fire the timer; 0 = disarm */
        enum tftp_xfer_result result;
};

struct tftp_xfer {
        struct tftp_xfer_params p;
        enum tftp_xfer_result result;
        bool oack_pending;
        uint64_t last;  /* number of the final block; TFTP_SIZE_UNKNOWN until known */
        uint64_t acked; /* blocks 1..acked are acknowledged */
        uint64_t sent;  /* highest block sent in the current window */
        uint32_t retries;
        uint32_t rto_ms;
        int64_t srtt_ms, rttvar_ms; /* -1 = no sample yet */
        int64_t window_sent_at;
        int64_t oack_sent_at;
        bool window_resent;   /* Karn: no RTT sample from this window */
        bool confirmed;       /* the peer has acknowledged something: it is real */
        uint64_t probe_block; /* send-ahead: the block timed for an RTT sample; 0 = none */
        int64_t probe_at;
        uint64_t dup_acks; /* counters for the log */
        uint64_t retransmits;
};

/* Starts the transfer: sends the OACK or the first window. */
void tftp_xfer_start(struct tftp_xfer *x, const struct tftp_xfer_params *p, int64_t now,
                     struct tftp_xfer_action *ret);

/* An ACK with wire block number `block`. */
void tftp_xfer_on_ack(struct tftp_xfer *x, uint16_t block, int64_t now,
                      struct tftp_xfer_action *ret);

/* An ERROR from the client. */
void tftp_xfer_on_error(struct tftp_xfer *x, uint16_t code, int64_t now,
                        struct tftp_xfer_action *ret);

/* The timer armed from a previous action fired. */
void tftp_xfer_on_timeout(struct tftp_xfer *x, int64_t now, struct tftp_xfer_action *ret);

/* The client repeated its request (our first answer was lost or late):
 * resends the first packet if nothing has been acknowledged yet, else
 * does nothing. */
void tftp_xfer_on_request_again(struct tftp_xfer *x, int64_t now, struct tftp_xfer_action *ret);

/* When the size is unknown (netascii): the sender found that `block` is
 * the last one (shorter than blksize).  Blocks after it in the current
 * action are not to be sent. */
void tftp_xfer_set_last(struct tftp_xfer *x, uint64_t block);

/* Payload bytes of absolute block n (octet mode, size known). */
uint32_t tftp_xfer_block_len(const struct tftp_xfer *x, uint64_t n);

/* The 16-bit number block n carries on the wire. */
static inline uint16_t tftp_xfer_wire_block(uint64_t n)
{
        return (uint16_t)(n & 0xffff);
}
