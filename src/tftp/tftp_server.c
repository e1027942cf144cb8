/* The TFTP server: listen socket, one ephemeral socket per transfer, timers
 * from the event loop; see tftp_server.h.  All protocol decisions are made
 * by tftp_xfer (pure); this file moves bytes and keeps the books. */
#include "tftp/tftp_server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fsroot.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/validate.h"
#include "tftp/tftp_path.h"
#include "tftp/tftp_source.h"
#include "tftp/tftp_wire.h"
#include "tftp/tftp_xfer.h"

#define RX_MAX          4096 /* a request: name + mode + options */
#define RX_BATCH        64   /* datagrams read per wakeup and socket */
#define TX_BATCH        64   /* DATA packets per sendmmsg */
#define TX_BUF_MIN      (256 * 1024)
#define ERR_MSG_MAX     160
#define OPTS_STR_MAX    96
#define PEER_STR_MAX    24
#define IP_UDP_TFTP_HDR (20 + 8 + TFTP_HDR_LEN)
#define GSO_MAX_BYTES   63000 /* a UDP GSO super-datagram must fit in 64 KiB */
/* Lock-step read-ahead per transfer: one preadv for several blocks (5 at
 * iPXE's blksize 1432), so a block costs a recv and a send, not a third
 * system call; small enough that max_transfers of them stay cheap. */
#define RA_BYTES 8192

struct tftp_conn;

struct tftp_server {
        struct loop *loop;
        const struct config *cfg;
        struct store *store;
        struct boot_events *ev;
        int fd;
        uint16_t port;
        int root_fd, images_fd;
        struct tftp_limits lim;
        struct tftp_conn *conns; /* doubly linked */
        uint32_t n_conns;
        uint8_t *buf; /* window buffer shared by all transfers (one thread) */
        size_t buf_cap;
        struct log_ratelimit rl_refuse, rl_xfer;
        struct tftp_server_stats stats;
        int64_t reaped_at;
};

/* netascii resume point: where the encoding of a block starts. */
struct na_point {
        uint64_t off;
        int pending;
};

struct tftp_conn {
        struct tftp_server *srv;
        struct tftp_conn *prev, *next;
        int fd;
        struct sockaddr_in peer;
        uint32_t local; /* host order */
        struct loop_timer timer;
        struct tftp_xfer x;
        struct tftp_options oack;
        struct tftp_source src;
        enum tftp_mode mode;
        uint64_t tx_next, tx_end; /* DATA blocks still to send of the current action */
        bool want_out;
        bool gso;          /* UDP_SEGMENT works on this socket (until it fails once) */
        uint8_t *ra;       /* lock-step read-ahead (RA_BYTES): DATA datagrams of */
        uint64_t ra_first; /* blocks ra_first..ra_first+ra_n-1, stride 4+blksize */
        uint64_t ra_n;
        uint64_t na_block; /* netascii: block that na_cur starts */
        struct na_point na_cur, na_next;
        bool na_next_valid;
        uint64_t req_hash; /* to recognise a repeated request */
        int64_t started;
        uint64_t sent_bytes;
        char file[TFTP_PATH_MAX + 1];
        char opts[OPTS_STR_MAX];
};

static void peer_str(const struct sockaddr_in *sa, char out[PEER_STR_MAX])
{
        char ip[16];
        format_ipv4(ntohl(sa->sin_addr.s_addr), ip);
        snprintf(out, PEER_STR_MAX, "%s:%u", ip, ntohs(sa->sin_port));
}

/* Copy of a client-supplied string fit for a log line. */
static void sanitize(const char *s, size_t len, char *out, size_t cap)
{
        size_t o = 0;
        for (size_t i = 0; i < len && o + 1 < cap; i++) {
                unsigned char c = (unsigned char)s[i];
                out[o++] = (c < 0x20 || c >= 0x7f || c == '"') ? '?' : (char)c;
        }
        out[o] = 0;
}

