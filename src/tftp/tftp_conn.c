/* One TFTP transfer: its own socket (its TID, RFC 1350 section 4), its
 * timer, carrying out what the state machine (tftp_xfer, pure) decides,
 * and its end: one log line, the metrics, the boot stage.  See
 * tftp_conn.h. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/validate.h"
#include "tftp/tftp_conn.h"

static const char *const end_names[TFTP_END_N] = {
    [TFTP_END_OK] = "ok",
    [TFTP_END_SIZE_PROBE] = "size-probe",
    [TFTP_END_TIMEOUT] = "timeout",
    [TFTP_END_PEER_ERROR] = "peer-error",
    [TFTP_END_UNCONFIRMED] = "unconfirmed",
    [TFTP_END_UNREACHABLE] = "unreachable",
    [TFTP_END_SUPERSEDED] = "superseded",
    [TFTP_END_SHUTDOWN] = "shutdown",
    [TFTP_END_IO_ERROR] = "io-error",
    [TFTP_END_REFUSED] = "refused",
    [TFTP_END_EVICTED] = "evicted",
};

const char *tftp_end_name(enum tftp_end e)
{
        return (unsigned)e < TFTP_END_N ? end_names[e] : "unknown";
}

/* The end a finished state machine reports. */
static enum tftp_end end_of(enum tftp_xfer_result r)
{
        switch (r) {
        case TFTP_XFER_OK:
                return TFTP_END_OK;
        case TFTP_XFER_PROBE:
                return TFTP_END_SIZE_PROBE;
        case TFTP_XFER_TIMEOUT:
                return TFTP_END_TIMEOUT;
        default:
                return TFTP_END_PEER_ERROR;
        }
}

void tftp_conn_peer_str(const struct sockaddr_in *sa, char out[TFTP_PEER_STR_MAX])
{
        char ip[16];
        format_ipv4(ntohl(sa->sin_addr.s_addr), ip);
        snprintf(out, TFTP_PEER_STR_MAX, "%s:%u", ip, ntohs(sa->sin_port));
}

void tftp_conn_options_str(const struct tftp_options *o, char *out, size_t cap)
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

ssize_t tftp_conn_send_cmsg(int fd, const struct sockaddr_in *to, void *buf, size_t len, int level,
                            int type, const void *data, size_t data_len)
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

/* The boot stage "tftp" for a fetched first-stage binary, dynamic file or
 * image file (kernels and initrds GRUB and pxelinux fetch over TFTP), with
 * its outcome (NULL = ok) and figures; a dynamic file's detail says what
 * the resolver made of it. */
static void conn_report(struct tftp_conn *c, const char *peer, const char *outcome, int64_t now)
{
        struct tftp_server *srv = c->srv;
        if (!srv->ev || c->src.kind == TFTP_SRC_ROOT)
                return;
        struct mac mac;
        if (!conn_mac(c, &mac)) {
                log_debug("tftp peer=%s file=\"%s\" no lease for this address: stage not recorded",
                          peer, c->file);
                return;
        }
        if (!outcome && c->src.kind == TFTP_SRC_DYNAMIC &&
            c->src.result.outcome == BOOT_OUTCOME_FALLBACK)
                outcome = BOOT_RENDER_ERROR; /* sent the wait-and-retry file instead */
        struct boot_step step = {.outcome = outcome,
                                 .xfer = true,
                                 .bytes = (int64_t)c->sent_bytes,
                                 .size = (int64_t)c->src.size,
                                 .duration_ms = now - c->started};
        boot_events_report_step(srv->ev, &mac, "tftp", peer, &step, "%s (%llu bytes)%s%s%s%s",
                                c->file, (unsigned long long)c->src.size,
                                *c->src.detail ? ": " : "", c->src.detail, outcome ? ": " : "",
                                outcome ? outcome : "");
}

