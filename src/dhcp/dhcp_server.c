/* DHCP server glue; see dhcp_server.h.  The only DHCP file that touches
 * sockets, the store and the log. */
#include "dhcp/dhcp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/validate.h"
#include "dhcp/dhcp_alloc.h"
#include "dhcp/dhcp_inventory.h"
#include "dhcp/dhcp_policy.h"
#include "dhcp/dhcp_wire.h"

#define PORT_SERVER      67
#define PORT_CLIENT      68
#define PORT_BOOT_SERVER 4011
#define DRAIN_MAX        128 /* datagrams per socket per loop turn (one commit) */
#define RCVBUF_BYTES     (4 << 20)
#define OFFER_HOLD_MS    60000 /* an offer reserves its address this long */
#define EXPIRE_EVERY_MS  30000
#define REPLY_MAX        1500
#define IPXE_OPTION_MAX  255  /* iPXE and EDK2 read one instance of option 67 */
#define EVENT_WINDOW_MS  5000 /* one boot event per MAC and outcome in this window */

struct iface {
        struct dhcp_server *srv;
        char name[IF_NAMESIZE];
        int ifindex;
        uint32_t addr, network, mask;
        int pool;                        /* pool serving directly attached clients, -1 = none */
        int fd[2];                       /* port 67, port 4011 (proxy mode) */
        const struct boot_endpoints *ep; /* its boot URLs (dhcp_server.endpoints) */
};

struct pending {
        int fd;
        bool needs_commit; /* an ACK: sent only once its lease is stored */
        struct sockaddr_in dst;
        size_t len;
        uint8_t buf[REPLY_MAX];
};

#define RECV_BATCH 32
_Static_assert(DRAIN_MAX % RECV_BATCH == 0, "a turn never exceeds DRAIN_MAX datagrams");