static void options_str(const struct tftp_options *o, char *out, size_t cap)
{
        size_t n = 0;
        out[0] = 0;
#define ADD(has, name, v)                                                                          \
        if ((has) && n < cap)                                                                      \
                n += (size_t)snprintf(out + n, cap - n, "%s%s=%llu", n ? "," : "", name,           \
                                      (unsigned long long)(v));
        ADD(o->has_blksize, "blksize", o->blksize)
        ADD(o->has_tsize, "tsize", o->tsize)
        ADD(o->has_timeout, "timeout", o->timeout)
        ADD(o->has_windowsize, "windowsize", o->windowsize)
        ADD(o->n_unknown, "unknown", o->n_unknown)
#undef ADD
        if (!out[0])
                snprintf(out, cap, "none");
}

static uint64_t fnv1a(const void *p, size_t n)
{
        uint64_t h = 0xcbf29ce484222325ULL;
        for (const uint8_t *b = p; n--; b++)
                h = (h ^ *b) * 0x100000001b3ULL;
        return h;
}

/* sendmsg() of one buffer with one control message (IP_PKTINFO for the
 * source address, UDP_SEGMENT for a GSO window); to may be NULL on a
 * connected socket.  Returns sendmsg()'s result. */
static ssize_t send_with_cmsg(int fd, const struct sockaddr_in *to, void *buf, size_t len,
                              int level, int type, const void *data, size_t data_len)
{
        struct iovec iov = {buf, len};
        union {
                char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
                struct cmsghdr align;
        } ctl;
        assert(CMSG_SPACE(data_len) <= sizeof(ctl.buf));
        memset(&ctl, 0, sizeof(ctl));
        struct msghdr mh = {
            .msg_name = (void *)to,
            .msg_namelen = to ? sizeof(*to) : 0,
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = ctl.buf,
            .msg_controllen = CMSG_SPACE(data_len),
        };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = level;
        cm->cmsg_type = type;
        cm->cmsg_len = CMSG_LEN(data_len);
        memcpy(CMSG_DATA(cm), data, data_len);
        return sendmsg(fd, &mh, MSG_DONTWAIT);
}

/* Sends an ERROR from the listen socket, with the source address the
 * request was sent to (IP_PKTINFO), for refusals before any transfer. */
static void send_listen_error(struct tftp_server *srv, uint32_t local,
                              const struct sockaddr_in *peer, uint16_t code, const char *msg)
{
        uint8_t pkt[ERR_MSG_MAX + 8];
        int len = tftp_wire_encode_error(pkt, sizeof(pkt), code, msg);
        if (len < 0)
                return;
        struct in_pktinfo pi = {.ipi_spec_dst.s_addr = htonl(local)};
        (void)send_with_cmsg(srv->fd, peer, pkt, (size_t)len, IPPROTO_IP, IP_PKTINFO, &pi,
                             sizeof(pi));
}

static void log_refusal(struct tftp_server *srv, const struct sockaddr_in *peer, const char *file,
                        uint16_t code, const char *msg)
{
        uint32_t suppressed;
        srv->stats.refused++;
        metrics_tftp_transfer("refused");
        if (!log_ratelimit_ok(&srv->rl_refuse, loop_now_ms(srv->loop), 10, 50, &suppressed))
                return;
        char p[PEER_STR_MAX];
        peer_str(peer, p);
        log_info("tftp peer=%s file=\"%s\" result=refused error=%u msg=\"%s\"%s", p, file, code,
                 msg, suppressed ? " (earlier refusals suppressed)" : "");
}

static void refuse(struct tftp_server *srv, uint32_t local, const struct sockaddr_in *peer,
                   const char *file, uint16_t code, const char *msg)
{
        log_refusal(srv, peer, file, code, msg);
        send_listen_error(srv, local, peer, code, msg);
}

/* ---- transfers ---- */

static void conn_unlink(struct tftp_conn *c)
{
        struct tftp_server *srv = c->srv;
        if (c->prev)
                c->prev->next = c->next;
        else
                srv->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        srv->n_conns--;
}

/* The MAC a finished transfer is about: named by a dynamic file, else the
 * lease holding the peer's address. */
static bool conn_mac(struct tftp_conn *c, struct mac *ret)
{
        if (c->src.has_mac) {
                *ret = c->src.mac;
                return true;
        }
        if (!c->srv->store)
                return false;
        return store_lease_find_mac(c->srv->store, ntohl(c->peer.sin_addr.s_addr), ret) == 0;
}

