/* The [ra] section (router advertisements, ra_server.h).  Registered with
 * the configuration loader by the composition root (cli/cli_config.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"

struct ra_config {
        /* "auto" (the default: on when bootherd is the segment's DHCP
         * server, [dhcp] mode = server; off in proxy mode and with DHCP
         * off), or a boolean: true/yes/1, false/no/0. */
        char *enabled;
        char *interfaces;   /* space-separated names; empty = the interfaces DHCP serves */
        int64_t interval_s; /* MaxRtrAdvInterval (RFC 4861 §6.2.1) */
        struct config_section section;
};

/* Whether RAs are sent: [ra] enabled, "auto" decided by dhcp_server
 * (bootherd is the DHCP server of the segment, [dhcp] mode = server). */
bool ra_config_enabled(const struct ra_config *c, bool dhcp_server);

/* Defaults, and c->section ready for config_register(). */
int ra_config_init(struct ra_config *c);
void ra_config_done(struct ra_config *c);
