/* DHCP server internals shared by its two files (not for other modules):
 *
 *   dhcp_server.c  requests: receive, decide (dhcp_policy), persist, send;
 *                  expiry; start and stop
 *   dhcp_iface.c   the interfaces: finding them, their pools, boot URLs and
 *                  sockets, and where a reply to a client on one goes
 *
 * Everything runs on the event loop's thread. */
#pragma once

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "boot/boot_endpoints.h"
#include "boot/boot_events.h"
#include "boot/boot_fallback.h"
#include "core/log.h"
#include "core/loop.h"
#include "dhcp/dhcp_alloc.h"
#include "dhcp/dhcp_config.h"
#include "dhcp/dhcp_inventory.h"
#include "dhcp/dhcp_policy.h"
#include "dhcp/dhcp_wire.h"
#include "store/store.h"

#define DHCP_PORT_SERVER      67
#define DHCP_PORT_CLIENT      68
#define DHCP_PORT_BOOT_SERVER 4011
#define DRAIN_MAX             128 /* datagrams per socket per loop turn (one commit) */
#define REPLY_MAX             1500

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
        int fd;            /* -1: nothing to send */
        bool needs_commit; /* an ACK: sent only once its lease is stored */
        struct sockaddr_in dst;
        size_t len;
        uint8_t buf[REPLY_MAX];
        /* Shared database (dhcp_server.shared), ACKs only: the persist[]
         * record the database must give this client (-1: none), and what
         * it takes to NAK the client instead if it does not. */
        int claim;
        struct iface *f;
        bool boot_server;
        struct sockaddr_in peer;
        size_t req_len;
        uint8_t req[DHCP_PACKET_MAX];
};

#define RECV_BATCH 32
_Static_assert(DRAIN_MAX % RECV_BATCH == 0, "a turn never exceeds DRAIN_MAX datagrams");

struct rx {
        struct mmsghdr mv[RECV_BATCH];
        struct iovec iov[RECV_BATCH];
        struct sockaddr_in peer[RECV_BATCH];
        /* IP_PKTINFO and SO_TIMESTAMPNS (the kernel's receive time) */
        char cbuf[RECV_BATCH]
                 [CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(struct timespec))];
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
        struct boot_fallback *fb; /* snponly.efi -> ipxe.efi per MAC (boot/boot_fallback.h) */
        struct iface ifaces[DHCP_IFACES_MAX];
        size_t n_ifaces;
        /* per pool: the effective subnet (index = allocator pool index) */
        struct dhcp_subnet subnets[DHCP_SUBNETS_MAX + 1];
        size_t n_subnets;
        struct loop_timer expire_timer;
        struct log_ratelimit rl_bad, rl_full, rl_takeover, rl_store, rl_inv, rl_follow, rl_shed;
        /* Several servers on one database (not SQLite): leases are claimed
         * (store_lease_claim_many), and the others' writes followed from
         * lease_cursor (store_lease_changes) at most every FOLLOW_EVERY_MS. */
        bool shared;
        int64_t lease_cursor, followed_ms;
        uint32_t jumps; /* lost claims so far: reseeds dhcp_alloc_spread */
        struct dhcp_packet pkt;
        struct dhcp_decision dec;
        struct pending pend[DRAIN_MAX];
        size_t n_pend;
        struct lease persist[DRAIN_MAX * DHCP_ALLOC_OUT_MAX];
        bool claimed[DRAIN_MAX * DHCP_ALLOC_OUT_MAX];
        size_t n_persist;
        struct rx rx;
};

/* ---- dhcp_iface.c ---- */

/* Finds each wanted interface's IPv4 address (inside [dhcp] subnet when
 * set).  0 or -ENODEV (logged). */
int dhcp_iface_find(struct dhcp_server *srv);
/* Server mode: the allocator's pools ([dhcp] subnet, then each [subnet
 * NAME]) and each interface's pool.  0 or a negative errno (logged). */
int dhcp_iface_pools(struct dhcp_server *srv);
/* The interface's boot URLs, on the address clients reach us at there. */
int dhcp_iface_endpoints(struct dhcp_server *srv, struct iface *f);
/* Opens the interfaces' sockets (port 67, and 4011 in proxy mode) and
 * watches them with on_fd (data: the struct iface).  Logs what it serves. */
int dhcp_iface_open(struct dhcp_server *srv, loop_fd_cb on_fd);
/* Where a reply goes (RFC 2131 §4.1, PXE 2.1 §2.2.6 for port 4011). */
void dhcp_iface_destination(const struct iface *f, bool boot_server, const struct dhcp_packet *req,
                            const struct dhcp_out *o, const struct sockaddr_in *peer,
                            struct sockaddr_in *dst);