static void conn_report(struct tftp_conn *c, const char *peer)
{
        struct tftp_server *srv = c->srv;
        if (!srv->ev || (c->src.kind != TFTP_SRC_BOOTFILE && c->src.kind != TFTP_SRC_DYNAMIC))
                return;
        struct mac mac;
        if (!conn_mac(c, &mac)) {
                log_debug("tftp peer=%s file=\"%s\" no lease for this address: stage not recorded",
                          peer, c->file);
                return;
        }
        boot_events_report(srv->ev, &mac, "tftp", peer, "%s (%llu bytes)", c->file,
                           (unsigned long long)c->src.size);
}

/* The client closed its port.  After the final block went out this is
 * usually a lost final ACK (the client has the file and did not dally,
 * RFC 1350 section 6): "unconfirmed" rather than a plain failure. */
static const char *gone_result(const struct tftp_conn *c)
{
        return c->x.last != TFTP_SIZE_UNKNOWN && c->x.sent == c->x.last ? "unconfirmed"
                                                                        : "unreachable";
}

/* Ends a transfer: one log line, the boot stage, resources released. */
static void conn_end(struct tftp_conn *c, const char *result)
{
        struct tftp_server *srv = c->srv;
        int64_t now = loop_now_ms(srv->loop);
        bool ok = c->x.result == TFTP_XFER_OK;
        /* Not worth a warning: a client that probably has the file, one
         * that asked again, and our own shutdown. */
        bool fine = ok || c->x.result == TFTP_XFER_PROBE || strcmp(result, "unconfirmed") == 0 ||
                    strcmp(result, "superseded") == 0 || strcmp(result, "shutdown") == 0;
        char peer[PEER_STR_MAX], neg[OPTS_STR_MAX];
        peer_str(&c->peer, peer);
        options_str(&c->oack, neg, sizeof(neg));

        if (ok) {
                srv->stats.transfers_ok++;
                srv->stats.bytes += c->src.size;
        } else if (c->x.result == TFTP_XFER_PROBE) {
                srv->stats.probes++;
        } else {
                srv->stats.transfers_failed++;
        }
        metrics_tftp_transfer(ok ? "ok" : c->x.result == TFTP_XFER_PROBE ? "size_probe" : result);
        metrics_tftp_bytes(c->sent_bytes);
        uint32_t suppressed;
        if (log_ratelimit_ok(&srv->rl_xfer, now, 100, 1000, &suppressed))
                log_msg(fine ? LOG_INFO : LOG_WARN,
                        "tftp peer=%s file=\"%s\" source=%s mode=%s options=%s negotiated=%s "
                        "size=%llu sent=%llu duration_ms=%lld retransmits=%llu result=%s%s",
                        peer, c->file, tftp_source_kind_name(c->src.kind),
                        tftp_wire_mode_name(c->mode), c->opts, neg, (unsigned long long)c->src.size,
                        (unsigned long long)c->sent_bytes, (long long)(now - c->started),
                        (unsigned long long)c->x.retransmits, result,
                        suppressed ? " (earlier transfer lines suppressed)" : "");
        if (ok)
                conn_report(c, peer);

        loop_timer_disarm(srv->loop, &c->timer);
        loop_del_fd(srv->loop, c->fd);
        close(c->fd);
        tftp_source_done(&c->src);
        conn_unlink(c);
        free(c->ra);
        free(c);
}

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
                      size_t lens[TX_BATCH])
{
        struct iovec iov[TX_BATCH];
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
        struct iovec iov[TX_BATCH];
        struct mmsghdr msgs[TX_BATCH];
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
        ssize_t r = send_with_cmsg(c->fd, NULL, c->srv->buf, total, SOL_UDP, UDP_SEGMENT, &seg,
                                   sizeof(seg));
        return r < 0 ? -errno : (int)n;
}

/* Lock-step (window 1): the block from the transfer's read-ahead, refilled
 * with one preadv when the block is not in it (a retransmission of the
 * block before is still there).  Returns as pump_octet(). */
