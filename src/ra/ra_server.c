/* Router-advertisement sender: sockets, timers and glue; see ra_server.h.
 * One ICMPv6 raw socket per interface (SO_BINDTODEVICE), so a solicitation
 * is answered only on the link it came from and nothing is ever sent on an
 * interface that is not configured. */
#include "ra/ra_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "ra/ra_wire.h"

#define RA_IFACES_MAX CONFIG_IFLIST_MAX

/* RFC 4861 §10 router constants. */
#define MAX_INITIAL_RTR_ADVERT_INTERVAL_MS 16000
#define MAX_INITIAL_RTR_ADVERTISEMENTS     3
#define MAX_RA_DELAY_TIME_MS               500
#define MIN_DELAY_BETWEEN_RAS_MS           3000

#define RETRY_FIRST_MS 1000  /* a failed send (no link-local address yet): retry, doubling */
#define SETTLE_MS      10000 /* failures this soon after start-up are expected (DAD) */

struct ra_server;

struct ra_iface {
        struct ra_server *srv;
        char name[IF_NAMESIZE];
        unsigned ifindex;
        int fd;
        bool stopped;      /* another router is on this link */
        bool peer_logged;  /* another configure-nothing sender was logged */
        bool send_failing; /* a failure was logged (one line per failure episode) */
        unsigned sent;     /* successful multicast RAs (initial ones are capped) */
        int64_t last_mcast_ms;
        int64_t retry_ms; /* current back-off after a failed send, 0 = none */
        struct loop_timer periodic;
        struct loop_timer reply; /* a solicited RA waiting out its random delay */
        struct log_ratelimit rl, rl_rs;
};

struct ra_server {
        struct loop *loop;
        int64_t started_ms;
        int64_t max_ms, min_ms; /* MaxRtrAdvInterval, MinRtrAdvInterval */
        uint8_t pkt[16];
        size_t pkt_len;
        struct ra_iface ifaces[RA_IFACES_MAX];
        size_t n_ifaces;
};

/* Uniform in [lo, hi] ms.  Only desynchronises timers: quality is moot. */
static int64_t rand_between(int64_t lo, int64_t hi)
{
        uint32_t x;
        if (hi <= lo)
                return lo;
        if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != sizeof(x))
                x = (uint32_t)rand();
        return lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
}

