/* The TFTP server's listener: the listen socket, requests, limits and
 * refusals, start and stop; see tftp_server.h.  A transfer's life is in
 * tftp_conn.c, its DATA in tftp_send.c, what a name resolves to in
 * tftp_source.c; all protocol decisions are made by tftp_xfer (pure). */
#include "tftp/tftp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fsroot.h"
#include "core/metrics.h"
#include "core/validate.h"
#include "tftp/tftp_conn.h"

#define RX_MAX     4096 /* a request: name + mode + options */
#define TX_BUF_MIN (256 * 1024)

/* Copy of a client-supplied string fit for a log line: log_escape(), and
 * the quote that delimits it as \x22. */
static void sanitize(const char *s, size_t len, char *out, size_t cap)
{
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '"') {
                        if (cap - o < 5)
                                break;
                        memcpy(out + o, "\\x22", 4);
                        o += 4;
                        continue;
                }
                size_t n = log_escape(out + o, cap - o, s + i, 1);
                if (n == 0)
                        break;
                o += n;
        }
        out[o] = 0;
}

static uint64_t fnv1a(const void *p, size_t n)
{
        uint64_t h = 0xcbf29ce484222325ULL;
        for (const uint8_t *b = p; n--; b++)
                h = (h ^ *b) * 0x100000001b3ULL;
        return h;
}

/* Sends an ERROR from the listen socket, with the source address the
 * request was sent to (IP_PKTINFO), for refusals before any transfer. */
static void send_listen_error(struct tftp_server *srv, uint32_t local,
                              const struct sockaddr_in *peer, uint16_t code, const char *msg)
{
        uint8_t pkt[TFTP_ERR_MSG_MAX + 8];
        int len = tftp_wire_encode_error(pkt, sizeof(pkt), code, msg);
        if (len < 0)
                return;
        struct in_pktinfo pi = {.ipi_spec_dst.s_addr = htonl(local)};
        (void)tftp_conn_send_cmsg(srv->fd, peer, pkt, (size_t)len, IPPROTO_IP, IP_PKTINFO, &pi,
                                  sizeof(pi));
}

static void log_refusal(struct tftp_server *srv, const struct sockaddr_in *peer, const char *file,
                        uint16_t code, const char *msg)
{
        uint32_t suppressed;
        metrics_tftp_transfer(tftp_end_name(TFTP_END_REFUSED));
        if (!log_ratelimit_ok(&srv->rl_refuse, loop_now_ms(srv->loop), 10, 50, &suppressed))
                return;
        char p[TFTP_PEER_STR_MAX];
        tftp_conn_peer_str(peer, p);
        log_info("tftp peer=%s file=\"%s\" result=refused error=%u msg=\"%s\"%s", p, file, code,
                 msg, suppressed ? " (earlier refusals suppressed)" : "");
}

static void refuse(struct tftp_server *srv, uint32_t local, const struct sockaddr_in *peer,
                   const char *file, uint16_t code, const char *msg)
{
        log_refusal(srv, peer, file, code, msg);
        send_listen_error(srv, local, peer, code, msg);
}

struct request {
        const struct tftp_packet *p;
        const struct sockaddr_in *peer;
        uint32_t local;
        uint64_t hash;
        bool grub; /* GRUB 2.06's request: lock-step, may be sent ahead */
        char raw_name[4 * TFTP_PATH_MAX + 1]; /* sanitised, for logs */
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
                        (void)tftp_conn_drain(c, TFTP_RX_BATCH);
        }
}

/* At a limit: ends the oldest transfer (from addr_be, or any when 0) whose
 * peer has acknowledged nothing yet.  It has cost one packet and holds a
 * slot only until its timer gives up: requests from spoofed addresses
 * must not keep real clients out.  Returns whether one was ended. */
static bool evict_unconfirmed(struct tftp_server *srv, uint32_t addr_be)
{
        struct tftp_conn *oldest = NULL;
        for (struct tftp_conn *c = srv->conns; c; c = c->next) /* newest first */
                if (!c->x.confirmed && (!addr_be || c->peer.sin_addr.s_addr == addr_be))
                        oldest = c;
        if (!oldest)
                return false;
        tftp_conn_end(oldest, TFTP_END_EVICTED);
        return true;
}

/* Limits: total and per client address (RFC 1350 leaves this to us; a
 * clear message helps the administrator reading the client's console).
 * A transfer whose peer never acknowledged anything makes room for a new
 * request rather than refusing it (evict_unconfirmed()). */
