/* The DHCP server: sockets and glue.  Receives on port 67 (and 4011 in
 * proxy mode) on the configured interfaces only, decodes, asks the policy,
 * persists lease changes, sends, and reports each contact as a boot event.
 *
 * Durability: the lease changes of one loop turn are committed in one
 * transaction (group commit) before any ACK of that turn is sent; with
 * [dhcp] durability = fsync the commit is also fsynced. */
#pragma once

#include "boot/boot_events.h"
#include "core/config.h"
#include "core/loop.h"
#include "store/store.h"

struct dhcp_server;

/* Starts the server in c->dhcp.mode.  Mode off: *ret = NULL, returns 0.
 * s is the loop thread's store handle; ev receives stage "dhcp" events.
 * Opens its sockets here (before privileges are dropped). */
int dhcp_server_start(struct loop *l, const struct config *c, struct store *s,
                      struct boot_events *ev, struct dhcp_server **ret);
void dhcp_server_stop(struct dhcp_server *srv); /* NULL ok */

struct dhcp_server_stats {
        uint64_t received, malformed, replies, acks, naks, silent, store_errors;
};
void dhcp_server_stats(const struct dhcp_server *srv, struct dhcp_server_stats *ret);
