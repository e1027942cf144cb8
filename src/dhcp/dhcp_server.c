/* DHCP server glue, requests: receive, decide, persist, send; see
 * dhcp_server.h (the interfaces are in dhcp_iface.c).  With dhcp_iface.c
 * the only DHCP files that touch sockets, the store and the log. */
#include "dhcp/dhcp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/validate.h"
#include "dhcp/dhcp_iface.h"

#define OFFER_HOLD_MS 60000 /* an offer reserves its address this long */
/* ... unless the pool is full: then an offer nobody requested for this long
 * goes to the next DISCOVER, so that a flood of forged chaddrs cannot keep
 * real clients out (dhcp_alloc_take_offer).  Clients request within a
 * second or two of the offer (a PXE ROM waits up to ~4 s for proxy offers). */
#define OFFER_TAKEOVER_MS 5000
#define EXPIRE_EVERY_MS   30000
#define EVENT_WINDOW_MS   5000 /* one boot event per MAC and outcome in this window */
#define FOLLOW_EVERY_MS   20   /* shared database: read the others' lease writes this often */
#define FOLLOW_MAX        1024 /* lease rows per read */

/* ---- sending ---- */

static void send_one(struct dhcp_server *srv, const struct pending *p)
{
        if (sendto(p->fd, p->buf, p->len, 0, (const struct sockaddr *)&p->dst, sizeof(p->dst)) <
            0) {
                uint32_t sup;
                if (log_ratelimit_ok(&srv->rl_store, loop_now_ms(srv->loop), 1, 5, &sup))
                        log_warn("dhcp: send to %s:%u failed: %s", inet_ntoa(p->dst.sin_addr),
                                 ntohs(p->dst.sin_port), strerror(errno));
        }
}

/* ---- several servers on one database ---- */

/* Brings the allocator up to date with the lease writes of every server
 * (store_lease_changes: PostgreSQL numbers each write), at most once per
 * FOLLOW_EVERY_MS unless forced: under load one query per batch of
 * packets, never one per packet, and none at all on SQLite (one server
 * per file).  A failed read keeps the current view: the claims at commit
 * still decide, so a stale view costs a NAK, never a duplicate. */
static void follow_leases(struct dhcp_server *srv, bool force)
{
        int64_t t = loop_now_ms(srv->loop);
        if (!srv->shared || (!force && t - srv->followed_ms < FOLLOW_EVERY_MS))
                return;
        srv->followed_ms = t;
        for (int round = 0; round < 1000; round++) {
                struct lease *ls;
                size_t n;
                if (store_lease_changes(srv->store, &srv->lease_cursor, FOLLOW_MAX, &ls, &n) < 0) {
                        uint32_t sup;
                        if (log_ratelimit_ok(&srv->rl_follow, t, 1, 60, &sup))
                                log_error("dhcp: cannot read the other servers' leases, deciding "
                                          "with the last view (the database still arbitrates): %s",
                                          store_errmsg(srv->store));
                        return;
                }
                int64_t now = store_now_ms();
                for (size_t i = 0; i < n; i++)
                        (void)dhcp_alloc_apply(srv->alloc, &ls[i], now);
                free(ls);
                if (!force || n < FOLLOW_MAX)
                        return;
        }
}

/* After a commit: each lease the database refused (another server's
 * client holds the address, or another server renewed what this one
 * meant to expire) is read back, and the allocator takes the stored row. */
static void resync_refused(struct dhcp_server *srv)
{
        size_t refused = 0;
        int64_t now = store_now_ms();
        for (size_t i = 0; i < srv->n_persist; i++) {
                if (srv->claimed[i])
                        continue;
                refused++;
                struct lease l;
                if (store_lease_get(srv->store, srv->persist[i].ip, &l) == 0)
                        (void)dhcp_alloc_apply(srv->alloc, &l, now);
        }
        /* Two servers whose searches met choose the same next addresses
         * again and again: the one that lost jumps elsewhere. */
        if (refused)
                dhcp_alloc_spread(srv->alloc, (uint32_t)now ^ (uint32_t)getpid() ^ srv->jumps++);
        if (refused)
                log_debug("dhcp: %zu lease write(s) refused by the database (the address is "
                          "another client's through another server)",
                          refused);
}