static const char *addr6(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
        return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

/* ---- sending ---- */

static void arm_periodic(struct ra_iface *f, int64_t now)
{
        struct ra_server *srv = f->srv;
        int64_t next = rand_between(srv->min_ms, srv->max_ms);
        /* §6.2.4: the first few unsolicited RAs go out sooner, so hosts
         * that missed one (or came up with us) hear one soon. */
        if (f->sent < MAX_INITIAL_RTR_ADVERTISEMENTS && next > MAX_INITIAL_RTR_ADVERT_INTERVAL_MS)
                next = MAX_INITIAL_RTR_ADVERT_INTERVAL_MS;
        loop_timer_arm(srv->loop, &f->periodic, now + next);
}

/* Sends the RA to ff02::1 on f.  On failure (typically no usable link-local
 * address yet: DAD still running, or IPv6 off on the link) logs once per
 * episode and retries with a doubling delay up to the periodic interval. */
static void send_ra(struct ra_iface *f)
{
        struct ra_server *srv = f->srv;
        int64_t now = loop_now_ms(srv->loop);
        struct sockaddr_in6 dst = {.sin6_family = AF_INET6, .sin6_scope_id = f->ifindex};
        inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
        loop_timer_disarm(srv->loop, &f->reply);
        if (sendto(f->fd, srv->pkt, srv->pkt_len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
                /* Right after the link comes up its link-local address is
                 * still tentative (duplicate address detection, ~1-2 s):
                 * expected, so only a failure that lasts is worth a warning. */
                bool settling = errno == EADDRNOTAVAIL && now - srv->started_ms < SETTLE_MS;
                if (settling)
                        log_debug("ra iface=%s: no usable link-local address yet (duplicate "
                                  "address detection?); retrying",
                                  f->name);
                else if (!f->send_failing) {
                        log_warn("ra iface=%s: cannot send a router advertisement: %s (no IPv6 "
                                 "link-local address?); retrying",
                                 f->name, strerror(errno));
                        f->send_failing = true;
                }
                f->retry_ms = f->retry_ms ? f->retry_ms * 2 : RETRY_FIRST_MS;
                if (f->retry_ms > srv->max_ms)
                        f->retry_ms = srv->max_ms;
                loop_timer_arm(srv->loop, &f->periodic, now + f->retry_ms);
                return;
        }
        if (f->send_failing)
                log_info("ra iface=%s: sending router advertisements again", f->name);
        f->send_failing = false;
        f->retry_ms = 0;
        f->sent++;
        f->last_mcast_ms = now;
        /* §6.2.6: a multicast answer also restarts the interval timer. */
        arm_periodic(f, now);
}

static void on_periodic(struct loop *l, void *data)
{
        send_ra(data);
}

static void on_reply(struct loop *l, void *data)
{
        send_ra(data);
}

/* §6.2.6: answer after a random 0–MAX_RA_DELAY_TIME delay, multicast, and
 * no sooner than MIN_DELAY_BETWEEN_RAS after the last multicast RA; one RA
 * answers every solicitation that arrives while it waits. */
static void schedule_reply(struct ra_iface *f)
{
        struct loop *l = f->srv->loop;
        if (loop_timer_armed(&f->reply))
                return;
        int64_t now = loop_now_ms(l);
        int64_t due = now + rand_between(0, MAX_RA_DELAY_TIME_MS);
        if (f->sent && due < f->last_mcast_ms + MIN_DELAY_BETWEEN_RAS_MS)
                due = f->last_mcast_ms + MIN_DELAY_BETWEEN_RAS_MS;
        loop_timer_arm(l, &f->reply, due);
}

/* ---- receiving ---- */

static void iface_close(struct ra_iface *f)
{
        if (f->fd < 0)
                return;
        loop_timer_disarm(f->srv->loop, &f->periodic);
        loop_timer_disarm(f->srv->loop, &f->reply);
        loop_del_fd(f->srv->loop, f->fd);
        close(f->fd);
        f->fd = -1;
}

/* Another sender's RA on f's link. */
static void foreign_ra(struct ra_iface *f, const struct ra_msg *m, const struct in6_addr *src)
{
        char a[INET6_ADDRSTRLEN];
        if (ra_wire_configures_nothing(m)) {
                /* Same kind as ours (a second bootherd?): harmless, keep going. */
                if (!f->peer_logged)
                        log_info("ra iface=%s: %s also sends router advertisements that "
                                 "configure nothing; both keep sending",
                                 f->name, addr6(src, a));
                f->peer_logged = true;
                return;
        }
        log_warn("ra iface=%s: router advertisement from %s (lifetime %u s, M=%d O=%d, "
                 "%u prefix(es)): an IPv6 router serves this link; stopped sending router "
                 "advertisements on %s",
                 f->name, addr6(src, a), m->router_lifetime_s, !!(m->flags & RA_WIRE_FLAG_MANAGED),
                 !!(m->flags & RA_WIRE_FLAG_OTHER), m->n_prefixes, f->name);
        f->stopped = true;
        iface_close(f);
}

/* The hop limit (IPV6_HOPLIMIT) and arrival interface (IPV6_PKTINFO). */
static void read_cmsgs(struct msghdr *mh, int *hop, unsigned *ifindex)
{
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
                if (cm->cmsg_level != IPPROTO_IPV6)
                        continue;
                if (cm->cmsg_type == IPV6_HOPLIMIT && cm->cmsg_len >= CMSG_LEN(sizeof(int)))
                        memcpy(hop, CMSG_DATA(cm), sizeof(int));
                else if (cm->cmsg_type == IPV6_PKTINFO &&
                         cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
                        struct in6_pktinfo pi;
                        memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
                        *ifindex = pi.ipi6_ifindex;
                }
        }
}

static void drop(struct ra_iface *f, const struct in6_addr *src, const char *why)
{
        char a[INET6_ADDRSTRLEN];
        uint32_t sup;
        if (log_ratelimit_ok(&f->rl, loop_now_ms(f->srv->loop), 1, 5, &sup))
                log_debug("ra iface=%s peer=%s: dropped: %s (%u more suppressed)", f->name,
                          addr6(src, a), why, sup);
}

static void handle_one(struct ra_iface *f, const uint8_t *buf, size_t n, int flags,
                       const struct sockaddr_in6 *from, int hop, unsigned ifindex)
{
        struct ra_msg m;
        const char *why = "truncated";
        if ((flags & MSG_TRUNC) || ra_wire_parse(buf, n, &m, &why) < 0)
                return drop(f, &from->sin6_addr, why);
        if (ifindex && ifindex != f->ifindex)
                return; /* SO_BINDTODEVICE already filters; belt and braces */
        if (hop < 0 || hop > 255 ||
            ra_wire_check_origin(&m, (uint8_t)hop, &from->sin6_addr, &why) < 0)
                return drop(f, &from->sin6_addr, hop < 0 ? "no hop limit" : why);
        if (m.type == RA_WIRE_TYPE_RA)
                return foreign_ra(f, &m, &from->sin6_addr);
        char a[INET6_ADDRSTRLEN];
        uint32_t sup;
        if (log_ratelimit_ok(&f->rl_rs, loop_now_ms(f->srv->loop), 1, 10, &sup))
                log_debug("ra iface=%s peer=%s: router solicitation, answering", f->name,
                          addr6(&from->sin6_addr, a));
        schedule_reply(f);
}

static void on_readable(struct loop *l, int fd, uint32_t events, void *data)
{
        struct ra_iface *f = data;
        for (int budget = 64; budget > 0 && f->fd >= 0; budget--) {
                uint8_t buf[2048];
                union {
                        struct cmsghdr align;
                        uint8_t b[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
                } cbuf;
                struct sockaddr_in6 from = {0};
                struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
                struct msghdr mh = {.msg_name = &from,
                                    .msg_namelen = sizeof(from),
                                    .msg_iov = &iov,
                                    .msg_iovlen = 1,
                                    .msg_control = cbuf.b,
                                    .msg_controllen = sizeof(cbuf.b)};
                ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
                if (n < 0)
                        return; /* EAGAIN, or an error the next read reports again */
                int hop = -1;
                unsigned ifindex = 0;
                read_cmsgs(&mh, &hop, &ifindex);
                handle_one(f, buf, (size_t)n, mh.msg_flags, &from, hop, ifindex);
        }
}

/* ---- set-up ---- */

static int sockopts(int fd, const char *name, unsigned ifindex, const char **what)
{
        const int on = 1, off = 0, hops = 255;
        struct icmp6_filter filt;
        struct ipv6_mreq mreq = {.ipv6mr_interface = ifindex};
        inet_pton(AF_INET6, "ff02::2", &mreq.ipv6mr_multiaddr);
        ICMP6_FILTER_SETBLOCKALL(&filt);
        ICMP6_FILTER_SETPASS(RA_WIRE_TYPE_RS, &filt);
        ICMP6_FILTER_SETPASS(RA_WIRE_TYPE_RA, &filt); /* to hear other routers */
        /* RFC 4861 §6.1.2: hosts drop an RA whose hop limit is not 255. */
        if ((*what = "SO_BINDTODEVICE",
             setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name))) < 0 ||
            (*what = "ICMP6_FILTER",
             setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt))) < 0 ||
            (*what = "IPV6_MULTICAST_HOPS",
             setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops))) < 0 ||
            (*what = "IPV6_UNICAST_HOPS",
             setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops))) < 0 ||
            (*what = "IPV6_MULTICAST_IF",
             setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex))) < 0 ||
            (*what = "IPV6_MULTICAST_LOOP",
             setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off))) < 0 ||
            (*what = "IPV6_RECVHOPLIMIT",
             setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on))) < 0 ||
            (*what = "IPV6_RECVPKTINFO",
             setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on))) < 0 ||
            /* Solicitations go to ff02::2, all-routers (§6.3.7). */
            (*what = "joining ff02::2",
             setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq))) < 0)
                return -errno;
        return 0;
}

