/* Moving a transfer's DATA: the send strategies of the TFTP server (see
 * tftp_conn.h).  Lock-step transfers send one block per ACK from a small
 * read-ahead; windows are read with one preadv into the server's shared
 * buffer and sent as one UDP GSO super-datagram (or one sendmmsg where
 * GSO is unavailable); netascii is encoded block by block. */
#include <errno.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "tftp/tftp_conn.h"

#define GSO_MAX_BYTES 63000 /* a UDP GSO super-datagram must fit in 64 KiB */
/* Lock-step read-ahead per transfer: one preadv for several blocks (5 at
 * iPXE's blksize 1432), so a block costs a recv and a send, not a third
 * system call; small enough that max_transfers of them stay cheap. */
#define RA_BYTES 8192

/* A failed send of block tx_next.  Returns 1 to wait for EPOLLOUT (socket
 * full), 2 to go on (EINTR: retry; anything transient, such as EPERM from a
 * local firewall or EHOSTUNREACH: the datagram counts as lost and the
 * retransmission timer covers it, as for loss on the wire), or a negative
 * errno when the transfer cannot go on (the peer's port is closed). */
static int send_failed(struct tftp_conn *c, int err)
{
        if (err == EINTR)
                return 2;
        if (err == EAGAIN || err == ENOBUFS)
                return 1;
        if (err == ECONNREFUSED)
                return -err;
        c->tx_next++;
        return 2;
}

/* Reads blocks first..first+n-1 into buf with one preadv, each behind its
 * 4-byte DATA header, so block i is the contiguous datagram
 * buf[i * stride .. + 4 + len_i).  Returns 0 or a negative errno. */
static int read_batch(struct tftp_conn *c, uint8_t *buf, uint64_t first, uint64_t n, size_t stride,
                      size_t lens[TFTP_TX_BATCH])
{
        struct iovec iov[TFTP_TX_BATCH];
        size_t total = 0;
        for (uint64_t i = 0; i < n; i++) {
                uint8_t *dgram = buf + i * stride;
                lens[i] = tftp_xfer_block_len(&c->x, first + i);
                tftp_wire_data_header(dgram, tftp_xfer_wire_block(first + i));
                iov[i] = (struct iovec){dgram + TFTP_HDR_LEN, lens[i]};
                total += lens[i];
        }
        ssize_t got = tftp_source_readv(&c->src, (first - 1) * c->x.p.blksize, iov, (int)n);
        if (got < 0)
                return (int)got;
        return (size_t)got == total ? 0 : -ESTALE; /* the file shrank under us */
}

/* One datagram per block with sendmmsg (a single one with send(): the
 * kernel's sendmmsg yields the CPU between messages, which in lock-step
 * only hands it to the client we just woke).  Returns the number sent or a
 * negative errno (for the first one). */
