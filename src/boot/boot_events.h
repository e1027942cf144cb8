/* Boot-event queue: every protocol thread reports contacts here; the main
 * loop writes them to the store in one transaction per batch (group
 * commit), so a boot storm costs about one commit a second, not one per
 * request: the consumer is woken at once after a quiet second, and while
 * events keep coming its 1 s periodic flush writes them (or a wake-up when
 * the queue is half full).
 *
 * Producers (HTTP worker threads, the DHCP/TFTP loop) call
 * boot_events_push(); the consumer watches boot_events_fd() and calls
 * boot_events_flush().  A full queue never blocks a producer: the event is
 * counted as dropped and the drop is logged at the next flush. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct boot_events;

int boot_events_new(size_t capacity, struct boot_events **ret);
void boot_events_free(struct boot_events *q);

/* eventfd that becomes readable when events are waiting. */
int boot_events_fd(const struct boot_events *q);

/* Copies the event (time 0 = now).  Thread-safe, never blocks on I/O. */
void boot_events_push(struct boot_events *q, const struct boot_event *ev);

/* Convenience: fills a boot_event from parts and pushes it. */
void boot_events_report(struct boot_events *q, const struct mac *mac, const char *stage,
                        const char *peer, const char *detail_fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A step's outcome (core/boot_outcome.h; NULL or "" = ok) and, for a
 * transfer (xfer), its bytes sent, file size and duration. */
struct boot_step {
        const char *outcome;
        bool xfer;
        int64_t bytes, size, duration_ms;
};

/* boot_events_report() with the step's outcome (step NULL = ok). */
void boot_events_report_step(struct boot_events *q, const struct mac *mac, const char *stage,
                             const char *peer, const struct boot_step *step, const char *detail_fmt,
                             ...) __attribute__((format(printf, 6, 7)));

/* Writes everything queued to the store (consumer thread only).  Returns
 * the number written or a negative errno; on a store error the batch is
 * retried at the next flush, never silently lost. */
int boot_events_flush(struct boot_events *q, struct store *s, int64_t retention);

/* The same, but writes at most max events (one transaction) and leaves the
 * fd readable while more are waiting: the event loop writes a boot storm's
 * events a chunk per turn, between its packets, instead of stalling them
 * for one long transaction.  Events still reach the store in order. */
int boot_events_flush_max(struct boot_events *q, struct store *s, int64_t retention, size_t max);

/* Counters for /metrics and the status API. */
uint64_t boot_events_dropped(const struct boot_events *q);
