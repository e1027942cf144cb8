/* The TFTP server: sockets, timers and glue around tftp_wire (codec),
 * tftp_xfer (per-transfer state machine) and tftp_source (what a name
 * resolves to).
 *
 * One listen socket receives requests; each accepted read gets its own
 * ephemeral socket (its TID, RFC 1350 section 4), bound to the address the
 * request came in on and connected to the client, plus a timer embedded in
 * the transfer (no thread per transfer).  A window is read with one pread
 * into a buffer shared by all transfers and sent with one sendmmsg.  Limits:
 * concurrent transfers in total and per client address; beyond them the
 * client gets an ERROR saying so.  Every transfer is logged once when it
 * ends; a fetched first-stage binary or dynamic file is reported as boot
 * stage "tftp" (peer address -> MAC through the lease table). */
#pragma once

#include <stdint.h>

#include "boot/boot_events.h"
#include "core/config.h"
#include "core/loop.h"
#include "store/store.h"

struct tftp_server;

/* Starts serving per c's [tftp] section on loop l.  s: the loop thread's
 * store handle (may be NULL: dynamic files then answer as for unknown
 * machines and no MAC lookups happen); ev: where boot stages go (may be
 * NULL).  c, s and ev must outlive the server.  When [tftp] enabled is
 * false or listen is empty: *ret = NULL and 0.  Errors (negative errno, logged): the listen
 * address cannot be bound. */
int tftp_server_start(struct loop *l, const struct config *c, struct store *s,
                      struct boot_events *ev, struct tftp_server **ret);

/* Ends every transfer (logged as "shutdown") and closes the sockets.
 * NULL is fine. */
void tftp_server_stop(struct tftp_server *srv);

/* Counters (for /metrics and tests). */
struct tftp_server_stats {
        uint64_t transfers_ok, transfers_failed, probes, refused, bytes;
        uint32_t active;
};
void tftp_server_stats(const struct tftp_server *srv, struct tftp_server_stats *ret);