/* What a transfer's end means for the machine's boot: NULL = ok; "" = not
 * a step (a size probe, a repeat, our shutdown, or a likely success whose
 * last ACK was lost, none of which changes what the machine knows). */
static const char *end_outcome(enum tftp_end end)
{
        switch (end) {
        case TFTP_END_OK:
                return NULL;
        case TFTP_END_TIMEOUT:
                return BOOT_TIMEOUT;
        case TFTP_END_PEER_ERROR:
        case TFTP_END_UNREACHABLE:
                return BOOT_ABORTED;
        case TFTP_END_IO_ERROR:
                return BOOT_ERROR;
        default:
                return "";
        }
}

/* The client closed its port.  After the final block went out this is
 * usually a lost final ACK (the client has the file and did not dally,
 * RFC 1350 section 6): "unconfirmed" rather than a plain failure. */
static enum tftp_end gone_end(const struct tftp_conn *c)
{
        return c->x.last != TFTP_SIZE_UNKNOWN && c->x.sent == c->x.last ? TFTP_END_UNCONFIRMED
                                                                        : TFTP_END_UNREACHABLE;
}

void tftp_conn_end(struct tftp_conn *c, enum tftp_end end)
{
        struct tftp_server *srv = c->srv;
        int64_t now = loop_now_ms(srv->loop);
        /* Not worth a warning: a client that probably has the file, one
         * that asked again, and our own shutdown. */
        bool fine = end == TFTP_END_OK || end == TFTP_END_SIZE_PROBE ||
                    end == TFTP_END_UNCONFIRMED || end == TFTP_END_SUPERSEDED ||
                    end == TFTP_END_SHUTDOWN;
        char peer[TFTP_PEER_STR_MAX], neg[TFTP_OPTS_STR_MAX];
        tftp_conn_peer_str(&c->peer, peer);
        tftp_conn_options_str(&c->oack, neg, sizeof(neg));
        metrics_tftp_transfer(tftp_end_name(end));
        metrics_tftp_bytes(c->sent_bytes);
        char ahead[32] = "";
        if (c->x.p.ahead > 1)
                snprintf(ahead, sizeof(ahead), " send_ahead=%u", c->x.p.ahead);
        uint32_t suppressed;
        if (log_ratelimit_ok(&srv->rl_xfer, now, 100, 1000, &suppressed))
                log_msg(fine ? LOG_INFO : LOG_WARN,
                        "tftp peer=%s file=\"%s\" source=%s mode=%s options=%s negotiated=%s "
                        "size=%llu sent=%llu duration_ms=%lld retransmits=%llu result=%s%s%s",
                        peer, c->file, tftp_source_kind_name(c->src.kind),
                        tftp_wire_mode_name(c->mode), c->opts, neg, (unsigned long long)c->src.size,
                        (unsigned long long)c->sent_bytes, (long long)(now - c->started),
                        (unsigned long long)c->x.retransmits, tftp_end_name(end), ahead,
                        suppressed ? " (earlier transfer lines suppressed)" : "");
        const char *outcome = end_outcome(end);
        if (!outcome || *outcome)
                conn_report(c, peer, outcome, now);

        loop_timer_disarm(srv->loop, &c->timer);
        loop_del_fd(srv->loop, c->fd);
        close(c->fd);
        tftp_source_done(&c->src);
        conn_unlink(c);
        free(c->ra);
        free(c);
}

