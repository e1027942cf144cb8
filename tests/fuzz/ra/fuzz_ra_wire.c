/* libFuzzer target: the router solicitation / advertisement parser.  The
 * first input byte is the IPv6 hop limit and the next 16 the source address
 * (what the kernel tells the server beside the ICMPv6 body); the rest is the
 * ICMPv6 message.  Checks the decoded invariants and that rebuilding an RA
 * from the decoded fields parses back to the same fields. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ra/ra_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 17)
                return 0;
        uint8_t hop = data[0];
        struct in6_addr src;
        memcpy(&src, data + 1, 16);
        data += 17;
        size -= 17;

        struct ra_msg m;
        const char *why = NULL;
        if (ra_wire_parse(data, size, &m, &why) < 0) {
                assert(why);
                return 0;
        }
        assert(m.type == RA_WIRE_TYPE_RS || m.type == RA_WIRE_TYPE_RA);
        assert(m.n_options <= RA_WIRE_MAX_OPTIONS);
        assert(m.n_other_options <= m.n_options && m.n_prefixes <= m.n_other_options);
        assert((size_t)m.n_options * 8 + (m.type == RA_WIRE_TYPE_RA ? 16 : 8) <= size);
        why = NULL;
        if (ra_wire_check_origin(&m, hop, &src, &why) < 0)
                assert(why);
        if (ra_wire_configures_nothing(&m))
                assert(m.type == RA_WIRE_TYPE_RA && m.router_lifetime_s == 0);

        if (m.type != RA_WIRE_TYPE_RA)
                return 0;
        const struct ra_params p = {.cur_hop_limit = m.cur_hop_limit,
                                    .managed = m.flags & RA_WIRE_FLAG_MANAGED,
                                    .other = m.flags & RA_WIRE_FLAG_OTHER,
                                    .router_lifetime_s = m.router_lifetime_s,
                                    .reachable_ms = m.reachable_ms,
                                    .retrans_ms = m.retrans_ms,
                                    .slla = m.has_slla ? m.slla : NULL};
        uint8_t buf[32];
        size_t len;
        struct ra_msg back;
        assert(ra_wire_build_ra(&p, buf, sizeof(buf), &len) == 0);
        assert(ra_wire_parse(buf, len, &back, &why) == 0);
        assert(back.router_lifetime_s == m.router_lifetime_s);
        assert(back.reachable_ms == m.reachable_ms && back.retrans_ms == m.retrans_ms);
        assert(back.has_slla == m.has_slla);
        assert((back.flags & 0xc0) == (m.flags & 0xc0));
        return 0;
}
