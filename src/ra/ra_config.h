/* The [ra] section (router advertisements, ra_server.h).  Registered with
 * the configuration loader by the composition root (cli/cli_config.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"

struct ra_config {
        bool enabled;
        char *interfaces;   /* space-separated names; empty = the interfaces DHCP serves */
        int64_t interval_s; /* MaxRtrAdvInterval (RFC 4861 §6.2.1) */
        struct config_section section;
};

/* Defaults, and c->section ready for config_register(). */
int ra_config_init(struct ra_config *c);
void ra_config_done(struct ra_config *c);