/* ---- persistence (group commit) ---- */

static int commit(struct dhcp_server *srv)
{
        if (srv->n_persist == 0)
                return 0;
        bool full = srv->dc->durability == DHCP_DURABLE_FSYNC;
        if (full)
                store_set_fsync(srv->store, true);
        int r;
        if (srv->shared) /* the database decides who gets each address */
                r = store_lease_claim_many(srv->store, srv->persist, srv->n_persist, store_now_ms(),
                                           srv->claimed);
        else
                r = store_lease_put_many(srv->store, srv->persist, srv->n_persist);
        if (full)
                store_set_fsync(srv->store, false);
        if (r < 0) {
                uint32_t sup;
                if (log_ratelimit_ok(&srv->rl_store, loop_now_ms(srv->loop), 1, 5, &sup))
                        log_error("dhcp: cannot store %zu lease(s), their ACKs are not sent: %s",
                                  srv->n_persist, store_errmsg(srv->store));
        } else if (srv->shared) {
                resync_refused(srv);
        }
        srv->n_persist = 0;
        return r;
}

/* Sends the pending replies whose needs_commit equals acks, with one
 * sendmmsg per run of replies on the same socket. */
static void send_pending(struct dhcp_server *srv, bool acks)
{
        struct mmsghdr mv[DRAIN_MAX];
        struct iovec iov[DRAIN_MAX];
        struct pending *src[DRAIN_MAX];
        size_t n = 0;
        int fd = -1;
        for (size_t i = 0; i <= srv->n_pend; i++) {
                struct pending *p = i < srv->n_pend ? &srv->pend[i] : NULL;
                if (p && (p->needs_commit != acks || p->fd < 0))
                        continue;
                if (n && (!p || p->fd != fd)) {
                        for (size_t done = 0; done < n;) {
                                int k = sendmmsg(fd, mv + done, (unsigned)(n - done), 0);
                                if (k <= 0) { /* report it, skip that datagram */
                                        send_one(srv, src[done]);
                                        k = 1;
                                }
                                done += (size_t)k;
                        }
                        for (size_t j = 0; j < n; j++)
                                src[j]->fd = -1; /* sent: never again this turn */
                        n = 0;
                }
                if (!p)
                        break;
                fd = p->fd;
                src[n] = p;
                iov[n] = (struct iovec){.iov_base = p->buf, .iov_len = p->len};
                mv[n] = (struct mmsghdr){.msg_hdr = {.msg_name = &p->dst,
                                                     .msg_namelen = sizeof(p->dst),
                                                     .msg_iov = &iov[n],
                                                     .msg_iovlen = 1}};
                n++;
        }
}

static const struct dhcp_subnet *subnet_for(struct dhcp_server *srv, const struct iface *f,
                                            const struct dhcp_packet *req, struct dhcp_subnet *tmp);

/* The database gave p's address to another client (through another
 * server): p becomes a NAK, and the client starts over (RFC 2131 §4.3.2). */