static int send_mmsg(struct tftp_conn *c, uint64_t n, size_t stride, const size_t lens[])
{
        if (n == 1)
                return send(c->fd, c->srv->buf, TFTP_HDR_LEN + lens[0], MSG_DONTWAIT) < 0 ? -errno
                                                                                          : 1;
        struct iovec iov[TFTP_TX_BATCH];
        struct mmsghdr msgs[TFTP_TX_BATCH];
        memset(msgs, 0, sizeof(msgs[0]) * n);
        for (uint64_t i = 0; i < n; i++) {
                iov[i] = (struct iovec){c->srv->buf + i * stride, TFTP_HDR_LEN + lens[i]};
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int k = sendmmsg(c->fd, msgs, (unsigned)n, MSG_DONTWAIT);
        return k < 0 ? -errno : k;
}

/* The whole batch as one UDP GSO super-datagram (UDP_SEGMENT, Linux 4.18):
 * the kernel cuts it every `stride` bytes, one block per datagram (only the
 * last may be shorter), for one trip through the stack instead of n.
 * Returns n or a negative errno. */
static int send_gso(struct tftp_conn *c, uint64_t n, size_t stride, const size_t lens[])
{
        size_t total = (n - 1) * stride + TFTP_HDR_LEN + lens[n - 1];
        uint16_t seg = (uint16_t)stride;
        ssize_t r = tftp_conn_send_cmsg(c->fd, NULL, c->srv->buf, total, SOL_UDP, UDP_SEGMENT, &seg,
                                        sizeof(seg));
        return r < 0 ? -errno : (int)n;
}

/* Refills the read-ahead from block b (at most what fits and what is left).
 * Returns 0 or a negative errno. */
static int readahead_fill(struct tftp_conn *c, uint64_t b, size_t stride)
{
        if (!c->ra && !(c->ra = malloc(RA_BYTES)))
                return -ENOMEM;
        uint64_t n = RA_BYTES / stride;
        n = n < TFTP_TX_BATCH ? n : TFTP_TX_BATCH;
        if (c->x.last - b + 1 < n)
                n = c->x.last - b + 1;
        size_t lens[TFTP_TX_BATCH];
        c->ra_n = 0;
        int r = read_batch(c, c->ra, b, n, stride, lens);
        if (r < 0)
                return r;
        c->ra_first = b;
        c->ra_n = n;
        return 0;
}

/* Lock-step (window 1): the block from the transfer's read-ahead, refilled
 * with one preadv when the block is not in it (a retransmission of the
 * block before is still there).  Returns as tftp_send_pump(). */
static int pump_lockstep(struct tftp_conn *c, size_t stride)
{
        while (c->tx_next < c->tx_end) {
                uint64_t b = c->tx_next;
                if (b > c->x.last)
                        return -EPROTO; /* the state machine never asks for this */
                if (!c->ra || b < c->ra_first || b - c->ra_first >= c->ra_n) {
                        int r = readahead_fill(c, b, stride);
                        if (r < 0)
                                return r;
                }
                size_t len = tftp_xfer_block_len(&c->x, b);
                if (send(c->fd, c->ra + (b - c->ra_first) * stride, TFTP_HDR_LEN + len,
                         MSG_DONTWAIT) < 0) {
                        int r = send_failed(c, errno);
                        if (r <= 1)
                                return r;
                        continue; /* that datagram is lost; the timer covers it */
                }
                c->sent_bytes += len;
                c->tx_next++;
        }
        return 0;
}

/* Windows: one preadv per batch into the shared buffer, then one GSO send
 * (or one sendmmsg where GSO is unavailable).  Returns as tftp_send_pump(). */
static int pump_octet(struct tftp_conn *c)
{
        size_t stride = TFTP_HDR_LEN + c->x.p.blksize;
        if (c->x.p.windowsize == 1 && stride <= RA_BYTES / 2)
                return pump_lockstep(c, stride);
        uint64_t per = c->srv->buf_cap / stride;
        size_t lens[TFTP_TX_BATCH];

        while (c->tx_next < c->tx_end) {
                uint64_t n = c->tx_end - c->tx_next;
                n = n < per ? n : per;
                n = n < TFTP_TX_BATCH ? n : TFTP_TX_BATCH;
                bool gso = c->gso && n > 1 && stride <= GSO_MAX_BYTES / 2;
                if (gso && n * stride > GSO_MAX_BYTES)
                        n = GSO_MAX_BYTES / stride;
                int r = read_batch(c, c->srv->buf, c->tx_next, n, stride, lens);
                if (r < 0)
                        return r;
                int k = gso ? send_gso(c, n, stride, lens) : send_mmsg(c, n, stride, lens);
                if (gso && (k == -EIO || k == -EINVAL || k == -EMSGSIZE || k == -ENOPROTOOPT ||
                            k == -EOPNOTSUPP)) {
                        /* No GSO on this kernel or route: plain datagrams. */
                        c->gso = false;
                        continue;
                }
                if (k < 0) {
                        r = send_failed(c, -k);
                        if (r <= 1)
                                return r;
                        continue; /* that datagram is lost; the timer covers it */
                }
                for (int i = 0; i < k; i++)
                        c->sent_bytes += lens[i];
                c->tx_next += (uint64_t)k;
                if ((uint64_t)k < n)
                        return 1;
        }
        return 0;
}

/* netascii: blocks are produced in order from a resume point (the window
 * is 1, so only the current block's start and the next one's are kept). */
static int pump_netascii(struct tftp_conn *c)
{
        struct tftp_server *srv = c->srv;
        uint32_t bs = c->x.p.blksize;
        while (c->tx_next < c->tx_end) {
                uint64_t b = c->tx_next;
                if (b == c->na_block + 1 && c->na_next_valid) {
                        c->na_cur = c->na_next;
                        c->na_block = b;
                        c->na_next_valid = false;
                }
                if (b != c->na_block)
                        return -EPROTO; /* cannot happen with window 1 */
                /* Each input byte yields at least one output byte. */
                uint8_t *in = srv->buf + bs;
                ssize_t got = tftp_source_read(&c->src, c->na_cur.off, in, bs);
                if (got < 0)
                        return (int)got;
                struct tftp_netascii st = {.pending = c->na_cur.pending};
                size_t used;
                size_t len = tftp_netascii_encode(&st, in, (size_t)got, &used, srv->buf, bs);
                c->na_next = (struct tftp_na_point){c->na_cur.off + used, st.pending};
                c->na_next_valid = true;
                if (len < bs)
                        tftp_xfer_set_last(&c->x, b);
                uint8_t hdr[TFTP_HDR_LEN];
                tftp_wire_data_header(hdr, tftp_xfer_wire_block(b));
                struct iovec iov[2] = {{hdr, TFTP_HDR_LEN}, {srv->buf, len}};
                struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
                if (sendmsg(c->fd, &mh, MSG_DONTWAIT) < 0) {
                        int r = send_failed(c, errno);
                        if (r <= 1)
                                return r;
                        if (len < bs)
                                c->tx_end = c->tx_next;
                        continue;
                }
                c->sent_bytes += len;
                c->tx_next++;
                if (len < bs)
                        c->tx_end = c->tx_next;
        }
        return 0;
}

int tftp_send_pump(struct tftp_conn *c)
{
        return c->mode == TFTP_MODE_OCTET ? pump_octet(c) : pump_netascii(c);
}
