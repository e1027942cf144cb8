/* IPv6 Neighbor Discovery codec for router advertisements (RFC 4861 §4.1,
 * §4.2, §4.6): builds and parses Router Solicitations and Router
 * Advertisements, and checks the IP-level validity rules of §6.1.
 *
 * bootherd sends one kind of RA only: one that configures nothing (no
 * prefix, router lifetime 0, M = O = 0).  Its sole purpose is to end the
 * IPv6 autoconfiguration wait of iPXE builds that otherwise wait ~13 s for a
 * router before they go on booting over IPv4 (docs/dhcp.md).
 *
 * Pure: no sockets, no logging.  Every byte is read through core/cursor.h.
 * The ICMPv6 checksum is left 0 by the builders: for IPPROTO_ICMPV6 raw
 * sockets the kernel computes it (RFC 3542 §3.1), and the kernel verifies it
 * on receive before a packet reaches the parser. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RA_WIRE_TYPE_RS 133
#define RA_WIRE_TYPE_RA 134

#define RA_WIRE_RS_MIN 8  /* type, code, checksum, reserved */
#define RA_WIRE_RA_MIN 16 /* ... hop limit, flags, lifetime, reachable, retrans */

/* Option types we look at (RFC 4861 §4.6, RFC 8106, RFC 4191). */
#define RA_WIRE_OPT_SLLA   1
#define RA_WIRE_OPT_PREFIX 3
#define RA_WIRE_OPT_MTU    5

/* More options than this in one message is not a real router: refuse. */
#define RA_WIRE_MAX_OPTIONS 64

#define RA_WIRE_FLAG_MANAGED 0x80 /* M: addresses by DHCPv6 */
#define RA_WIRE_FLAG_OTHER   0x40 /* O: other configuration by DHCPv6 */

/* The decoded ICMPv6 body of an RS or an RA. */
struct ra_msg {
        uint8_t type; /* RA_WIRE_TYPE_RS or RA_WIRE_TYPE_RA */
        /* RA only (zero for an RS) */
        uint8_t cur_hop_limit;
        uint8_t flags; /* RA_WIRE_FLAG_* and the reserved bits as received */
        uint16_t router_lifetime_s;
        uint32_t reachable_ms, retrans_ms;
        /* options */
        bool has_slla; /* source link-layer address, Ethernet length (option length 1) */
        uint8_t slla[6];
        bool has_mtu;
        uint32_t mtu;
        unsigned n_prefixes;
        unsigned n_options;       /* every option, of any type */
        unsigned n_other_options; /* options other than source link-layer address */
};

/* What an RA built by ra_wire_build_ra() says. */
struct ra_params {
        uint8_t cur_hop_limit; /* 0 = unspecified */
        bool managed, other;
        uint16_t router_lifetime_s; /* 0 = not a default router (§4.2) */
        uint32_t reachable_ms, retrans_ms;
        const uint8_t *slla; /* 6-byte MAC, or NULL for no option */
};

/* Builds an RA into buf.  Returns 0 and the length in *ret_len, or -ENOBUFS
 * if cap is too small. */
int ra_wire_build_ra(const struct ra_params *p, void *buf, size_t cap, size_t *ret_len);

/* Builds an RS (with a source link-layer address option when slla is not
 * NULL).  Returns 0 and *ret_len, or -ENOBUFS. */
int ra_wire_build_rs(const uint8_t *slla, void *buf, size_t cap, size_t *ret_len);

/* Parses the ICMPv6 message in buf (from the ICMPv6 header on, as a raw
 * ICMPv6 socket delivers it) and applies the message-level checks of
 * RFC 4861 §6.1.1 / §6.1.2: type RS or RA, code 0, minimum length, every
 * option length non-zero and inside the message.  Returns 0 and fills *ret,
 * or -EBADMSG with a static reason in *ret_why (both outputs untouched on
 * the other path). */
int ra_wire_parse(const void *buf, size_t len, struct ra_msg *ret, const char **ret_why);

/* The IP-level checks of §6.1.1 / §6.1.2 for a parsed message: hop limit
 * 255 (proves the sender is on the link); an RA's source is link-local; an
 * RS from the unspecified address carries no link-layer address option.
 * Returns 0, or -EBADMSG with a static reason in *ret_why. */
int ra_wire_check_origin(const struct ra_msg *m, uint8_t hop_limit, const struct in6_addr *src,
                         const char **ret_why);

/* True when RA m configures nothing on a host that hears it: router
 * lifetime 0, M = O = 0 and no option but a source link-layer address.
 * That is what bootherd sends; another sender of the same is harmless
 * (e.g. a second bootherd on the link), unlike a real router. */
bool ra_wire_configures_nothing(const struct ra_msg *m);
