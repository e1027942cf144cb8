/* Boot attempts: a machine's boot events grouped into the boots they were
 * part of (dhcp -> tftp -> script -> kernel -> initrd), with when each
 * started and ended, how far it got, what its transfers sent and the step
 * it failed at.  The one place these rules live: the CLI (machine show) and
 * the API (GET /machines/MAC/attempts, which the web page draws) both use it.
 *
 * Rules, on the events sorted oldest first (time, then id):
 *   - a new attempt starts on a pause of more than BOOT_ATTEMPT_GAP_MS
 *     after the previous event, or on a dhcp event once the attempt has a
 *     script, kernel or initrd event (the ROM's DHCP and TFTP and iPXE's own
 *     DHCP after it belong to one boot; a DHCP after the script is the next);
 *   - an attempt failed at its last failed step, unless a later step at the
 *     same stage or beyond worked (boot_outcome.h; a failed step of an
 *     unknown stage ranks as dhcp, an unknown stage's success clears none);
 *   - it reached the furthest stage any of its events is at.
 * Pure: no I/O, no store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/boot_event.h"
#include "core/boot_outcome.h"

struct boot_attempt {
        const struct boot_event *const *events; /* oldest first (into the caller's array) */
        size_t n_events;
        int64_t start, end;               /* ms: its first and last event */
        int reached;                      /* furthest stage rank; -1: only unknown stages */
        const struct boot_event *failure; /* the step it failed at; NULL: none failed */
        /* Per stage rank: whether an event is at it, and the bytes its
         * transfers sent (every transfer, retries included; xfer: any). */
        bool seen[BOOT_STAGES];
        bool xfer[BOOT_STAGES];
        int64_t bytes[BOOT_STAGES];
};

struct boot_attempts {
        struct boot_attempt *v; /* newest first */
        size_t n;
        const struct boot_event **order; /* every event, oldest first; v[].events point here */
};

/* Groups evs (one machine's events, any order; the store gives them newest
 * first).  *ret points into evs: keep evs until boot_attempts_free().
 * 0, or -ENOMEM (then *ret is empty). */
int boot_attempts_group(const struct boot_event *evs, size_t n, struct boot_attempts *ret);
void boot_attempts_free(struct boot_attempts *a);
