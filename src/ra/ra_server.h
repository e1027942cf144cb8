/* The router-advertisement sender: ends the IPv6 autoconfiguration wait of
 * iPXE (Debian's 2019 build waits ~13 s for a router after DHCPv4 on every
 * start unless a router advertisement appears on the link).
 *
 * On each configured interface ([ra] interfaces, else the interfaces DHCP
 * serves) it sends an RA that configures nothing (no prefix, router
 * lifetime 0, M = O = 0) to ff02::1 from the interface's link-local
 * address: in answer to each Router Solicitation (after RFC 4861 §6.2.6's
 * random 0–0.5 s delay, at most one per 3 s) and unsolicited every
 * 0.33–1 × [ra] interval_s (§6.2.4; the first three at most 16 s apart).
 * When it hears another router's RA on an interface it stops sending
 * there for good (that router already ends the wait, and our M = O = 0
 * could override its flags on Linux hosts) and logs it once.
 *
 * Needs CAP_NET_RAW for the ICMPv6 raw sockets, opened here before
 * privileges are dropped.  Every set-up failure (no permission, no IPv6 on
 * an interface) is one log line; the daemon keeps serving without RAs. */
#pragma once

#include <stdint.h>

#include <stdbool.h>
#include <stddef.h>

#include "core/loop.h"
#include "ra/ra_config.h"

struct ra_server;

/* Where to advertise when [ra] interfaces is empty: the interfaces DHCP
 * serves (names; none given and dhcp_on: every interface that is up with
 * an IPv4 address, except loopback; DHCP off: nowhere). */
struct ra_fallback {
        const char *const *names;
        size_t n;
        bool dhcp_on;
        bool dhcp_server; /* [dhcp] mode = server: [ra] enabled = auto means on */
};

/* Starts sending on the chosen interfaces when ra_config_enabled().  Disabled, or
 * nothing usable: *ret = NULL and 0 (the reason logged).  Returns a
 * negative errno only for programming/resource errors (ENOMEM, loop
 * registration). */
int ra_server_start(struct loop *l, const struct ra_config *c, const struct ra_fallback *fb,
                    struct ra_server **ret);
void ra_server_stop(struct ra_server *srv); /* NULL ok */
