/* The TFTP server: sockets, timers and glue around tftp_wire (codec),
 * tftp_xfer (per-transfer state machine), tftp_source (what a name
 * resolves to; dynamic files come from boot_resolve()).
 *
 * One listen socket receives requests; each accepted read gets its own
 * ephemeral socket (its TID, RFC 1350 section 4), bound to the address the
 * request came in on and connected to the client, plus a timer embedded in
 * the transfer (no thread per transfer).  A window is read with one pread
 * into a buffer shared by all transfers and sent with one sendmmsg or UDP
 * GSO send.  Limits: concurrent transfers in total and per client address;
 * beyond them the client gets an ERROR saying so.  Every transfer is
 * logged once when it ends; a fetched first-stage binary or dynamic file
 * is reported as boot stage "tftp" (peer address -> MAC through the lease
 * table).  Files: tftp_server.c (listener), tftp_conn.c (a transfer),
 * tftp_send.c (sending DATA). */
#pragma once

#include <stdint.h>

#include "boot/boot_endpoints.h"
#include "boot/boot_events.h"
#include "core/config.h"
#include "core/loop.h"
#include "store/store.h"
#include "tftp/tftp_config.h"

struct tftp_server;

/* Starts serving per tc on loop l.  c: the shared settings (boot-file map,
 * images root, [boot]); ep: the boot URLs' configuration (public_url, the
 * HTTP listener's port; the TFTP port is this server's own).  s: the loop
 * thread's store handle (may be NULL: dynamic files then answer as for
 * unknown machines and no MAC lookups happen); ev: where boot stages go
 * (may be NULL).  c, tc, s and ev must outlive the server.  When [tftp]
 * enabled is false or listen is empty: *ret = NULL and 0.  Errors
 * (negative errno, logged): the listen address cannot be bound. */
int tftp_server_start(struct loop *l, const struct config *c, const struct tftp_config *tc,
                      const struct boot_endpoints_conf *ep, struct store *s, struct boot_events *ev,
                      struct tftp_server **ret);

/* Ends every transfer (logged as "shutdown") and closes the sockets.
 * NULL is fine. */
void tftp_server_stop(struct tftp_server *srv);
