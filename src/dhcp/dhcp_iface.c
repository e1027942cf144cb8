/* The DHCP server's interfaces: finding them, their pools, boot URLs and
 * sockets, and where a reply to a client on one goes; see dhcp_iface.h. */
#include "dhcp/dhcp_iface.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/validate.h"

#define RCVBUF_BYTES    (4 << 20)
#define IPXE_OPTION_MAX 255 /* iPXE and EDK2 read one instance of option 67 */

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
int dhcp_iface_find(struct dhcp_server *srv)
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
int dhcp_iface_endpoints(struct dhcp_server *srv, struct iface *f)
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
int dhcp_iface_pools(struct dhcp_server *srv)
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
            /* receive times: a request's age in the socket (shedding) */
            setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0 ||
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

void dhcp_iface_destination(const struct iface *f, bool boot_server, const struct dhcp_packet *req,
                            const struct dhcp_out *o, const struct sockaddr_in *peer,
                            struct sockaddr_in *dst)
{
        memset(dst, 0, sizeof(*dst));
        dst->sin_family = AF_INET;
        uint32_t ip = INADDR_BROADCAST;
        uint16_t port = DHCP_PORT_CLIENT;
        bool nak = o->msg_type == DHCP_NAK;
        if (boot_server && peer->sin_addr.s_addr) {
                *dst = *peer;
                return;
        }
        if (req->giaddr) {
                ip = req->giaddr;
                port = DHCP_PORT_SERVER;
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

int dhcp_iface_open(struct dhcp_server *srv, loop_fd_cb on_fd)
{
        for (size_t i = 0; i < srv->n_ifaces; i++) {
                struct iface *f = &srv->ifaces[i];
                int ports = srv->dc->mode == DHCP_MODE_PROXY ? 2 : 1;
                for (int k = 0; k < ports; k++) {
                        int fd = open_socket(srv, f, k ? DHCP_PORT_BOOT_SERVER : DHCP_PORT_SERVER);
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