/* True when sysctl net.ipv6.conf.NAME.disable_ipv6 is 1: the kernel then
 * has no link-local address there and refuses every send. */
static bool ipv6_disabled(const char *name)
{
        char path[96], v = '0';
        snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
        FILE *fp = fopen(path, "re");
        if (!fp)
                return false; /* no such file: the socket calls will tell */
        if (fread(&v, 1, 1, fp) != 1)
                v = '0';
        fclose(fp);
        return v == '1';
}

/* Opens f's socket.  Returns 0, -EPERM/-EACCES (no CAP_NET_RAW: the caller
 * gives up on every interface), or another negative errno after logging why
 * this interface is skipped. */
static int iface_open(struct ra_server *srv, struct ra_iface *f)
{
        const char *what = "socket";
        f->ifindex = if_nametoindex(f->name);
        if (!f->ifindex) {
                log_error("ra iface=%s: no such interface; no router advertisements there",
                          f->name);
                return -ENODEV;
        }
        if (ipv6_disabled(f->name)) {
                log_error("ra iface=%s: IPv6 is disabled on it (net.ipv6.conf.%s.disable_ipv6 = "
                          "1); no router advertisements there",
                          f->name, f->name);
                return -EAFNOSUPPORT;
        }
        f->fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        int r = f->fd < 0 ? -errno : sockopts(f->fd, f->name, f->ifindex, &what);
        if (r == -EPERM || r == -EACCES)
                return r;
        if (r < 0) {
                log_error("ra iface=%s: %s: %s (IPv6 disabled on it?); no router advertisements "
                          "there",
                          f->name, what, strerror(-r));
                return r;
        }
        loop_timer_init(&f->periodic, on_periodic, f);
        loop_timer_init(&f->reply, on_reply, f);
        if ((r = loop_add_fd(srv->loop, f->fd, EPOLLIN, on_readable, f)) < 0)
                return r;
        /* The first RA goes out at once: a host already waiting hears it. */
        return loop_timer_arm(srv->loop, &f->periodic, loop_now_ms(srv->loop));
}