static int pump_lockstep(struct tftp_conn *c, size_t stride)
{
        while (c->tx_next < c->tx_end) {
                uint64_t b = c->tx_next;
                if (b > c->x.last)
                        return -EPROTO; /* the state machine never asks for this */
                if (!c->ra || b < c->ra_first || b - c->ra_first >= c->ra_n) {
                        if (!c->ra && !(c->ra = malloc(RA_BYTES)))
                                return -ENOMEM;
                        uint64_t n = RA_BYTES / stride;
                        n = n < TX_BATCH ? n : TX_BATCH;
                        if (c->x.last - b + 1 < n)
                                n = c->x.last - b + 1;
                        size_t lens[TX_BATCH];
                        c->ra_n = 0;
                        int r = read_batch(c, c->ra, b, n, stride, lens);
                        if (r < 0)
                                return r;
                        c->ra_first = b;
                        c->ra_n = n;
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

/* Sends the current action's remaining DATA blocks: one preadv per batch
 * into the shared buffer, then one GSO send (or one sendmmsg where GSO is
 * unavailable).  Returns 0 when all went out, 1 when the socket is full
 * (EPOLLOUT resumes), a negative errno on failure. */
static int pump_octet(struct tftp_conn *c)
{
        size_t stride = TFTP_HDR_LEN + c->x.p.blksize;
        if (c->x.p.windowsize == 1 && stride <= RA_BYTES / 2)
                return pump_lockstep(c, stride);
        uint64_t per = c->srv->buf_cap / stride;
        size_t lens[TX_BATCH];

        while (c->tx_next < c->tx_end) {
                uint64_t n = c->tx_end - c->tx_next;
                n = n < per ? n : per;
                n = n < TX_BATCH ? n : TX_BATCH;
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
                c->na_next = (struct na_point){c->na_cur.off + used, st.pending};
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

/* Returns false when the transfer ended (c is freed). */
static bool conn_pump(struct tftp_conn *c)
{
        int r = c->mode == TFTP_MODE_OCTET ? pump_octet(c) : pump_netascii(c);
        if (r < 0) {
                char msg[ERR_MSG_MAX];
                snprintf(msg, sizeof(msg), "read or send failed: %s", strerror(-r));
                uint8_t pkt[ERR_MSG_MAX + 8];
                int len = tftp_wire_encode_error(pkt, sizeof(pkt), TFTP_EUNDEF, msg);
                if (len > 0 && r != -ECONNREFUSED)
                        (void)send(c->fd, pkt, (size_t)len, MSG_DONTWAIT);
                c->x.result = TFTP_XFER_PEER_ERROR;
                conn_end(c, r == -ECONNREFUSED ? gone_result(c) : "io-error");
                return false;
        }
        bool want = r == 1;
        if (want != c->want_out) {
                c->want_out = want;
                (void)loop_mod_fd(c->srv->loop, c->fd, EPOLLIN | (want ? EPOLLOUT : 0));
        }
        return true;
}

static void conn_send_oack(struct tftp_conn *c)
{
        uint8_t pkt[256];
        int len = tftp_wire_encode_oack(pkt, sizeof(pkt), &c->oack);
        if (len > 0)
                (void)send(c->fd, pkt, (size_t)len, MSG_DONTWAIT);
}

/* Carries out what the state machine decided.  Returns false when the
 * transfer ended (c is freed). */
static bool conn_apply(struct tftp_conn *c, const struct tftp_xfer_action *a)
{
        struct loop *l = c->srv->loop;
        if (a->result != TFTP_XFER_RUNNING) {
                conn_end(c, tftp_xfer_result_name(a->result));
                return false;
        }
        if (a->timer_ms == 0)
                loop_timer_disarm(l, &c->timer);
        else if (!loop_timer_armed(&c->timer) || c->timer.due_ms != a->timer_ms)
                (void)loop_timer_arm(l, &c->timer, a->timer_ms);
        if (a->send == TFTP_SEND_OACK) {
                c->tx_next = c->tx_end = 0;
                conn_send_oack(c);
        } else if (a->send == TFTP_SEND_DATA) {
                c->tx_next = a->first;
                c->tx_end = a->first + a->count;
                return conn_pump(c);
        }
        return true;
}

static void on_conn_timer(struct loop *l, void *data)
{
        struct tftp_conn *c = data;
        struct tftp_xfer_action a;
        tftp_xfer_on_timeout(&c->x, loop_now_ms(l), &a);
        conn_apply(c, &a);
}

/* Handles one datagram from the client's TID.  Returns false when the
 * transfer ended. */
static bool conn_packet(struct tftp_conn *c, const uint8_t *buf, size_t len)
{
        struct tftp_packet p;
        struct tftp_xfer_action a;
        int64_t now = loop_now_ms(c->srv->loop);
        if (tftp_wire_decode(buf, len, &p) < 0)
                return true; /* noise on our TID: ignored */
        if (p.opcode == TFTP_ACK)
                tftp_xfer_on_ack(&c->x, p.ack.block, now, &a);
        else if (p.opcode == TFTP_ERROR)
                tftp_xfer_on_error(&c->x, p.error.code, now, &a);
        else
                return true;
        return conn_apply(c, &a);
}

/* Reads up to max datagrams the client sent.  Returns false when the
 * transfer ended. */
static bool conn_drain(struct tftp_conn *c, int max)
{
        uint8_t buf[1024];
        for (int i = 0; i < max; i++) {
                ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ECONNREFUSED) {
                                /* ICMP port unreachable: the client is gone. */
                                c->x.result = TFTP_XFER_PEER_ERROR;
                                conn_end(c, gone_result(c));
                                return false;
                        }
                        return true;
                }
                if (!conn_packet(c, buf, (size_t)n))
                        return false;
        }
        return true;
}

static void on_conn_io(struct loop *l, int fd, uint32_t events, void *data)
{
        struct tftp_conn *c = data;
        if ((events & EPOLLOUT) && !conn_pump(c))
                return;
        /* One datagram per wakeup: a client sends one ACK per window, so a
         * second recv() would almost always just return EAGAIN; epoll is
         * level-triggered and reports the socket again if more is queued. */
        if (events & (EPOLLIN | EPOLLERR))
                (void)conn_drain(c, 1);
}

/* Opens the transfer's own socket: bound to the address the request came
 * in on (so replies come from where the client sent to), connected to the
 * client (the kernel drops datagrams from other TIDs). */
static int conn_socket(uint32_t local, const struct sockaddr_in *peer, uint32_t *ret_mtu)
{
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(local)};
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        /* The route MTU towards the peer (loopback: 65536). */
        int mtu = 0;
        socklen_t sl = sizeof(mtu);
        if (getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &sl) < 0)
                mtu = 0;
        *ret_mtu = mtu > IP_UDP_TFTP_HDR + TFTP_BLKSIZE_MIN ? (uint32_t)mtu : 0;
        return fd;
}

static struct tftp_conn *find_conn(struct tftp_server *srv, const struct sockaddr_in *peer)
{
        for (struct tftp_conn *c = srv->conns; c; c = c->next)
                if (c->peer.sin_addr.s_addr == peer->sin_addr.s_addr &&
                    c->peer.sin_port == peer->sin_port)
                        return c;
        return NULL;
}

static uint32_t count_client(struct tftp_server *srv, uint32_t addr_be)
{
        uint32_t n = 0;
        for (struct tftp_conn *c = srv->conns; c; c = c->next)
                n += c->peer.sin_addr.s_addr == addr_be;
        return n;
}

struct request {
        const struct tftp_packet *p;
        const struct sockaddr_in *peer;
        uint32_t local;
        uint64_t hash;
        char raw_name[TFTP_PATH_MAX + 1]; /* sanitised, for logs */
};

/* Before refusing at a limit: a client that just finished a transfer and
 * asks for the next file may have its final ACK still queued on the old
 * transfer's socket (epoll order).  Reads those first (once per loop turn
 * for the total limit, so a flood of requests cannot make us scan every
 * transfer per datagram). */
static void reap(struct tftp_server *srv, uint32_t addr_be)
{
        int64_t now = loop_now_ms(srv->loop);
        if (!addr_be) {
                if (srv->reaped_at == now)
                        return;
                srv->reaped_at = now;
        }
        struct tftp_conn *next;
        for (struct tftp_conn *c = srv->conns; c; c = next) {
                next = c->next;
                if (!addr_be || c->peer.sin_addr.s_addr == addr_be)
                        (void)conn_drain(c, RX_BATCH);
        }
}

/* Limits: total and per client address (RFC 1350 leaves this to us; a
 * clear message helps the administrator reading the client's console). */
static bool within_limits(struct tftp_server *srv, const struct request *rq)
{
        char msg[ERR_MSG_MAX];
        uint32_t addr = rq->peer->sin_addr.s_addr;
        if (srv->n_conns >= srv->cfg->tftp_max_transfers)
                reap(srv, 0);
        if (count_client(srv, addr) >= srv->cfg->tftp_max_per_client)
                reap(srv, addr);
        if (srv->n_conns >= srv->cfg->tftp_max_transfers) {
                snprintf(msg, sizeof(msg),
                         "server busy: %u transfers in progress (max_transfers), try again later",
                         srv->n_conns);
        } else if (count_client(srv, rq->peer->sin_addr.s_addr) >= srv->cfg->tftp_max_per_client) {
                char ip[16];
                format_ipv4(ntohl(rq->peer->sin_addr.s_addr), ip);
                snprintf(msg, sizeof(msg),
                         "too many transfers from %s (max_per_client %lld), try again later", ip,
                         (long long)srv->cfg->tftp_max_per_client);
        } else {
                return true;
        }
        refuse(srv, rq->local, rq->peer, rq->raw_name, TFTP_EUNDEF, msg);
        return false;
}

static void start_transfer(struct tftp_server *srv, const struct request *rq, const char *norm,
                           struct tftp_source *src)
{
        uint32_t mtu = 0;
        int fd = conn_socket(rq->local, rq->peer, &mtu);
        struct tftp_conn *c = fd >= 0 ? calloc(1, sizeof(*c)) : NULL;
        if (!c) {
                char msg[ERR_MSG_MAX];
                snprintf(msg, sizeof(msg), "cannot start transfer: %s",
                         strerror(fd < 0 ? -fd : ENOMEM));
                if (fd >= 0)
                        close(fd);
                tftp_source_done(src);
                refuse(srv, rq->local, rq->peer, rq->raw_name, TFTP_EUNDEF, msg);
                return;
        }
        *c = (struct tftp_conn){
            .srv = srv,
            .fd = fd,
            .peer = *rq->peer,
            .local = rq->local,
            .src = *src,
            .mode = rq->p->req.mode,
            .na_block = 1,
            .gso = true,
            .na_cur = {0, -1},
            .req_hash = rq->hash,
            .started = loop_now_ms(srv->loop),
        };
        snprintf(c->file, sizeof(c->file), "%s", norm);
        options_str(&rq->p->opt, c->opts, sizeof(c->opts));
        loop_timer_init(&c->timer, on_conn_timer, c);
        if (loop_add_fd(srv->loop, fd, EPOLLIN, on_conn_io, c) < 0) {
                close(fd);
                tftp_source_done(&c->src);
                free(c);
                refuse(srv, rq->local, rq->peer, rq->raw_name, TFTP_EUNDEF, "out of resources");
                return;
        }
        c->next = srv->conns;
        if (srv->conns)
                srv->conns->prev = c;
        srv->conns = c;
        srv->n_conns++;

        struct tftp_limits lim = srv->lim;
        lim.mtu_blksize = mtu ? mtu - IP_UDP_TFTP_HDR : 0;
        struct tftp_xfer_params params;
        tftp_xfer_negotiate(&rq->p->opt, c->mode, c->src.size, &lim, &c->oack, &params);
        struct tftp_xfer_action a;
        tftp_xfer_start(&c->x, &params, c->started, &a);
        conn_apply(c, &a);
}

static void handle_read(struct tftp_server *srv, struct request *rq)
{
        const struct tftp_packet *p = rq->p;
        if (p->req.mode == TFTP_MODE_MAIL) {
                refuse(srv, rq->local, rq->peer, rq->raw_name, TFTP_EBADOP,
                       "mail mode is not supported");
                return;
        }
        /* A repeated request from the same TID: our answer was lost or is
         * late.  Identical bytes: answer again from the same transfer;
         * different: the client moved on (e.g. after a size probe). */
        struct tftp_conn *old = find_conn(srv, rq->peer);
        /* What the client sent the old transfer before this request may
         * still be queued (epoll order): EDK2 sends ERROR 8 after the size
         * probe's OACK and at once asks again, from the same port. */
        if (old && !conn_drain(old, RX_BATCH))
                old = NULL;
        if (old && old->req_hash == rq->hash) {
                struct tftp_xfer_action a;
                tftp_xfer_on_request_again(&old->x, loop_now_ms(srv->loop), &a);
                conn_apply(old, &a);
                return;
        }
        if (old)
                conn_end(old, "superseded");
        if (!within_limits(srv, rq))
                return;

        char norm[TFTP_PATH_MAX + 1], msg[ERR_MSG_MAX];
        uint16_t code;
        int r = tftp_path_normalize(p->req.filename, p->req.filename_len, norm, sizeof(norm));
        if (r < 0) {
                if (r == -EACCES)
                        snprintf(msg, sizeof(msg),
                                 "access violation: \"..\" or control characters in file name");
                else
                        tftp_source_error(r, &code, msg, sizeof(msg));
                refuse(srv, rq->local, rq->peer, rq->raw_name,
                       r == -EACCES   ? TFTP_EACCESS
                       : r == -ENOENT ? TFTP_ENOTFOUND
                                      : TFTP_EUNDEF,
                       msg);
                return;
        }
        struct tftp_source_ctx ctx = {
            .cfg = srv->cfg,
            .store = srv->store,
            .root_fd = srv->root_fd,
            .images_fd = srv->images_fd,
            .local_addr = rq->local,
            .tftp_port = srv->port,
        };
        struct tftp_source src;
        if (tftp_source_open(&ctx, norm, &src, &code, msg, sizeof(msg)) < 0) {
                refuse(srv, rq->local, rq->peer, norm, code, msg);
                return;
        }
        start_transfer(srv, rq, norm, &src);
}

static void handle_datagram(struct tftp_server *srv, const uint8_t *buf, size_t len,
                            const struct sockaddr_in *peer, uint32_t local)
{
        struct tftp_packet p;
        struct request rq = {.p = &p, .peer = peer, .local = local};
        int r = tftp_wire_decode(buf, len, &p);
        if (r == -EPROTONOSUPPORT || (r == 0 && p.opcode != TFTP_RRQ && p.opcode != TFTP_WRQ))
                return; /* stray DATA/ACK/ERROR or garbage on port 69: no answer */
        if (r < 0) {
                refuse(srv, local, peer, "", TFTP_EBADOP,
                       r == -EINVAL ? "unknown transfer mode" : "malformed request");
                return;
        }
        sanitize(p.req.filename, p.req.filename_len, rq.raw_name, sizeof(rq.raw_name));
        if (p.opcode == TFTP_WRQ) {
                refuse(srv, local, peer, rq.raw_name, TFTP_EACCESS,
                       "write requests are refused: this server is read-only");
                return;
        }
        rq.hash = fnv1a(buf, len);
        handle_read(srv, &rq);
}

static void on_listen(struct loop *l, int fd, uint32_t events, void *data)
{
        struct tftp_server *srv = data;
        static uint8_t buf[RX_MAX];
        for (int i = 0; i < RX_BATCH; i++) {
                struct sockaddr_in peer;
                union {
                        char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
                        struct cmsghdr align;
                } ctl;
                struct iovec iov = {buf, sizeof(buf)};
                struct msghdr mh = {
                    .msg_name = &peer,
                    .msg_namelen = sizeof(peer),
                    .msg_iov = &iov,
                    .msg_iovlen = 1,
                    .msg_control = ctl.buf,
                    .msg_controllen = sizeof(ctl.buf),
                };
                ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                if (mh.msg_namelen != sizeof(peer) || peer.sin_family != AF_INET ||
                    peer.sin_port == 0)
                        continue;
                uint32_t local = 0;
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
                        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
                                struct in_pktinfo pi;
                                memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
                                local = ntohl(pi.ipi_spec_dst.s_addr);
                        }
                if ((mh.msg_flags & MSG_TRUNC) || local == 0) {
                        if (local)
                                refuse(srv, local, &peer, "", TFTP_EBADOP, "request too long");
                        continue;
                }
                handle_datagram(srv, buf, (size_t)n, &peer, local);
        }
}

