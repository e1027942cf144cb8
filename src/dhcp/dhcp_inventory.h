/* The DHCP server's inventory: an in-memory snapshot of the machines an
 * administrator manages (boot_file, netboot, hostname, reservation) by MAC,
 * and of reservations by address, served through the boot inventory
 * interface (boot/boot_inventory.h) to the policy and the allocator.
 *
 * dhcp_inventory_refresh(), called once per batch of packets before any
 * decision, reloads the snapshot when another connection (the API, the
 * CLI) has committed to the database (PRAGMA data_version), so an edit
 * takes effect at the next packet; this connection's own writes (leases,
 * boot events) never change a machine's admin fields.  Deciding then
 * never reads the store: a boot storm costs no inventory reads per packet,
 * and the allocator stays pure.  When a reload fails the last good
 * snapshot stays in use; before any snapshot was loaded, reservations are
 * "unknown" (the allocator then treats every address as reserved).
 *
 * A machine that was only discovered (no admin fields) is not in the
 * snapshot: for DHCP it is the same as an unknown MAC.  Images are not
 * kept (DHCP never renders); image() reads the store.
 *
 * It also remembers, per MAC, the last boot event reported, so that one
 * DHCP exchange (DISCOVER then REQUEST, same outcome) is one event. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_inventory.h"
#include "core/mac.h"
#include "store/store.h"

struct dhcp_inventory;

/* Loads the first snapshot (a failure is not fatal: see above). */
int dhcp_inventory_new(struct store *s, struct dhcp_inventory **ret);
void dhcp_inventory_free(struct dhcp_inventory *inv);

/* Reloads the snapshot if the database changed.  Call once per batch.
 * Returns 0, or a negative errno when a reload failed (store_errmsg()
 * says why; the previous snapshot stays). */
int dhcp_inventory_refresh(struct dhcp_inventory *inv);

/* The snapshot as a boot inventory (valid as long as inv). */
const struct boot_inventory *dhcp_inventory_view(struct dhcp_inventory *inv);

/* True when an event with signature sig for mac should be reported now:
 * the signature changed or window_ms passed since the last report. */
bool dhcp_inventory_event_due(struct dhcp_inventory *inv, const struct mac *mac, uint64_t sig,
                              int64_t now_ms, int64_t window_ms);