static bool has_iface(const struct ra_server *srv, const char *name)
{
        for (size_t i = 0; i < srv->n_ifaces; i++)
                if (strcmp(srv->ifaces[i].name, name) == 0)
                        return true;
        return false;
}

static void add_iface(struct ra_server *srv, const char *name, size_t len)
{
        if (len == 0 || len >= IF_NAMESIZE || srv->n_ifaces >= RA_IFACES_MAX)
                return;
        char tmp[IF_NAMESIZE];
        memcpy(tmp, name, len);
        tmp[len] = '\0';
        if (has_iface(srv, tmp))
                return;
        struct ra_iface *f = &srv->ifaces[srv->n_ifaces++];
        memcpy(f->name, tmp, len + 1);
        f->fd = -1;
        f->srv = srv;
}

/* The interfaces to advertise on: [ra] interfaces; else [dhcp] interface;
 * else, when DHCP is on, the ones it serves (every interface that is up
 * with an IPv4 address, except lo).  Returns the count. */
static size_t choose_ifaces(struct ra_server *srv, const struct ra_config *c,
                            const struct ra_fallback *fb)
{
        for (const char *s = c->interfaces; *s;) {
                size_t len = strcspn(s, " \t,");
                add_iface(srv, s, len);
                s += len;
                s += strspn(s, " \t,");
        }
        if (srv->n_ifaces || *c->interfaces)
                return srv->n_ifaces;
        for (size_t i = 0; i < fb->n; i++)
                add_iface(srv, fb->names[i], strlen(fb->names[i]));
        if (srv->n_ifaces || !fb->dhcp_on)
                return srv->n_ifaces;
        struct ifaddrs *ifa0;
        if (getifaddrs(&ifa0) < 0)
                return 0;
        for (struct ifaddrs *ifa = ifa0; ifa; ifa = ifa->ifa_next)
                if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET &&
                    (ifa->ifa_flags & IFF_UP) && !(ifa->ifa_flags & IFF_LOOPBACK))
                        add_iface(srv, ifa->ifa_name, strlen(ifa->ifa_name));
        freeifaddrs(ifa0);
        return srv->n_ifaces;
}