static bool within_limits(struct tftp_server *srv, const struct request *rq)
{
        char msg[TFTP_ERR_MSG_MAX];
        uint32_t addr = rq->peer->sin_addr.s_addr;
        if (srv->n_conns >= srv->tc->max_transfers)
                reap(srv, 0);
        if (tftp_conn_count(srv, addr) >= srv->tc->max_per_client)
                reap(srv, addr);
        if (tftp_conn_count(srv, addr) >= srv->tc->max_per_client)
                (void)evict_unconfirmed(srv, addr);
        if (srv->n_conns >= srv->tc->max_transfers)
                (void)evict_unconfirmed(srv, 0);
        if (srv->n_conns >= srv->tc->max_transfers) {
                snprintf(msg, sizeof(msg),
                         "server busy: %u transfers in progress (max_transfers), try again later",
                         srv->n_conns);
        } else if (tftp_conn_count(srv, rq->peer->sin_addr.s_addr) >= srv->tc->max_per_client) {
                char ip[16];
                format_ipv4(ntohl(rq->peer->sin_addr.s_addr), ip);
                snprintf(msg, sizeof(msg),
                         "too many transfers from %s (max_per_client %lld), try again later", ip,
                         (long long)srv->tc->max_per_client);
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
        int fd = tftp_conn_socket(rq->local, rq->peer, &mtu);
        struct tftp_conn *c = fd >= 0 ? calloc(1, sizeof(*c)) : NULL;
        if (!c) {
                char msg[TFTP_ERR_MSG_MAX];
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
            .grub = rq->grub,
            .ahead = rq->grub ? (uint32_t)srv->tc->grub_send_ahead : 0,
            .started = loop_now_ms(srv->loop),
        };
        snprintf(c->file, sizeof(c->file), "%s", norm);
        tftp_conn_options_str(&rq->p->opt, c->opts, sizeof(c->opts));
        if (tftp_conn_start(c, &rq->p->opt, mtu) < 0) {
                close(fd);
                tftp_source_done(&c->src);
                free(c);
                refuse(srv, rq->local, rq->peer, rq->raw_name, TFTP_EUNDEF, "out of resources");
        }
}

/* A render failure was answered with the wait-and-retry file: say why. */
static void log_fallback(const struct request *rq, const char *norm, const struct tftp_source *src)
{
        if (src->kind != TFTP_SRC_DYNAMIC || src->result.outcome != BOOT_OUTCOME_FALLBACK)
                return;
        char p[TFTP_PEER_STR_MAX], mac[MAC_STR_LEN];
        tftp_conn_peer_str(rq->peer, p);
        mac_format(&src->mac, mac);
        log_error("tftp peer=%s file=\"%s\" mac=%s image=%s: cannot render (%s: %s); sent the "
                  "wait-and-retry file",
                  p, norm, mac, src->result.image, boot_failure_name(src->result.failure),
                  src->result.err);
}

/* A file a machine asked for does not exist: its boot stops here, which
 * its event says (only for an address with a lease: a failure, so the
 * lookup is off the path of transfers that work). */
static void report_not_found(struct tftp_server *srv, const struct sockaddr_in *peer,
                             const char *file)
{
        struct mac mac;
        if (!srv->ev || !srv->store ||
            store_lease_find_mac(srv->store, ntohl(peer->sin_addr.s_addr), &mac) < 0)
                return;
        char p[TFTP_PEER_STR_MAX];
        tftp_conn_peer_str(peer, p);
        struct boot_step step = {.outcome = BOOT_NOT_FOUND};
        boot_events_report_step(srv->ev, &mac, "tftp", p, &step, "%s: file not found", file);
}

/* Opens what the normalised name resolves to and starts sending it. */
static void serve(struct tftp_server *srv, struct request *rq, const char *norm)
{
        struct boot_endpoints *tmp;
        const struct boot_endpoints *ep = boot_endpoints_get(srv->endpoints, rq->local, &tmp);
        if (!ep) {
                refuse(srv, rq->local, rq->peer, norm, TFTP_EUNDEF, "out of memory");
                return;
        }
        struct tftp_source_ctx ctx = {
            .resolver = &srv->resolver,
            .inv = &srv->inv,
            .ep = ep,
            .bootfiles = srv->bootfiles,
            .root_fd = srv->root_fd,
            .images_fd = srv->images_fd,
        };
        struct tftp_source src;
        char msg[TFTP_ERR_MSG_MAX];
        uint16_t code;
        int r = tftp_source_open(&ctx, norm, &src, &code, msg, sizeof(msg));
        boot_endpoints_free(tmp);
        if (r < 0) {
                refuse(srv, rq->local, rq->peer, norm, code, msg);
                if (code == TFTP_ENOTFOUND)
                        report_not_found(srv, rq->peer, norm);
                return;
        }
        log_fallback(rq, norm, &src);
        start_transfer(srv, rq, norm, &src);
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
        struct tftp_conn *old = tftp_conn_find(srv, rq->peer);
        /* What the client sent the old transfer before this request may
         * still be queued (epoll order): EDK2 sends ERROR 8 after the size
         * probe's OACK and at once asks again, from the same port. */
        if (old && !tftp_conn_drain(old, TFTP_RX_BATCH))
                old = NULL;
        if (old && old->req_hash == rq->hash) {
                tftp_conn_again(old);
                return;
        }
        if (old)
                tftp_conn_end(old, TFTP_END_SUPERSEDED);
        if (!within_limits(srv, rq))
                return;

        char norm[TFTP_PATH_MAX + 1], msg[TFTP_ERR_MSG_MAX];
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
        serve(srv, rq, norm);
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
        rq.grub = tftp_wire_is_grub_rrq(buf, len, ntohs(peer->sin_port));
        handle_read(srv, &rq);
}

static void on_listen(struct loop *l, int fd, uint32_t events, void *data)
{
        struct tftp_server *srv = data;
        static uint8_t buf[RX_MAX];
        for (int i = 0; i < TFTP_RX_BATCH; i++) {
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

static int listen_socket(const struct config_listen *listen, uint16_t *ret_port)
{
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1, rcvbuf = 1 << 20;
        struct sockaddr_in sa = listen->sa;
        /* A boot storm sends many requests at once: room to queue them. */
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        socklen_t sl = sizeof(sa);
        *ret_port = getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 ? ntohs(sa.sin_port)
                                                                      : config_listen_port(listen);
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

/* What the resolver needs: settings, the inventory on s, boot URLs. */
static int boot_setup(struct tftp_server *srv, const struct config *c,
                      const struct boot_endpoints_conf *ep)
{
        srv->resolver = (struct boot_resolver){
            .default_image = c->boot_default_image,
            .retry_s = (long)c->boot_unknown_retry_s,
            .pxelinux_tftp_paths = srv->tc->pxelinux_tftp_paths,
        };
        boot_inventory_store_init(&srv->inv_store, srv->store, &srv->inv);
        struct boot_endpoints_conf conf = *ep;
        conf.tftp_port = srv->port;
        return boot_endpoints_table_new(&conf, &srv->endpoints);
}

static void open_roots(struct tftp_server *srv, const struct config *c)
{
        srv->root_fd = open_root("root", srv->tc->root);
        char *images = config_images_root(c);
        if (images) {
                srv->images_fd = fsroot_open(images);
                if (srv->images_fd < 0)
                        log_debug("tftp images root %s not available: %s", images,
                                  strerror(-srv->images_fd));
                free(images);
        }
}

int tftp_server_start(struct loop *l, const struct config *c, const struct tftp_config *tc,
                      const struct boot_endpoints_conf *ep, struct store *s, struct boot_events *ev,
                      struct tftp_server **ret)
{
        if (!tc->enabled || !tc->listen.set) {
                *ret = NULL;
                return 0;
        }
        struct tftp_server *srv = calloc(1, sizeof(*srv));
        if (!srv)
                return -ENOMEM;
        *srv = (struct tftp_server){
            .loop = l,
            .tc = tc,
            .bootfiles = &c->bootfiles,
            .store = s,
            .ev = ev,
            .fd = -1,
            .root_fd = -1,
            .images_fd = -1,
            .lim =
                {
                    .max_blksize = (uint32_t)tc->max_blksize,
                    .max_windowsize = (uint32_t)tc->max_windowsize,
                    .timeout_ms = (uint32_t)tc->timeout_ms,
                    .max_retries = (uint32_t)tc->retries,
                },
        };
        char where[CONFIG_LISTEN_STRMAX];
        config_listen_format(&tc->listen, where);
        srv->buf_cap =
            (size_t)tc->max_blksize * 2 > TX_BUF_MIN ? (size_t)tc->max_blksize * 2 : TX_BUF_MIN;
        srv->buf = malloc(srv->buf_cap);
        int r = srv->buf ? listen_socket(&tc->listen, &srv->port) : -ENOMEM;
        if (r < 0) {
                log_error("tftp listen=%s cannot listen: %s", where, strerror(-r));
                tftp_server_stop(srv);
                return r;
        }
        srv->fd = r;
        if ((r = boot_setup(srv, c, ep)) < 0 ||
            (r = loop_add_fd(l, srv->fd, EPOLLIN, on_listen, srv)) < 0) {
                tftp_server_stop(srv);
                return r;
        }
        open_roots(srv, c);
        log_info("tftp listening on %s (root %s, max_blksize %lld, max_windowsize %lld, "
                 "max_transfers %lld, max_per_client %lld)",
                 where, tc->root, (long long)tc->max_blksize, (long long)tc->max_windowsize,
                 (long long)tc->max_transfers, (long long)tc->max_per_client);
        *ret = srv;
        return 0;
}

void tftp_server_stop(struct tftp_server *srv)
{
        if (!srv)
                return;
        while (srv->conns)
                tftp_conn_end(srv->conns, TFTP_END_SHUTDOWN);
        if (srv->fd >= 0) {
                loop_del_fd(srv->loop, srv->fd);
                close(srv->fd);
        }
        if (srv->root_fd >= 0)
                close(srv->root_fd);
        if (srv->images_fd >= 0)
                close(srv->images_fd);
        boot_endpoints_table_free(srv->endpoints);
        free(srv->buf);
        free(srv);
}
