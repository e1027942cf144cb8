/* Cached inventory reads for the DHCP server; see dhcp_inventory.h.
 *
 * Two open-addressing tables (linear probing) whose slots are valid only
 * when their generation matches the table's: dropping the cache is one
 * increment (plus freeing the copied machine records). */
#include "dhcp/dhcp_inventory.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 65536u /* power of two; refilled from scratch at half full */

struct mslot {
        uint64_t key; /* MAC as an integer */
        uint32_t gen;
        bool loaded;       /* record looked up (m may still be NULL: unknown) */
        struct machine *m; /* copy, or NULL */
        uint64_t ev_sig;   /* last event reported */
        int64_t ev_ms;
};

struct rslot {
        uint32_t ip, gen;
        int r; /* 0 reserved, -ENOENT not */
        struct mac owner;
};

struct dhcp_inventory {
        struct store *s;
        int64_t data_version;
        uint32_t gen, rgen; /* machine / reservation table generations */
        size_t n_m, n_r;
        struct mslot *m;
        struct rslot *r;
};

static uint64_t mac_key(const struct mac *mac)
{
        uint64_t k = 0;
        for (int i = 0; i < MAC_LEN; i++)
                k = k << 8 | mac->b[i];
        return k;
}

static size_t hash64(uint64_t k)
{
        return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 40) & (SLOTS - 1);
}

static void drop_machines(struct dhcp_inventory *inv)
{
        for (size_t i = 0; i < SLOTS; i++)
                if (inv->m[i].gen == inv->gen && inv->m[i].m) {
                        machine_done(inv->m[i].m);
                        free(inv->m[i].m);
                        inv->m[i].m = NULL;
                }
        inv->gen++;
        inv->n_m = 0;
}

/* Never frees machine records: a caller may be holding one. */
static void drop_reservations(struct dhcp_inventory *inv)
{
        inv->rgen++;
        inv->n_r = 0;
}

static void drop_all(struct dhcp_inventory *inv)
{
        drop_machines(inv);
        drop_reservations(inv);
}

int dhcp_inventory_new(struct store *s, struct dhcp_inventory **ret)
{
        struct dhcp_inventory *inv = calloc(1, sizeof(*inv));
        if (!inv)
                return -ENOMEM;
        inv->s = s;
        inv->gen = inv->rgen = 1;
        inv->m = calloc(SLOTS, sizeof(*inv->m));
        inv->r = calloc(SLOTS, sizeof(*inv->r));
        if (!inv->m || !inv->r) {
                dhcp_inventory_free(inv);
                return -ENOMEM;
        }
        store_data_version(s, &inv->data_version);
        *ret = inv;
        return 0;
}

void dhcp_inventory_free(struct dhcp_inventory *inv)
{
        if (!inv)
                return;
        if (inv->m)
                drop_all(inv);
        free(inv->m);
        free(inv->r);
        free(inv);
}

void dhcp_inventory_refresh(struct dhcp_inventory *inv)
{
        int64_t v;
        /* On a read error, drop the cache too: better a fresh read. */
        if (store_data_version(inv->s, &v) < 0 || v != inv->data_version) {
                inv->data_version = v;
                drop_all(inv);
        }
}

static struct mslot *mslot_for(struct dhcp_inventory *inv, const struct mac *mac)
{
        uint64_t k = mac_key(mac);
        if (inv->n_m >= SLOTS / 2)
                drop_machines(inv);
        for (size_t i = hash64(k);; i = (i + 1) & (SLOTS - 1)) {
                struct mslot *sl = &inv->m[i];
                if (sl->gen != inv->gen) {
                        if (sl->m) { /* stale copy from an older generation */
                                machine_done(sl->m);
                                free(sl->m);
                        }
                        *sl = (struct mslot){.key = k, .gen = inv->gen};
                        inv->n_m++;
                        return sl;
                }
                if (sl->key == k)
                        return sl;
        }
}

const struct machine *dhcp_inventory_machine(struct dhcp_inventory *inv, const struct mac *mac)
{
        struct mslot *sl = mslot_for(inv, mac);
        if (sl->loaded)
                return sl->m;
        struct machine m;
        int r = store_machine_get(inv->s, mac, &m);
        if (r == -ENOENT) {
                sl->loaded = true;
                return NULL;
        }
        if (r < 0)
                return NULL; /* not cached: try again next time */
        sl->m = malloc(sizeof(*sl->m));
        if (!sl->m) {
                machine_done(&m);
                return NULL;
        }
        *sl->m = m;
        sl->loaded = true;
        return sl->m;
}

int dhcp_inventory_reserved(struct dhcp_inventory *inv, uint32_t ip, struct mac *ret_owner)
{
        if (inv->n_r >= SLOTS / 2)
                drop_reservations(inv);
        struct rslot *sl;
        size_t i = hash64(ip);
        for (;; i = (i + 1) & (SLOTS - 1)) {
                sl = &inv->r[i];
                if (sl->gen != inv->rgen || sl->ip == ip)
                        break;
        }
        if (sl->gen != inv->rgen) {
                struct mac owner = {{0}};
                int r = store_lease_reservation(inv->s, ip, &owner);
                if (r < 0 && r != -ENOENT)
                        return r; /* not cached */
                *sl = (struct rslot){.ip = ip, .gen = inv->rgen, .r = r, .owner = owner};
                inv->n_r++;
        }
        if (sl->r == 0)
                *ret_owner = sl->owner;
        return sl->r;
}

bool dhcp_inventory_event_due(struct dhcp_inventory *inv, const struct mac *mac, uint64_t sig,
                              int64_t now_ms, int64_t window_ms)
{
        struct mslot *sl = mslot_for(inv, mac);
        if (sl->ev_ms && sl->ev_sig == sig && now_ms - sl->ev_ms < window_ms)
                return false;
        sl->ev_sig = sig;
        sl->ev_ms = now_ms;
        return true;
}