static void nak_lost(struct dhcp_server *srv, struct pending *p)
{
        struct dhcp_packet *req = &srv->pkt;
        const char *why = NULL;
        struct dhcp_subnet tmp;
        const struct dhcp_subnet *sn = NULL;
        p->fd = -1; /* the ACK must not go, whatever happens below */
        if (dhcp_wire_decode(p->req, p->req_len, req, &why) < 0 ||
            !(sn = subnet_for(srv, p->f, req, &tmp)))
                return;
        struct dhcp_decision *d = &srv->dec;
        dhcp_policy_nak(req, sn, DHCP_WHY_CLAIMED_ELSEWHERE, d);
        int n = dhcp_wire_encode(&d->out, p->buf, d->max_len < REPLY_MAX ? d->max_len : REPLY_MAX);
        struct mac mac;
        char mac_s[MAC_STR_LEN], ip[16];
        memcpy(mac.b, req->chaddr, MAC_LEN);
        mac_format(&mac, mac_s);
        format_ipv4(srv->persist[p->claim].ip, ip);
        metrics_dhcp_packet(dhcp_msg_type_name(req->msg_type), "NAK");
        log_info("dhcp xid=%08x mac=%s %s: ip=%s lost to another server's client -> NAK", req->xid,
                 mac_s, dhcp_msg_type_name(req->msg_type), ip);
        if (n < 0)
                return;
        p->len = (size_t)n;
        p->fd = p->f->fd[p->boot_server ? 1 : 0];
        dhcp_iface_destination(p->f, p->boot_server, req, &d->out, &p->peer, &p->dst);
}

/* End of a turn: replies that depend on no lease (OFFER, NAK, INFORM) and
 * are not sent yet go at once (on_readable sends them after each recvmmsg
 * batch already); then the turn's lease changes are committed in one transaction
 * (group commit) and only then do the ACKs go.  An ACK is never sent for a
 * lease that is not stored; on a shared database, nor for one the database
 * gave to another client (that client's ACK becomes a NAK). */
static void flush_batch(struct dhcp_server *srv)
{
        send_pending(srv, false);
        if (commit(srv) >= 0) {
                for (size_t i = 0; srv->shared && i < srv->n_pend; i++) {
                        struct pending *p = &srv->pend[i];
                        if (p->needs_commit && p->claim >= 0 && !srv->claimed[p->claim])
                                nak_lost(srv, p);
                }
                send_pending(srv, true);
        }
        srv->n_pend = 0;
}

static void persist_add(struct dhcp_server *srv, const struct lease *l)
{
        if (srv->n_persist == sizeof(srv->persist) / sizeof(srv->persist[0]))
                commit(srv); /* cannot happen with DRAIN_MAX; stay correct anyway */
        srv->persist[srv->n_persist++] = *l;
}

/* ---- logging ---- */

/* The plan's boot file as three strings to print one after the other
 * ("-" for none): no copy, whatever its length. */
static void plan_file_parts(const struct boot_dhcp_plan *p, const char **base, const char **sep,
                            const char **file)
{
        bool any = p->kind != BOOT_DHCP_NONE && p->file;
        *base = any && p->file_base ? p->file_base : "";
        *sep = any && p->file_base ? "/" : "";
        *file = any ? p->file : "-";
}

static void printable(const uint8_t *v, size_t n, char *out, size_t cap)
{
        size_t j = 0;
        for (size_t i = 0; v && i < n && j + 1 < cap; i++)
                out[j++] = (v[i] >= 0x20 && v[i] < 0x7f && v[i] != ' ') ? (char)v[i] : '.';
        out[j] = 0;
        if (j == 0)
                snprintf(out, cap, "-");
}

