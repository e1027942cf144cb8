/* The DHCP server's view of the inventory: machine records (boot_file,
 * netboot, hostname, reservation) by MAC, and reservation owners by
 * address, read from the store and cached.
 *
 * The cache is dropped whenever another connection (the API, the CLI) has
 * committed to the database (PRAGMA data_version, checked once per batch of
 * packets), so an edit takes effect at the next packet; this connection's
 * own writes (leases, boot events) never change a machine's admin fields.
 * A boot storm then costs no inventory reads per packet.
 *
 * It also remembers, per MAC, the last boot event reported, so that one
 * DHCP exchange (DISCOVER then REQUEST, same outcome) is one event. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/mac.h"
#include "store/store.h"

struct dhcp_inventory;

int dhcp_inventory_new(struct store *s, struct dhcp_inventory **ret);
void dhcp_inventory_free(struct dhcp_inventory *inv);

/* Drops the cache if the database changed under us.  Call once per batch. */
void dhcp_inventory_refresh(struct dhcp_inventory *inv);

/* The machine record for mac, or NULL (unknown, or the store failed).
 * Valid until the next call into this module. */
const struct machine *dhcp_inventory_machine(struct dhcp_inventory *inv, const struct mac *mac);

/* 0 and the owner when ip is reserved, -ENOENT when not, another negative
 * errno when the store failed (dhcp_alloc treats that as reserved). */
int dhcp_inventory_reserved(struct dhcp_inventory *inv, uint32_t ip, struct mac *ret_owner);

/* True when an event with signature sig for mac should be reported now:
 * the signature changed or window_ms passed since the last report. */
bool dhcp_inventory_event_due(struct dhcp_inventory *inv, const struct mac *mac, uint64_t sig,
                              int64_t now_ms, int64_t window_ms);
