/* One boot contact as the servers record it and the store keeps it.  Plain
 * data in core (not in store.h) so pure modules such as boot_attempts can
 * read events without depending on the store. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/boot_outcome.h"
#include "core/mac.h"

#define BOOT_STAGE_MAX  16
#define BOOT_DETAIL_MAX 256
#define BOOT_PEER_MAX   48
#define BOOT_SERVER_MAX 64

struct boot_event {
        int64_t id;
        int64_t time; /* ms */
        struct mac mac;
        char stage[BOOT_STAGE_MAX]; /* dhcp, tftp, script, kernel, initrd, ... */
        char detail[BOOT_DETAIL_MAX];
        char peer[BOOT_PEER_MAX];
        char server[BOOT_SERVER_MAX];   /* that saw it; "" = this one (store_set_origin) */
        char outcome[BOOT_OUTCOME_MAX]; /* "" or "ok" = success, else a failure code */
        /* A transfer (xfer): bytes sent of a file of size, in duration_ms;
         * otherwise none of them is recorded. */
        bool xfer;
        int64_t bytes, size, duration_ms;
};