static void log_decision(struct dhcp_server *srv, const struct dhcp_packet *req, const char *mac,
                         const char *peer, const struct dhcp_decision *d)
{
        char uc[40], arch[8] = "-", ip[16] = "-";
        printable(d->facts.user_class, d->facts.user_class_len, uc, sizeof(uc));
        if (d->facts.has_arch)
                snprintf(arch, sizeof(arch), "%u", d->facts.arch);
        const char *type = dhcp_msg_type_name(req->msg_type);
        if (d->action == DHCP_ACT_NONE) {
                bool full = d->why == DHCP_WHY_NO_FREE_ADDRESS;
                metrics_dhcp_packet(type, full ? "pool_exhausted" : "no_answer");
                uint32_t sup = 0;
                if (full && log_ratelimit_ok(&srv->rl_full, loop_now_ms(srv->loop), 1, 10, &sup))
                        log_warn("dhcp xid=%08x mac=%s peer=%s %s: pool exhausted, no offer",
                                 req->xid, mac, peer, type);
                else if (!full)
                        log_msg(d->persist.n ? LOG_INFO : LOG_DEBUG,
                                "dhcp xid=%08x mac=%s peer=%s %s arch=%s uc=%s: %s", req->xid, mac,
                                peer, type, arch, uc, d->why ? dhcp_why_name(d->why) : "no answer");
                return;
        }
        const struct dhcp_out *o = &d->out;
        format_ipv4(o->yiaddr, ip);
        uint32_t sup = 0;
        if (d->offer_taken_over &&
            log_ratelimit_ok(&srv->rl_takeover, loop_now_ms(srv->loop), 0.1, 1, &sup))
                log_warn("dhcp xid=%08x mac=%s peer=%s: pool full, offering %s, an address "
                         "offered to another client that did not request it in %d s (a "
                         "DISCOVER flood?) (%u similar suppressed)",
                         req->xid, mac, peer, ip, OFFER_TAKEOVER_MS / 1000, sup);
        const char *base, *sep, *file;
        plan_file_parts(&d->plan, &base, &sep, &file);
        metrics_dhcp_packet(type, dhcp_msg_type_name(o->msg_type));
        log_info("dhcp xid=%08x mac=%s peer=%s %s arch=%s uc=%s client=%s -> %s ip=%s "
                 "file=%s%s%s%s%s",
                 req->xid, mac, peer, type, arch, uc, boot_client_name(d->plan.client),
                 dhcp_msg_type_name(o->msg_type), ip, base, sep, file,
                 d->plan.unknown_arch ? " (unknown arch)" : "",
                 o->msg_type == DHCP_NAK ? dhcp_why_name(d->why) : "");
}

static void bad_packet(struct dhcp_server *srv, const char *peer, const struct iface *f,
                       const char *why)
{
        uint32_t sup = 0;
        metrics_dhcp_packet("malformed", "dropped");
        if (log_ratelimit_ok(&srv->rl_bad, loop_now_ms(srv->loop), 2, 20, &sup))
                log_warn("dhcp peer=%s if=%s: dropped malformed packet: %s (%u similar "
                         "suppressed)",
                         peer, f->name, why, sup);
}

/* ---- one request ---- */

static const struct dhcp_subnet *subnet_for(struct dhcp_server *srv, const struct iface *f,
                                            const struct dhcp_packet *req, struct dhcp_subnet *tmp)
{
        uint32_t server = srv->dc->server_address ? srv->dc->server_address : f->addr;
        if (srv->dc->mode == DHCP_MODE_PROXY) {
                *tmp = (struct dhcp_subnet){.pool = -1,
                                            .conf = &srv->dc->local,
                                            .network = f->network,
                                            .mask = f->mask,
                                            .server_id = server};
                return tmp;
        }
        int pool = req->giaddr ? dhcp_alloc_pool_of(srv->alloc, req->giaddr) : f->pool;
        if (pool < 0)
                return NULL;
        *tmp = srv->subnets[pool];
        tmp->server_id = server;
        return tmp;
}

/* What an event says, minus the message type: a DISCOVER/OFFER and the
 * REQUEST/ACK that follows with the same outcome are one contact. */
static uint64_t event_sig(const struct dhcp_decision *d)
{
        uint64_t h = 0xcbf29ce484222325ull;
        bool reply = d->action == DHCP_ACT_REPLY;
        uint64_t parts[5] = {d->action, d->plan.client, reply ? d->out.yiaddr : 0,
                             reply && d->out.msg_type == DHCP_NAK, reply ? 0 : d->why};
        for (size_t i = 0; i < sizeof(parts); i++) {
                h ^= ((const uint8_t *)parts)[i];
                h *= 0x100000001b3ull;
        }
        const char *base, *sep, *file;
        plan_file_parts(&d->plan, &base, &sep, &file);
        const char *strs[3] = {base, sep, file};
        for (int i = 0; i < 3; i++)
                for (const char *p = strs[i]; *p; p++)
                        h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
        return h;
}

