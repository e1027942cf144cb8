/* The DHCP server: sockets and glue.  Receives on port 67 (and 4011 in
 * proxy mode) on the configured interfaces only, decodes, asks the policy,
 * persists lease changes, sends, and reports each contact as a boot event.
 *
 * Durability: the lease changes of one loop turn are committed in one
 * transaction (group commit) before any ACK of that turn is sent; with
 * [dhcp] durability = fsync the commit is also fsynced. */
#pragma once

#include "boot/boot_endpoints.h"
#include "boot/boot_events.h"
#include "core/loop.h"
#include "dhcp/dhcp_config.h"
#include "store/store.h"

struct dhcp_server;

/* Starts the server in dc->mode.  Mode off: *ret = NULL, returns 0.
 * ep: the boot URLs' configuration (public_url, the HTTP listener's port);
 * each interface gets the URLs of its address.  s is the loop thread's
 * store handle; ev receives stage "dhcp" events.  dc, s and ev must
 * outlive the server.  Opens its sockets here (before privileges are
 * dropped). */
int dhcp_server_start(struct loop *l, const struct dhcp_config *dc,
                      const struct boot_endpoints_conf *ep, struct store *s, struct boot_events *ev,
                      struct dhcp_server **ret);
void dhcp_server_stop(struct dhcp_server *srv); /* NULL ok */
