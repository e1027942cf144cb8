/* IPv6 router solicitation / advertisement codec; see ra_wire.h. */
#include "ra/ra_wire.h"

#include <errno.h>
#include <string.h>

#include "core/cursor.h"

int ra_wire_build_ra(const struct ra_params *p, void *buf, size_t cap, size_t *ret_len)
{
        struct wcursor w = wcursor_init(buf, cap);
        uint8_t flags = (uint8_t)((p->managed ? RA_WIRE_FLAG_MANAGED : 0) |
                                  (p->other ? RA_WIRE_FLAG_OTHER : 0));
        wcursor_u8(&w, RA_WIRE_TYPE_RA);
        wcursor_u8(&w, 0);   /* code */
        wcursor_be16(&w, 0); /* checksum: the kernel fills it */
        wcursor_u8(&w, p->cur_hop_limit);
        wcursor_u8(&w, flags); /* M, O, then reserved bits (must be 0) */
        wcursor_be16(&w, p->router_lifetime_s);
        wcursor_be32(&w, p->reachable_ms);
        wcursor_be32(&w, p->retrans_ms);
        if (p->slla) {
                wcursor_u8(&w, RA_WIRE_OPT_SLLA);
                wcursor_u8(&w, 1); /* in units of 8 bytes */
                wcursor_bytes(&w, p->slla, 6);
        }
        if (w.overflow)
                return -ENOBUFS;
        *ret_len = w.used;
        return 0;
}

int ra_wire_build_rs(const uint8_t *slla, void *buf, size_t cap, size_t *ret_len)
{
        struct wcursor w = wcursor_init(buf, cap);
        wcursor_u8(&w, RA_WIRE_TYPE_RS);
        wcursor_u8(&w, 0);
        wcursor_be16(&w, 0);
        wcursor_be32(&w, 0); /* reserved */
        if (slla) {
                wcursor_u8(&w, RA_WIRE_OPT_SLLA);
                wcursor_u8(&w, 1);
                wcursor_bytes(&w, slla, 6);
        }
        if (w.overflow)
                return -ENOBUFS;
        *ret_len = w.used;
        return 0;
}

/* One option (type, length in 8-byte units, body): §4.6 says a length of 0
 * is invalid and the whole message must be dropped (§6.1.1). */
static int parse_option(struct cursor *c, struct ra_msg *m, const char **why)
{
        uint8_t type, units;
        struct cursor body;
        if (!cursor_u8(c, &type) || !cursor_u8(c, &units)) {
                *why = "truncated option header";
                return -EBADMSG;
        }
        if (units == 0) {
                *why = "option with length 0";
                return -EBADMSG;
        }
        if (!cursor_sub(c, (size_t)units * 8 - 2, &body)) {
                *why = "option overruns the message";
                return -EBADMSG;
        }
        m->n_options++;
        switch (type) {
        case RA_WIRE_OPT_SLLA:
                /* Ethernet's 6 bytes fill exactly one unit; other link types
                 * are counted but not decoded. */
                if (units == 1) {
                        m->has_slla = true;
                        memcpy(m->slla, body.p, 6);
                        return 0;
                }
                break;
        case RA_WIRE_OPT_PREFIX:
                m->n_prefixes++;
                break;
        case RA_WIRE_OPT_MTU: {
                uint16_t reserved;
                if (units == 1 && cursor_be16(&body, &reserved) && cursor_be32(&body, &m->mtu))
                        m->has_mtu = true;
                break;
        }
        default:
                break; /* unknown options are skipped (§4.6) */
        }
        m->n_other_options++;
        return 0;
}

int ra_wire_parse(const void *buf, size_t len, struct ra_msg *ret, const char **ret_why)
{
        struct cursor c = cursor_init(buf, len);
        struct ra_msg m = {0};
        uint8_t code, flags = 0, hop = 0;
        uint16_t checksum, lifetime = 0;
        uint32_t reserved, reachable = 0, retrans = 0;
        const char *why = NULL;

        if (!cursor_u8(&c, &m.type) || !cursor_u8(&c, &code) || !cursor_be16(&c, &checksum)) {
                why = "shorter than an ICMPv6 header";
                goto bad;
        }
        if (m.type != RA_WIRE_TYPE_RS && m.type != RA_WIRE_TYPE_RA) {
                why = "not a router solicitation or advertisement";
                goto bad;
        }
        if (code != 0) {
                why = "ICMPv6 code is not 0";
                goto bad;
        }
        if (m.type == RA_WIRE_TYPE_RS) {
                if (!cursor_be32(&c, &reserved)) {
                        why = "router solicitation shorter than 8 bytes";
                        goto bad;
                }
        } else if (!cursor_u8(&c, &hop) || !cursor_u8(&c, &flags) || !cursor_be16(&c, &lifetime) ||
                   !cursor_be32(&c, &reachable) || !cursor_be32(&c, &retrans)) {
                why = "router advertisement shorter than 16 bytes";
                goto bad;
        }
        m.cur_hop_limit = hop;
        m.flags = flags;
        m.router_lifetime_s = lifetime;
        m.reachable_ms = reachable;
        m.retrans_ms = retrans;
        while (c.left > 0) {
                if (m.n_options >= RA_WIRE_MAX_OPTIONS) {
                        why = "too many options";
                        goto bad;
                }
                if (parse_option(&c, &m, &why) < 0)
                        goto bad;
        }
        *ret = m;
        return 0;
bad:
        *ret_why = why;
        return -EBADMSG;
}

int ra_wire_check_origin(const struct ra_msg *m, uint8_t hop_limit, const struct in6_addr *src,
                         const char **ret_why)
{
        /* §6.1.1 / §6.1.2: a router on the link sends with hop limit 255;
         * anything less was forwarded from elsewhere. */
        if (hop_limit != 255) {
                *ret_why = "hop limit is not 255";
                return -EBADMSG;
        }
        if (m->type == RA_WIRE_TYPE_RA && !IN6_IS_ADDR_LINKLOCAL(src)) {
                *ret_why = "router advertisement from a non-link-local address";
                return -EBADMSG;
        }
        if (m->type == RA_WIRE_TYPE_RS && IN6_IS_ADDR_UNSPECIFIED(src) && m->has_slla) {
                *ret_why = "solicitation from :: with a link-layer address option";
                return -EBADMSG;
        }
        return 0;
}

bool ra_wire_configures_nothing(const struct ra_msg *m)
{
        return m->type == RA_WIRE_TYPE_RA && m->router_lifetime_s == 0 &&
               (m->flags & (RA_WIRE_FLAG_MANAGED | RA_WIRE_FLAG_OTHER)) == 0 &&
               m->n_other_options == 0;
}