static void report(struct dhcp_server *srv, const struct mac *mac, const char *peer,
                   const struct dhcp_packet *req, const struct dhcp_decision *d)
{
        char ip[16];
        if (!srv->ev || !dhcp_inventory_event_due(srv->inv, mac, event_sig(d),
                                                  loop_now_ms(srv->loop), EVENT_WINDOW_MS))
                return;
        /* A NAK and an exhausted pool are failed steps (outcome); the
         * event is the one this decision writes anyway (no extra writes). */
        struct boot_step step = {0};
        if (d->action == DHCP_ACT_REPLY && d->out.msg_type == DHCP_NAK)
                step.outcome = BOOT_NAK;
        else if (d->action != DHCP_ACT_REPLY && d->why == DHCP_WHY_NO_FREE_ADDRESS)
                step.outcome = BOOT_POOL_EXHAUSTED;
        if (d->action == DHCP_ACT_REPLY) {
                const char *base, *sep, *file;
                plan_file_parts(&d->plan, &base, &sep, &file);
                format_ipv4(d->out.yiaddr, ip);
                boot_events_report_step(
                    srv->ev, mac, "dhcp", peer, &step, "%s %s ip=%s file=%s%s%s%s%s",
                    dhcp_msg_type_name(req->msg_type), boot_client_name(d->plan.client), ip, base,
                    sep, file, step.outcome ? ": NAK " : "",
                    step.outcome ? dhcp_why_name(d->why) : "");
        } else {
                boot_events_report_step(srv->ev, mac, "dhcp", peer, &step, "%s: %s",
                                        dhcp_msg_type_name(req->msg_type),
                                        d->why ? dhcp_why_name(d->why) : "-");
        }
}

static void handle(struct dhcp_server *srv, struct iface *f, bool boot_server, const uint8_t *buf,
                   size_t len, const struct sockaddr_in *peer)
{
        char peer_s[32], mac_s[MAC_STR_LEN];
        snprintf(peer_s, sizeof(peer_s), "%s:%u", inet_ntoa(peer->sin_addr), ntohs(peer->sin_port));
        struct dhcp_packet *req = &srv->pkt;
        const char *why = NULL;
        if (dhcp_wire_decode(buf, len, req, &why) < 0 || dhcp_wire_check_request(req, &why) < 0) {
                bad_packet(srv, peer_s, f, why);
                return;
        }
        struct mac mac;
        memcpy(mac.b, req->chaddr, MAC_LEN);
        mac_format(&mac, mac_s);

        const struct boot_inventory *inv = dhcp_inventory_view(srv->inv);
        const struct machine *m = NULL;
        if (boot_inventory_machine(inv, &mac, &m) < 0)
                m = NULL; /* unknown or only discovered: the same to DHCP */
        struct dhcp_subnet tmp;
        const struct dhcp_subnet *sn = subnet_for(srv, f, req, &tmp);
        struct dhcp_policy_ctx ctx = {
            .mode = srv->dc->mode,
            .boot_server = boot_server,
            .alloc = srv->alloc,
            .inv = inv,
            .boot = {.ep = f->ep,
                     .files = (const char *const *)srv->dc->boot_files,
                     .snponly_fallback = boot_fallback_due(srv->fb, &mac, store_now_ms())},
            .now = store_now_ms(),
            .offer_hold_ms = OFFER_HOLD_MS,
            .offer_takeover_ms = OFFER_TAKEOVER_MS,
            .decline_quarantine_ms = srv->dc->decline_quarantine_s * 1000,
        };
        struct dhcp_decision *d = &srv->dec;
        dhcp_policy_decide(req, m, sn, &ctx, d);
        if (d->action == DHCP_ACT_REPLY)
                boot_fallback_note(srv->fb, &mac, &d->plan, ctx.now);

        report(srv, &mac, peer_s, req, d);
        log_decision(srv, req, mac_s, peer_s, d);
        size_t first = srv->n_persist;
        for (size_t i = 0; i < d->persist.n; i++)
                persist_add(srv, &d->persist.rec[i]);
        if (d->action != DHCP_ACT_REPLY)
                return;
        struct pending *p = &srv->pend[srv->n_pend];
        int n = dhcp_wire_encode(&d->out, p->buf, d->max_len < REPLY_MAX ? d->max_len : REPLY_MAX);
        if (n < 0) {
                log_warn("dhcp xid=%08x mac=%s: reply does not fit the client's %zu bytes",
                         req->xid, mac_s, d->max_len);
                return;
        }
        p->len = (size_t)n;
        p->fd = f->fd[boot_server ? 1 : 0];
        dhcp_iface_destination(f, boot_server, req, &d->out, peer, &p->dst);
        p->needs_commit = d->persist.n > 0;
        p->claim = -1;
        if (srv->shared && p->needs_commit && d->out.msg_type == DHCP_ACK) {
                for (size_t i = 0; i < d->persist.n; i++)
                        if (d->persist.rec[i].ip == d->out.yiaddr &&
                            d->persist.rec[i].state == LEASE_BOUND)
                                p->claim = (int)(first + i);
                p->f = f;
                p->boot_server = boot_server;
                p->peer = *peer;
                p->req_len = len;
                memcpy(p->req, buf, len);
        }
        srv->n_pend++; /* sent after this turn's commit (flush_batch) */
}

