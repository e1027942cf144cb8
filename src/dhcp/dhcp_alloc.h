/* Address allocation: pools, reservations, lease state, quarantine.
 *
 * In-memory lease table (the store keeps the durable copy; the server loads
 * it at start and persists every change this module reports).  Pure: no
 * I/O, time injected (wall-clock ms, the store's unit).  Reservations come
 * from the read-only inventory it is given (boot/boot_inventory.h); the
 * DHCP server gives it its in-memory snapshot (dhcp_inventory.h), so
 * allocating never reads the store.
 *
 * The one invariant: an address is never held by two clients.  A holder is
 * a bound lease (until it ends), an outstanding offer (until the hold ends),
 * a declined address (until its quarantine ends), or a reservation for
 * another MAC.  Released and expired leases are free for anyone, yet each
 * remembers its client so that client gets its old address back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_inventory.h"
#include "core/mac.h"
#include "store/store.h"

#define DHCP_KEY_MAX LEASE_CLIENT_ID_MAX

/* How a client is known: option 61 if sent (RFC 2131 §4.2), else its MAC. */
struct dhcp_client_key {
        uint8_t b[DHCP_KEY_MAX];
        uint8_t len;
};

/* client_id NULL (or len 0) = use 0x01 + MAC.  Identifiers longer than
 * DHCP_KEY_MAX keep their first bytes plus a hash of the whole. */
void dhcp_client_key_make(struct dhcp_client_key *k, const uint8_t *client_id, size_t id_len,
                          const struct mac *mac);

struct dhcp_alloc;

int dhcp_alloc_new(struct dhcp_alloc **ret);
void dhcp_alloc_free(struct dhcp_alloc *a);

#define DHCP_POOL_EXCLUDE_MAX 4

/* Adds a subnet.  first/last = dynamic range (0/0: reservations only);
 * exclude = addresses never handed out (the server's, the router's).
 * Returns the pool index or a negative errno. */
int dhcp_alloc_add_pool(struct dhcp_alloc *a, const char *name, uint32_t network, uint32_t mask,
                        uint32_t first, uint32_t last, const uint32_t *exclude, size_t n_exclude);
/* Index of the pool named name, or -ENOENT. */
int dhcp_alloc_pool_find(const struct dhcp_alloc *a, const char *name);
/* Index of the pool whose network contains ip, or -ENOENT. */
int dhcp_alloc_pool_of(const struct dhcp_alloc *a, uint32_t ip);

/* Loads a stored lease at start-up.  -ENOENT when its subnet is not
 * configured any more (the row is left alone), -EEXIST for a duplicate. */
int dhcp_alloc_load(struct dhcp_alloc *a, const struct lease *l);

/* Several servers on one database: the lease as the database holds it now
 * (another server's write, or the row that beat this server's claim)
 * replaces this table's entry for its address, except that an outstanding
 * offer of this server stands against a row that holds nothing (offers are
 * not stored).  -ENOENT when its subnet is not configured here. */
int dhcp_alloc_apply(struct dhcp_alloc *a, const struct lease *l, int64_t now);

/* Several servers on one pool: each starts its search for a free address
 * at a point of each range derived from seed (its address and process), and wraps,
 * so that servers choosing at the same time rarely choose the same
 * address (which would cost one of the clients a NAK).  Called again
 * (another seed), the search jumps there and makes a full lap from it.
 * Without it the search starts at the range's start. */
void dhcp_alloc_spread(struct dhcp_alloc *a, uint32_t seed);

size_t dhcp_alloc_count(const struct dhcp_alloc *a);

/* Lookups.  Returned pointers are valid until the next change. */
const struct lease *dhcp_alloc_find_ip(const struct dhcp_alloc *a, uint32_t ip);
const struct lease *dhcp_alloc_find_client(const struct dhcp_alloc *a, int pool,
                                           const struct dhcp_client_key *k);

/* May ip be handed to this client now?  (Inside the pool's subnet, not
 * excluded, inside the range unless reserved for mac, no other holder.) */
bool dhcp_alloc_available(struct dhcp_alloc *a, int pool, uint32_t ip,
                          const struct dhcp_client_key *k, const struct mac *mac, int64_t now,
                          const struct boot_inventory *inv);

/* Chooses an address for a DISCOVER: the machine's reservation, else the
 * client's current or last address, else the requested one (option 50),
 * else a free one from the range.  -ENOSPC when nothing is free. */
int dhcp_alloc_pick(struct dhcp_alloc *a, int pool, const struct dhcp_client_key *k,
                    const struct mac *mac, uint32_t reserved_ip, uint32_t requested, int64_t now,
                    const struct boot_inventory *inv, uint32_t *ret_ip);

/* The pool has no free address (dhcp_alloc_pick gave -ENOSPC): takes back
 * an outstanding offer made at least min_age_ms ago to another client that
 * has not asked for it since (a forged chaddr of a DISCOVER flood, or a
 * client that went away) and returns its address, free now for k; 0 when
 * there is none.  A real client requests within a second or two, so its
 * offer is not taken; a lease that was asked for is never taken.  Does at
 * most one lap of the range per second when nothing can be taken. */
uint32_t dhcp_alloc_take_offer(struct dhcp_alloc *a, int pool, const struct dhcp_client_key *k,
                               const struct mac *mac, int64_t now, int64_t min_age_ms,
                               const struct boot_inventory *inv);

/* Changes.  Each returns the records to persist (at most 2) in out[]; an
 * offer changes nothing durable and returns none. */
#define DHCP_ALLOC_OUT_MAX 2

struct dhcp_alloc_change {
        struct lease rec[DHCP_ALLOC_OUT_MAX];
        size_t n;
};

/* Holds ip for the client until now + hold_ms (a bound lease of the same
 * client stays bound).  -EEXIST when someone else holds it. */
int dhcp_alloc_offer(struct dhcp_alloc *a, int pool, uint32_t ip, const struct dhcp_client_key *k,
                     const struct mac *mac, int64_t now, int64_t hold_ms,
                     const struct boot_inventory *inv);
/* Binds ip to the client until now + lease_ms.  A different address the
 * client held in this pool is released.  -EEXIST when not available. */
int dhcp_alloc_bind(struct dhcp_alloc *a, int pool, uint32_t ip, const struct dhcp_client_key *k,
                    const struct mac *mac, const char *hostname, int64_t now, int64_t lease_ms,
                    const struct boot_inventory *inv, struct dhcp_alloc_change *ret);
/* The client gives ip back (RELEASE).  -ENOENT when it does not hold it. */
int dhcp_alloc_release(struct dhcp_alloc *a, uint32_t ip, const struct dhcp_client_key *k,
                       int64_t now, struct dhcp_alloc_change *ret);
/* The client found ip in use (DECLINE): quarantined until now +
 * quarantine_ms, and no longer the client's.  -ENOENT when the client
 * holds no lease or offer on ip. */
int dhcp_alloc_decline(struct dhcp_alloc *a, uint32_t ip, const struct dhcp_client_key *k,
                       int64_t now, int64_t quarantine_ms, struct dhcp_alloc_change *ret);

/* Bound leases whose end has passed become expired: cb is called with each
 * (to persist).  Returns how many. */
size_t dhcp_alloc_expire(struct dhcp_alloc *a, int64_t now,
                         void (*cb)(void *ctx, const struct lease *l), void *ctx);