static void log_started(const struct ra_server *srv)
{
        char names[RA_IFACES_MAX * (IF_NAMESIZE + 1) + 1] = "";
        size_t used = 0;
        for (size_t i = 0; i < srv->n_ifaces; i++)
                if (srv->ifaces[i].fd >= 0)
                        used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
                                                 used ? " " : "", srv->ifaces[i].name);
        log_info("ra: router advertisements (no prefix, router lifetime 0, M=O=0) on %s: on "
                 "solicitation and every %lld-%lld s",
                 names, (long long)(srv->min_ms / 1000), (long long)(srv->max_ms / 1000));
}

/* §6.2.1: MinRtrAdvInterval defaults to 0.33 × Max, and lies between 3 s
 * and 0.75 × Max (config keeps Max >= 4 s). */
static int64_t min_interval_ms(int64_t max_ms)
{
        int64_t min = max_ms / 3;
        if (min < 3000)
                min = max_ms * 3 / 4 < 3000 ? max_ms * 3 / 4 : 3000;
        return min;
}

int ra_server_start(struct loop *l, const struct ra_config *c, const struct ra_fallback *fb,
                    struct ra_server **ret)
{
        *ret = NULL;
        if (!ra_config_enabled(c, fb->dhcp_server))
                return 0;
        struct ra_server *srv = calloc(1, sizeof(*srv));
        if (!srv)
                return -ENOMEM;
        srv->loop = l;
        srv->started_ms = loop_now_ms(l);
        srv->max_ms = c->interval_s * 1000;
        srv->min_ms = min_interval_ms(srv->max_ms);
        const struct ra_params p = {0}; /* configures nothing: see ra_wire.h */
        int r = ra_wire_build_ra(&p, srv->pkt, sizeof(srv->pkt), &srv->pkt_len);
        if (r < 0 || choose_ifaces(srv, c, fb) == 0) {
                if (r == 0)
                        log_error("ra: no interface to send router advertisements on (set [ra] "
                                  "interfaces); router advertisements are off");
                ra_server_stop(srv);
                return r;
        }
        size_t open = 0;
        for (size_t i = 0; i < srv->n_ifaces; i++) {
                r = iface_open(srv, &srv->ifaces[i]);
                if (r == -EPERM || r == -EACCES) {
                        log_error("ra: cannot open an ICMPv6 raw socket: %s (needs CAP_NET_RAW); "
                                  "router advertisements are off",
                                  strerror(-r));
                        ra_server_stop(srv);
                        return 0;
                }
                if (r == -ENOMEM) {
                        ra_server_stop(srv);
                        return r;
                }
                if (r < 0)
                        iface_close(&srv->ifaces[i]);
                else
                        open++;
        }
        if (open == 0) {
                ra_server_stop(srv);
                return 0;
        }
        log_started(srv);
        *ret = srv;
        return 0;
}

void ra_server_stop(struct ra_server *srv)
{
        if (!srv)
                return;
        for (size_t i = 0; i < srv->n_ifaces; i++)
                iface_close(&srv->ifaces[i]);
        free(srv);
}