/* The interface a datagram arrived on (IP_PKTINFO), or 0 if not told,
 * and the kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME) in ns, or
 * 0 if not told. */
static int arrival_info(struct msghdr *mh, int64_t *rx_ns)
{
        int ifindex = 0;
        *rx_ns = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                        struct in_pktinfo pi;
                        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                        ifindex = pi.ipi_ifindex;
                } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                        struct timespec ts;
                        memcpy(&ts, CMSG_DATA(c), sizeof(ts));
                        *rx_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
                }
        return ifindex;
}

static int64_t realtime_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Overload: a request that waited in the socket longer than
 * max_request_age_ms is dropped before any work (its client has
 * retransmitted or given up; answering it would only delay the fresh
 * ones).  Counted as bootherd_dhcp_packets_total{type="stale",
 * outcome="shed"}, reported by one rate-limited line per turn. */
static void report_shed(struct dhcp_server *srv, const struct iface *f, unsigned shed,
                        int64_t oldest_ms)
{
        uint32_t sup = 0;
        if (!shed)
                return;
        static struct metric *m; /* the loop thread's */
        if (!m)
                m = metrics_counter("bootherd_dhcp_packets_total",
                                    "type=\"stale\",outcome=\"shed\"");
        metric_add(m, shed);
        if (log_ratelimit_ok(&srv->rl_shed, loop_now_ms(srv->loop), 0.2, 1, &sup))
                log_warn("dhcp if=%s: over capacity: shed %u request(s) older than %lld ms "
                         "unanswered (oldest %lld ms; %u similar lines suppressed)",
                         f->name, shed, (long long)srv->dc->max_request_age_ms,
                         (long long)oldest_ms, sup);
}

/* Brings the inventory snapshot up to date before a batch's decisions; a
 * failed reload keeps the last good one (and says so, rate-limited). */
static void refresh_inventory(struct dhcp_server *srv)
{
        if (dhcp_inventory_refresh(srv->inv) == 0)
                return;
        uint32_t sup;
        if (log_ratelimit_ok(&srv->rl_inv, loop_now_ms(srv->loop), 1, 60, &sup))
                log_error("dhcp: cannot reload the inventory, deciding with the last one read: %s",
                          store_errmsg(srv->store));
}

