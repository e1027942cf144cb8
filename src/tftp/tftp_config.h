/* The [tftp] section.  Registered with the configuration loader by the
 * composition root (cli/cli_config.c); the TFTP server reads it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"

struct tftp_config {
        bool enabled;
        struct config_listen listen; /* not set: TFTP off */
        char *root;                  /* confined root for files not in the boot-file map */
        int64_t max_blksize;
        int64_t max_windowsize;
        int64_t max_transfers;
        int64_t max_per_client;
        int64_t timeout_ms;       /* retransmission timeout ceiling */
        int64_t retries;          /* retransmissions without progress before giving up */
        int64_t grub_send_ahead;  /* blocks in flight for GRUB's lock-step TFTP; 0 = off */
        bool pxelinux_tftp_paths; /* pxelinux.cfg: /images/… paths instead of http URLs */
        struct config_section section;
};

/* Defaults, and c->section ready for config_register(). */
int tftp_config_init(struct tftp_config *c);
void tftp_config_done(struct tftp_config *c);
