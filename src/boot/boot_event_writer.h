/* The boot-event writer: a thread with its own store connection that
 * drains the boot-event queue (boot_events.h), so the DHCP/TFTP event loop
 * never stalls behind an event transaction (PROFILE.md in bench/dhcp: the
 * flush of 128 events held a DISCOVER for 5-7 ms, 8 times a second at
 * 1,000 DORA/s).  Events were asynchronous before too (they reach the store
 * within about a second): nothing they promise changes.
 *
 * Started after serve's privilege drop and confinement, like every thread. */
#pragma once

#include <stdint.h>

#include "boot/boot_events.h"
#include "store/store.h"

struct boot_event_writer;

/* Takes over s (closed by _stop) and starts the thread.  0 or a negative
 * errno (s is then closed too). */
int boot_event_writer_start(struct boot_events *q, struct store *s, int64_t retention,
                            struct boot_event_writer **ret);
/* Writes what is queued, stops and joins the thread.  NULL is fine. */
void boot_event_writer_stop(struct boot_event_writer *w);