struct rx {
        struct mmsghdr mv[RECV_BATCH];
        struct iovec iov[RECV_BATCH];
        struct sockaddr_in peer[RECV_BATCH];
        char cbuf[RECV_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
        uint8_t buf[RECV_BATCH][DHCP_PACKET_MAX + 1];
};

struct dhcp_server {
        struct loop *loop;
        const struct dhcp_config *dc;
        struct boot_endpoints_table *endpoints;
        struct store *store;
        struct boot_events *ev;
        struct dhcp_alloc *alloc;
        struct dhcp_inventory *inv;
        struct iface ifaces[DHCP_IFACES_MAX];
        size_t n_ifaces;
        /* per pool: the effective subnet (index = allocator pool index) */
        struct dhcp_subnet subnets[DHCP_SUBNETS_MAX + 1];
        size_t n_subnets;
        struct loop_timer expire_timer;
        struct log_ratelimit rl_bad, rl_full, rl_store, rl_inv;
        struct dhcp_packet pkt;
        struct dhcp_decision dec;
        struct pending pend[DRAIN_MAX];
        size_t n_pend;
        struct lease persist[DRAIN_MAX * DHCP_ALLOC_OUT_MAX];
        size_t n_persist;
        struct rx rx;
};

/* ---- set-up ---- */

static bool wanted(const struct dhcp_config *dc, const char *name)
{
        if (dc->n_interfaces == 0)
                return strcmp(name, "lo") != 0;
        for (size_t i = 0; i < dc->n_interfaces; i++)
                if (strcmp(dc->interfaces[i], name) == 0)
                        return true;
        return false;
}

static struct iface *iface_named(struct dhcp_server *srv, const char *name)
{
        for (size_t i = 0; i < srv->n_ifaces; i++)
                if (strcmp(srv->ifaces[i].name, name) == 0)
                        return &srv->ifaces[i];
        return NULL;
}

/* Finds each interface's IPv4 address (inside [dhcp] subnet when set). */
static int find_interfaces(struct dhcp_server *srv)
{
        struct ifaddrs *ifa0;
        if (getifaddrs(&ifa0) < 0)
                return -errno;
        const struct dhcp_subnet_conf *local = &srv->dc->local;
        for (struct ifaddrs *ifa = ifa0; ifa; ifa = ifa->ifa_next) {
                if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET || !ifa->ifa_netmask ||
                    !(ifa->ifa_flags & IFF_UP) || !wanted(srv->dc, ifa->ifa_name))
                        continue;
                uint32_t addr = ntohl(((struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr);
                uint32_t mask = ntohl(((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr.s_addr);
                struct iface *f = iface_named(srv, ifa->ifa_name);
                if (f) {
                        /* A second address: keep the one in the [dhcp] subnet. */
                        if (local->mask && (addr & local->mask) == local->network &&
                            (f->addr & local->mask) != local->network) {
                                f->addr = addr;
                                f->mask = mask;
                                f->network = addr & mask;
                        }
                        continue;
                }
                if (srv->n_ifaces >= DHCP_IFACES_MAX)
                        break;
                f = &srv->ifaces[srv->n_ifaces++];
                snprintf(f->name, sizeof(f->name), "%s", ifa->ifa_name);
                f->ifindex = (int)if_nametoindex(ifa->ifa_name);
                f->addr = addr;
                f->mask = mask;
                f->network = addr & mask;
                f->fd[0] = f->fd[1] = -1;
                f->pool = -1;
                f->srv = srv;
        }
        freeifaddrs(ifa0);
        for (size_t i = 0; i < srv->dc->n_interfaces; i++)
                if (!iface_named(srv, srv->dc->interfaces[i])) {
                        log_error("dhcp: interface %s: not found, down, or without an IPv4 "
                                  "address",
                                  srv->dc->interfaces[i]);
                        return -ENODEV;
                }
        if (srv->n_ifaces == 0) {
                log_error("dhcp: no interface with an IPv4 address to serve");
                return -ENODEV;
        }
        return 0;
}

/* The interface's boot URLs: on the address clients reach us at there. */
static int iface_endpoints(struct dhcp_server *srv, struct iface *f)
{
        struct boot_endpoints *tmp;
        uint32_t at = srv->dc->server_address ? srv->dc->server_address : f->addr;
        f->ep = boot_endpoints_get(srv->endpoints, at, &tmp);
        /* DHCP_IFACES_MAX < BOOT_ENDPOINTS_MAX: never a one-off set. */
        boot_endpoints_free(tmp);
        return f->ep && !tmp ? 0 : -ENOMEM;
}

static int add_subnet(struct dhcp_server *srv, const struct dhcp_subnet_conf *c, uint32_t network,
                      uint32_t mask, uint32_t server)
{
        uint32_t excl[2] = {server, c->router};
        int pool = dhcp_alloc_add_pool(srv->alloc, c->name, network, mask, c->range_first,
                                       c->range_last, excl, 2);
        if (pool < 0)
                return pool;
        srv->subnets[pool] = (struct dhcp_subnet){
            .pool = pool, .conf = c, .network = network, .mask = mask, .server_id = server};
        srv->n_subnets = (size_t)pool + 1;
        return pool;
}

/* The [dhcp] subnet (network from the config, or from the interface that
 * holds the range), then one pool per [subnet NAME]. */
static int setup_pools(struct dhcp_server *srv)
{
        const struct dhcp_config *dc = srv->dc;
        const struct dhcp_subnet_conf *local = &dc->local;
        uint32_t net = local->network, mask = local->mask, server = dc->server_address;
        struct iface *home = NULL;
        for (size_t i = 0; i < srv->n_ifaces && !home; i++) {
                struct iface *f = &srv->ifaces[i];
                uint32_t probe = local->range_first ? local->range_first : f->addr;
                if (mask ? (f->addr & mask) == net : (probe & f->mask) == f->network)
                        home = f;
        }
        if (!mask && home) {
                net = home->network;
                mask = home->mask;
        }
        if (mask && (local->range_first || !dc->n_subnets)) {
                if (local->range_first &&
                    ((local->range_first & mask) != net || (local->range_last & mask) != net)) {
                        log_error("dhcp: [dhcp] range is not inside the subnet %s",
                                  home ? home->name : "configured");
                        return -EINVAL;
                }
                int r = add_subnet(srv, local, net, mask, server ? server : home ? home->addr : 0);
                if (r < 0)
                        return r;
        } else if (local->range_first) {
                log_error("dhcp: no interface in the subnet of [dhcp] range (set [dhcp] subnet or "
                          "interface)");
                return -EINVAL;
        }
        for (size_t i = 0; i < dc->n_subnets; i++) {
                const struct dhcp_subnet_conf *c = &dc->subnets[i];
                int r = add_subnet(srv, c, c->network, c->mask, server);
                if (r < 0) {
                        log_error("dhcp: [subnet %s]: %s", c->name, strerror(-r));
                        return r;
                }
        }
        for (size_t i = 0; i < srv->n_ifaces; i++)
                srv->ifaces[i].pool = dhcp_alloc_pool_of(srv->alloc, srv->ifaces[i].addr);
        return 0;
}

static int open_socket(struct dhcp_server *srv, struct iface *f, uint16_t port)
{
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1, buf = RCVBUF_BYTES;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
        /* SO_BINDTODEVICE: one socket per interface, so a request is only
         * ever answered on the interface it came from, and none other. */
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
            setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, f->name, (socklen_t)strlen(f->name)) < 0 ||
            bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                log_error("dhcp: %s: cannot listen on UDP port %u: %s", f->name, port,
                          strerror(-r));
                close(fd);
                return r;
        }
        /* Room for a burst while a commit (fsync) runs. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
        (void)srv;
        return fd;
}

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

/* RFC 2131 §4.1: teach the kernel the client's MAC, so a unicast reply to
 * an address the client does not have yet reaches it without ARP. */
static bool arp_inject(const struct iface *f, uint32_t ip, const uint8_t *chaddr)
{
        struct arpreq req;
        memset(&req, 0, sizeof(req));
        struct sockaddr_in *pa = (struct sockaddr_in *)&req.arp_pa;
        pa->sin_family = AF_INET;
        pa->sin_addr.s_addr = htonl(ip);
        req.arp_ha.sa_family = ARPHRD_ETHER;
        memcpy(req.arp_ha.sa_data, chaddr, MAC_LEN);
        req.arp_flags = ATF_COM;
        snprintf(req.arp_dev, sizeof(req.arp_dev), "%s", f->name);
        return ioctl(f->fd[0], SIOCSARP, &req) == 0;
}

/* Where a reply goes (RFC 2131 §4.1, PXE 2.1 §2.2.6 for port 4011). */
static void destination(const struct iface *f, bool boot_server, const struct dhcp_packet *req,
                        const struct dhcp_out *o, const struct sockaddr_in *peer,
                        struct sockaddr_in *dst)
{
        memset(dst, 0, sizeof(*dst));
        dst->sin_family = AF_INET;
        uint32_t ip = INADDR_BROADCAST;
        uint16_t port = PORT_CLIENT;
        bool nak = o->msg_type == DHCP_NAK;
        if (boot_server && peer->sin_addr.s_addr) {
                *dst = *peer;
                return;
        }
        if (req->giaddr) {
                ip = req->giaddr;
                port = PORT_SERVER;
        } else if (nak) {
                ip = INADDR_BROADCAST;
        } else if (req->ciaddr) {
                ip = req->ciaddr;
        } else if (!(req->flags & DHCP_FLAG_BROADCAST) && o->yiaddr &&
                   arp_inject(f, o->yiaddr, req->chaddr)) {
                ip = o->yiaddr;
        }
        dst->sin_addr.s_addr = htonl(ip);
        dst->sin_port = htons(port);
}

/* ---- persistence (group commit) ---- */

static int commit(struct dhcp_server *srv)
{
        if (srv->n_persist == 0)
                return 0;
        bool full = srv->dc->durability == DHCP_DURABLE_FSYNC;
        if (full)
                store_set_fsync(srv->store, true);
        int r = store_lease_put_many(srv->store, srv->persist, srv->n_persist);
        if (full)
                store_set_fsync(srv->store, false);
        if (r < 0) {
                uint32_t sup;
                if (log_ratelimit_ok(&srv->rl_store, loop_now_ms(srv->loop), 1, 5, &sup))
                        log_error("dhcp: cannot store %zu lease(s), their ACKs are not sent: %s",
                                  srv->n_persist, store_errmsg(srv->store));
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
                if (p && p->needs_commit != acks)
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

/* End of a turn: replies that depend on no lease (OFFER, NAK, INFORM) go
 * at once; then the turn's lease changes are committed in one transaction
 * (group commit) and only then do the ACKs go.  An ACK is never sent for a
 * lease that is not stored. */
static void flush_batch(struct dhcp_server *srv)
{
        send_pending(srv, false);
        if (commit(srv) >= 0)
                send_pending(srv, true);
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
        if (d->action == DHCP_ACT_REPLY) {
                const char *base, *sep, *file;
                plan_file_parts(&d->plan, &base, &sep, &file);
                format_ipv4(d->out.yiaddr, ip);
                boot_events_report(srv->ev, mac, "dhcp", peer, "%s %s ip=%s file=%s%s%s",
                                   dhcp_msg_type_name(req->msg_type),
                                   boot_client_name(d->plan.client), ip, base, sep, file);
        } else {
                boot_events_report(srv->ev, mac, "dhcp", peer, "%s: %s",
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
            .boot = {.ep = f->ep, .files = (const char *const *)srv->dc->boot_files},
            .now = store_now_ms(),
            .offer_hold_ms = OFFER_HOLD_MS,
            .decline_quarantine_ms = srv->dc->decline_quarantine_s * 1000,
        };
        struct dhcp_decision *d = &srv->dec;
        dhcp_policy_decide(req, m, sn, &ctx, d);

        report(srv, &mac, peer_s, req, d);
        log_decision(srv, req, mac_s, peer_s, d);
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
        destination(f, boot_server, req, &d->out, peer, &p->dst);
        p->needs_commit = d->persist.n > 0;
        srv->n_pend++; /* sent after this turn's commit (flush_batch) */
}

/* The interface a datagram arrived on (IP_PKTINFO), or 0 if not told. */
static int arrival_ifindex(struct msghdr *mh)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                        struct in_pktinfo pi;
                        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                        return pi.ipi_ifindex;
                }
        return 0;
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

/* Drains the socket (recvmmsg, up to DRAIN_MAX datagrams), handles each,
 * then commits and sends the turn's replies together. */
static void on_readable(struct dhcp_server *srv, struct iface *f, int fd, bool boot_server)
{
        struct rx *rx = &srv->rx;
        refresh_inventory(srv);
        for (int total = 0; total < DRAIN_MAX;) {
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
                total += n;
                for (int i = 0; i < n; i++) {
                        struct msghdr *mh = &rx->mv[i].msg_hdr;
                        size_t len = rx->mv[i].msg_len;
                        int ifindex = arrival_ifindex(mh);
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
        }
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

static int start_sockets(struct dhcp_server *srv)
{
        for (size_t i = 0; i < srv->n_ifaces; i++) {
                struct iface *f = &srv->ifaces[i];
                int ports = srv->dc->mode == DHCP_MODE_PROXY ? 2 : 1;
                for (int k = 0; k < ports; k++) {
                        int fd = open_socket(srv, f, k ? PORT_BOOT_SERVER : PORT_SERVER);
                        if (fd < 0)
                                return fd;
                        f->fd[k] = fd;
                        int r = loop_add_fd(srv->loop, fd, EPOLLIN, on_fd, f);
                        if (r < 0)
                                return r;
                }
                char ip[16];
                format_ipv4(f->addr, ip);
                log_info("dhcp: %s on %s (%s), boot URL %s%s",
                         srv->dc->mode == DHCP_MODE_PROXY ? "proxyDHCP" : "serving", f->name, ip,
                         f->ep->http,
                         f->pool < 0 && srv->dc->mode == DHCP_MODE_SERVER
                             ? " (relayed subnets only)"
                             : "");
                /* pxe-facts: iPXE and EDK2's HTTP Boot read only the first
                 * instance of option 67 (no RFC 3396 concatenation). */
                if (f->ep->http_len + sizeof("/boot.ipxe") - 1 > IPXE_OPTION_MAX)
                        log_warn("dhcp: %s: the boot URL %s/boot.ipxe is %zu bytes: DHCP sends it "
                                 "whole (RFC 3396), but iPXE and UEFI HTTP Boot firmware read at "
                                 "most %d bytes of it; use a public_url of at most %zu characters "
                                 "for them",
                                 f->name, f->ep->http, f->ep->http_len + sizeof("/boot.ipxe") - 1,
                                 IPXE_OPTION_MAX, IPXE_OPTION_MAX - (sizeof("/boot.ipxe") - 1));
        }
        return 0;
}

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
                r = find_interfaces(srv);
        if (r >= 0 && dc->mode == DHCP_MODE_SERVER && (r = setup_pools(srv)) >= 0)
                r = load_leases(srv);
        for (size_t i = 0; r >= 0 && i < srv->n_ifaces; i++)
                r = iface_endpoints(srv, &srv->ifaces[i]);
        if (r >= 0)
                r = start_sockets(srv);
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
        boot_endpoints_table_free(srv->endpoints);
        free(srv);
}