/* Drains the socket (recvmmsg, up to DRAIN_MAX datagrams handled; stale
 * ones shed on the way cost no slot, up to SHED_MAX per turn), handles
 * each, then commits and sends the turn's replies together. */
#define SHED_MAX (8 * DRAIN_MAX)
static void on_readable(struct dhcp_server *srv, struct iface *f, int fd, bool boot_server)
{
        struct rx *rx = &srv->rx;
        int64_t max_age_ns = srv->dc->max_request_age_ms * 1000000;
        unsigned shed = 0;
        int64_t oldest_ns = 0;
        refresh_inventory(srv);
        follow_leases(srv, false);
        for (int total = 0; total + RECV_BATCH <= DRAIN_MAX && shed < SHED_MAX;) {
                for (int i = 0; i < RECV_BATCH; i++) {
                        rx->iov[i] =
                            (struct iovec){.iov_base = rx->buf[i], .iov_len = sizeof(rx->buf[i])};
                        rx->mv[i] =
                            (struct mmsghdr){.msg_hdr = {.msg_name = &rx->peer[i],
                                                         .msg_namelen = sizeof(rx->peer[i]),
                                                         .msg_iov = &rx->iov[i],
                                                         .msg_iovlen = 1,
                                                         .msg_control = rx->cbuf[i],
                                                         .msg_controllen = sizeof(rx->cbuf[i])}};
                }
                int n = recvmmsg(fd, rx->mv, RECV_BATCH, MSG_DONTWAIT, NULL);
                if (n <= 0)
                        break;
                int64_t now_ns = max_age_ns ? realtime_ns() : 0;
                for (int i = 0; i < n; i++) {
                        struct msghdr *mh = &rx->mv[i].msg_hdr;
                        size_t len = rx->mv[i].msg_len;
                        int64_t rx_ns;
                        int ifindex = arrival_info(mh, &rx_ns);
                        if (max_age_ns && rx_ns && now_ns - rx_ns > max_age_ns) {
                                shed++;
                                if (now_ns - rx_ns > oldest_ns)
                                        oldest_ns = now_ns - rx_ns;
                                continue;
                        }
                        total++;
                        /* SO_BINDTODEVICE already filters; belt and braces. */
                        if (ifindex && ifindex != f->ifindex)
                                continue;
                        if (mh->msg_flags & MSG_TRUNC || len > DHCP_PACKET_MAX) {
                                char peer_s[32];
                                snprintf(peer_s, sizeof(peer_s), "%s:%u",
                                         inet_ntoa(rx->peer[i].sin_addr),
                                         ntohs(rx->peer[i].sin_port));
                                bad_packet(srv, peer_s, f, "packet too large");
                                continue;
                        }
                        handle(srv, f, boot_server, rx->buf[i], len, &rx->peer[i]);
                }
                if (n < RECV_BATCH)
                        break;
                /* More to read: the OFFERs decided so far need no commit and
                 * do not wait for the rest of the turn. */
                send_pending(srv, false);
        }
        report_shed(srv, f, shed, oldest_ns / 1000000);
        flush_batch(srv);
}

static void on_fd(struct loop *l, int fd, uint32_t events, void *data)
{
        struct iface *f = data;
        on_readable(f->srv, f, fd, fd == f->fd[1]);
}

/* ---- expiry ---- */

static void expired_cb(void *ctx, const struct lease *l)
{
        persist_add(ctx, l);
}

static void on_expire(struct loop *l, void *data)
{
        struct dhcp_server *srv = data;
        size_t n = dhcp_alloc_expire(srv->alloc, store_now_ms(), expired_cb, srv);
        if (n)
                log_debug("dhcp: %zu lease(s) expired", n);
        commit(srv);
        loop_timer_arm(l, &srv->expire_timer, loop_now_ms(l) + EXPIRE_EVERY_MS);
}