/* Returns false when the transfer ended (c is freed). */
static bool conn_pump(struct tftp_conn *c)
{
        int r = tftp_send_pump(c);
        if (r < 0) {
                char msg[TFTP_ERR_MSG_MAX];
                snprintf(msg, sizeof(msg), "read or send failed: %s", strerror(-r));
                uint8_t pkt[TFTP_ERR_MSG_MAX + 8];
                int len = tftp_wire_encode_error(pkt, sizeof(pkt), TFTP_EUNDEF, msg);
                if (len > 0 && r != -ECONNREFUSED)
                        (void)send(c->fd, pkt, (size_t)len, MSG_DONTWAIT);
                tftp_conn_end(c, r == -ECONNREFUSED ? gone_end(c) : TFTP_END_IO_ERROR);
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

/* How a transfer the state machine ended, ends.  GRUB closes its port
 * silently on the final block (no ICMP from its own UDP stack) and never
 * repeats that ACK, so a timeout after the final block went out is the
 * "unconfirmed" of other clients: GRUB may well have the file and have
 * booted on (seen once, docs/tftp.md); a plain timeout would report a
 * failed boot step. */
static enum tftp_end conn_end_of(const struct tftp_conn *c, enum tftp_xfer_result r)
{
        if (r == TFTP_XFER_TIMEOUT && c->grub && c->x.last != TFTP_SIZE_UNKNOWN &&
            c->x.sent == c->x.last)
                return TFTP_END_UNCONFIRMED;
        return end_of(r);
}

/* Carries out what the state machine decided.  Returns false when the
 * transfer ended (c is freed). */
static bool conn_apply(struct tftp_conn *c, const struct tftp_xfer_action *a)
{
        struct loop *l = c->srv->loop;
        if (a->result != TFTP_XFER_RUNNING) {
                tftp_conn_end(c, conn_end_of(c, a->result));
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

bool tftp_conn_drain(struct tftp_conn *c, int max)
{
        uint8_t buf[1024];
        for (int i = 0; i < max; i++) {
                ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ECONNREFUSED) {
                                /* ICMP port unreachable: the client is gone. */
                                tftp_conn_end(c, gone_end(c));
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
                (void)tftp_conn_drain(c, 1);
}

void tftp_conn_again(struct tftp_conn *c)
{
        struct tftp_xfer_action a;
        tftp_xfer_on_request_again(&c->x, loop_now_ms(c->srv->loop), &a);
        conn_apply(c, &a);
}

int tftp_conn_socket(uint32_t local, const struct sockaddr_in *peer, uint32_t *ret_mtu)
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
        *ret_mtu = mtu > TFTP_IP_UDP_HDR + TFTP_BLKSIZE_MIN ? (uint32_t)mtu : 0;
        return fd;
}

int tftp_conn_start(struct tftp_conn *c, const struct tftp_options *req_opts, uint32_t mtu)
{
        struct tftp_server *srv = c->srv;
        loop_timer_init(&c->timer, on_conn_timer, c);
        int r = loop_add_fd(srv->loop, c->fd, EPOLLIN, on_conn_io, c);
        if (r < 0)
                return r;
        c->next = srv->conns;
        if (srv->conns)
                srv->conns->prev = c;
        srv->conns = c;
        srv->n_conns++;

        struct tftp_limits lim = srv->lim;
        lim.mtu_blksize = mtu ? mtu - TFTP_IP_UDP_HDR : 0;
        struct tftp_xfer_params params;
        tftp_xfer_negotiate(req_opts, c->mode, c->src.size, &lim, &c->oack, &params);
        params.ahead = c->ahead; /* the state machine uses it only in lock-step */
        struct tftp_xfer_action a;
        tftp_xfer_start(&c->x, &params, c->started, &a);
        conn_apply(c, &a);
        return 0;
}

struct tftp_conn *tftp_conn_find(struct tftp_server *srv, const struct sockaddr_in *peer)
{
        for (struct tftp_conn *c = srv->conns; c; c = c->next)
                if (c->peer.sin_addr.s_addr == peer->sin_addr.s_addr &&
                    c->peer.sin_port == peer->sin_port)
                        return c;
        return NULL;
}

uint32_t tftp_conn_count(struct tftp_server *srv, uint32_t addr_be)
{
        uint32_t n = 0;
        for (struct tftp_conn *c = srv->conns; c; c = c->next)
                n += c->peer.sin_addr.s_addr == addr_be;
        return n;
}
