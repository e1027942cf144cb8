/* The inventory as the boot path reads it: a small read-only interface
 * (function pointers + context) with three questions — the machine with
 * this MAC, the image with this name, the owner of this reserved IPv4
 * address — plus the script generation that cached answers are checked
 * against.
 *
 * Providers: the store (boot_inventory_store.h, one per store connection:
 * HTTP worker threads, the TFTP loop), the DHCP server's in-memory snapshot
 * (dhcp/dhcp_inventory.h), and later a "last good snapshot" that keeps
 * known machines booting while a shared database is down.  Consumers:
 * boot_resolve() (scripts and configurations) and the DHCP allocator
 * (reservations).  No consumer knows which provider it has; none knows SQL.
 *
 * Records are borrowed: a machine or image returned stays valid until the
 * next call of the same getter or until boot_inventory_end(), whichever
 * comes first.  Getters return 0, -ENOENT (no such record) or another
 * negative errno when the provider cannot answer (boot_inventory_errmsg()
 * says why). */
#pragma once

#include <errno.h>
#include <stdint.h>

#include "core/mac.h"
#include "store/store.h"

struct boot_inventory_ops {
        int (*machine)(void *ctx, const struct mac *mac, const struct machine **ret);
        int (*image)(void *ctx, const char *name, const struct image **ret);
        int (*reservation)(void *ctx, uint32_t ip, struct mac *ret_owner);
        /* A number that changes whenever anything a boot script is rendered
         * from changes; NULL when the provider has none (nothing cached). */
        int (*generation)(void *ctx, int64_t *ret);
        /* Optional: the reads up to end() see one consistent state. */
        void (*begin)(void *ctx);
        /* Releases borrowed records and any read snapshot.  Optional. */
        void (*end)(void *ctx);
        const char *(*errmsg)(void *ctx);
};

struct boot_inventory {
        const struct boot_inventory_ops *ops;
        void *ctx;
};

static inline int boot_inventory_machine(const struct boot_inventory *inv, const struct mac *mac,
                                         const struct machine **ret)
{
        return inv->ops->machine(inv->ctx, mac, ret);
}

static inline int boot_inventory_image(const struct boot_inventory *inv, const char *name,
                                       const struct image **ret)
{
        return inv->ops->image(inv->ctx, name, ret);
}

/* 0 and the owner's MAC when ip is some machine's reservation, -ENOENT when
 * not, another negative errno when unknown (the allocator then treats the
 * address as reserved: a failing inventory never double-assigns). */
static inline int boot_inventory_reservation(const struct boot_inventory *inv, uint32_t ip,
                                             struct mac *ret_owner)
{
        return inv->ops->reservation(inv->ctx, ip, ret_owner);
}

static inline int boot_inventory_generation(const struct boot_inventory *inv, int64_t *ret)
{
        return inv->ops->generation ? inv->ops->generation(inv->ctx, ret) : -EOPNOTSUPP;
}

static inline void boot_inventory_begin(const struct boot_inventory *inv)
{
        if (inv->ops->begin)
                inv->ops->begin(inv->ctx);
}

static inline void boot_inventory_end(const struct boot_inventory *inv)
{
        if (inv->ops->end)
                inv->ops->end(inv->ctx);
}

static inline const char *boot_inventory_errmsg(const struct boot_inventory *inv)
{
        return inv->ops->errmsg ? inv->ops->errmsg(inv->ctx) : "inventory unavailable";
}