static int load_leases(struct dhcp_server *srv)
{
        struct lease *ls;
        size_t n, loaded = 0;
        int r = store_lease_list(srv->store, &ls, &n);
        if (r < 0) {
                log_error("dhcp: cannot read leases: %s", store_errmsg(srv->store));
                return r;
        }
        for (size_t i = 0; i < n; i++)
                if (dhcp_alloc_load(srv->alloc, &ls[i]) == 0)
                        loaded++;
        free(ls);
        if (n)
                log_info("dhcp: %zu lease(s) loaded (%zu outside the configured subnets kept "
                         "aside)",
                         loaded, n - loaded);
        return 0;
}

/* ---- start / stop ---- */

int dhcp_server_start(struct loop *l, const struct dhcp_config *dc,
                      const struct boot_endpoints_conf *ep, struct store *s, struct boot_events *ev,
                      struct dhcp_server **ret)
{
        if (dc->mode == DHCP_MODE_OFF) {
                *ret = NULL;
                return 0;
        }
        char err[DHCP_CONFIG_ERR_MAX];
        if (dhcp_config_check(dc, err) < 0) {
                log_error("dhcp: %s", err);
                return -EINVAL;
        }
        struct dhcp_server *srv = calloc(1, sizeof(*srv));
        if (!srv)
                return -ENOMEM;
        srv->loop = l;
        srv->dc = dc;
        srv->store = s;
        srv->ev = ev;
        loop_timer_init(&srv->expire_timer, on_expire, srv);
        int r = dhcp_alloc_new(&srv->alloc);
        if (r >= 0)
                r = boot_endpoints_table_new(ep, &srv->endpoints);
        if (r >= 0)
                r = dhcp_inventory_new(s, &srv->inv);
        if (r >= 0)
                r = boot_fallback_new(dc->snponly_fallback_s * 1000, s, &srv->fb);
        if (r >= 0)
                r = dhcp_iface_find(srv);
        srv->shared = strcmp(store_backend_name(s), "sqlite") != 0;
        if (r >= 0 && dc->mode == DHCP_MODE_SERVER && (r = dhcp_iface_pools(srv)) >= 0)
                r = load_leases(srv);
        if (r >= 0 && dc->mode == DHCP_MODE_SERVER) {
                follow_leases(srv, true); /* from the start: the cursor catches up */
                /* Servers on one pool: each searches from its own point. */
                uint32_t seed = srv->n_ifaces ? srv->ifaces[0].addr : 0;
                if (srv->shared)
                        dhcp_alloc_spread(srv->alloc, seed ^ ((uint32_t)getpid() * 2654435761u));
        } else
                srv->shared = false; /* proxy mode: no leases */
        for (size_t i = 0; r >= 0 && i < srv->n_ifaces; i++)
                r = dhcp_iface_endpoints(srv, &srv->ifaces[i]);
        if (r >= 0)
                r = dhcp_iface_open(srv, on_fd);
        if (r >= 0 && dc->mode == DHCP_MODE_SERVER)
                r = loop_timer_arm(l, &srv->expire_timer, loop_now_ms(l) + 1000);
        if (r < 0) {
                dhcp_server_stop(srv);
                return r;
        }
        *ret = srv;
        return 0;
}

void dhcp_server_stop(struct dhcp_server *srv)
{
        if (!srv)
                return;
        flush_batch(srv);
        loop_timer_disarm(srv->loop, &srv->expire_timer);
        for (size_t i = 0; i < srv->n_ifaces; i++)
                for (int k = 0; k < 2; k++)
                        if (srv->ifaces[i].fd[k] >= 0) {
                                loop_del_fd(srv->loop, srv->ifaces[i].fd[k]);
                                close(srv->ifaces[i].fd[k]);
                        }
        dhcp_alloc_free(srv->alloc);
        dhcp_inventory_free(srv->inv);
        boot_fallback_free(srv->fb);
        boot_endpoints_table_free(srv->endpoints);
        free(srv);
}