/* ---- start / stop ---- */

static int listen_socket(const char *listen, uint16_t *ret_port)
{
        uint32_t addr;
        uint16_t port;
        if (validate_listen(listen, &addr, &port) < 0)
                return -EINVAL;
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1, rcvbuf = 1 << 20;
        struct sockaddr_in sa = {
            .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr)};
        /* A boot storm sends many requests at once: room to queue them. */
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        socklen_t sl = sizeof(sa);
        if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
                port = ntohs(sa.sin_port);
        *ret_port = port;
        return fd;
}

static int open_root(const char *what, const char *path)
{
        int fd = fsroot_open(path);
        if (fd < 0)
                log_warn("tftp %s=%s cannot be opened (%s): files there will not be served", what,
                         path, strerror(-fd));
        return fd;
}

int tftp_server_start(struct loop *l, const struct config *c, struct store *s,
                      struct boot_events *ev, struct tftp_server **ret)
{
        if (!c->tftp_enabled || !c->tftp_listen || !*c->tftp_listen) {
                *ret = NULL;
                return 0;
        }
        struct tftp_server *srv = calloc(1, sizeof(*srv));
        if (!srv)
                return -ENOMEM;
        *srv = (struct tftp_server){
            .loop = l,
            .cfg = c,
            .store = s,
            .ev = ev,
            .fd = -1,
            .root_fd = -1,
            .images_fd = -1,
            .lim =
                {
                    .max_blksize = (uint32_t)c->tftp_max_blksize,
                    .max_windowsize = (uint32_t)c->tftp_max_windowsize,
                    .timeout_ms = (uint32_t)c->tftp_timeout_ms,
                    .max_retries = (uint32_t)c->tftp_retries,
                },
        };
        srv->buf_cap = (size_t)c->tftp_max_blksize * 2 > TX_BUF_MIN
                           ? (size_t)c->tftp_max_blksize * 2
                           : TX_BUF_MIN;
        srv->buf = malloc(srv->buf_cap);
        int r = srv->buf ? listen_socket(c->tftp_listen, &srv->port) : -ENOMEM;
        if (r < 0) {
                log_error("tftp listen=%s cannot listen: %s", c->tftp_listen, strerror(-r));
                tftp_server_stop(srv);
                return r;
        }
        srv->fd = r;
        r = loop_add_fd(l, srv->fd, EPOLLIN, on_listen, srv);
        if (r < 0) {
                tftp_server_stop(srv);
                return r;
        }
        srv->root_fd = open_root("root", c->tftp_root);
        char *images = config_images_root(c);
        if (images) {
                srv->images_fd = fsroot_open(images);
                if (srv->images_fd < 0)
                        log_debug("tftp images root %s not available: %s", images,
                                  strerror(-srv->images_fd));
                free(images);
        }
        log_info("tftp listening on %s (root %s, max_blksize %lld, max_windowsize %lld, "
                 "max_transfers %lld, max_per_client %lld)",
                 c->tftp_listen, c->tftp_root, (long long)c->tftp_max_blksize,
                 (long long)c->tftp_max_windowsize, (long long)c->tftp_max_transfers,
                 (long long)c->tftp_max_per_client);
        *ret = srv;
        return 0;
}

void tftp_server_stop(struct tftp_server *srv)
{
        if (!srv)
                return;
        while (srv->conns) {
                srv->conns->x.result = TFTP_XFER_PEER_ERROR;
                conn_end(srv->conns, "shutdown");
        }
        if (srv->fd >= 0) {
                loop_del_fd(srv->loop, srv->fd);
                close(srv->fd);
        }
        if (srv->root_fd >= 0)
                close(srv->root_fd);
        if (srv->images_fd >= 0)
                close(srv->images_fd);
        free(srv->buf);
        free(srv);
}

void tftp_server_stats(const struct tftp_server *srv, struct tftp_server_stats *ret)
{
        *ret = srv->stats;
        ret->active = srv->n_conns;
}
