/* The DHCP server's inventory snapshot; see dhcp_inventory.h.
 *
 * The snapshot is the store's list of managed machines plus two
 * open-addressing indexes (linear probing) into it, by MAC and by reserved
 * address, rebuilt together on each reload.  The event windows are a third
 * table, independent of reloads. */
#include "dhcp/dhcp_inventory.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EV_SLOTS 65536u /* power of two; cleared at half full */

struct snapshot {
        struct machine *ms; /* the store's lists, concatenated */
        size_t n;
        int32_t *by_mac, *by_ip; /* indexes into ms; -1 = free */
        size_t mask;             /* slots - 1 */
};

struct ev_slot {
        uint64_t key; /* mac_key(); 0 = free */
        uint64_t sig;
        int64_t ms;
};

struct dhcp_inventory {
        struct store *s;
        int64_t data_version;
        bool loaded; /* a snapshot was loaded at least once */
        struct snapshot snap;
        struct boot_inventory view;
        struct image img; /* the last image() answer, while have_img */
        bool have_img;
        struct ev_slot *ev;
        size_t n_ev;
};

static uint64_t mac_key(const struct mac *mac)
{
        uint64_t k = 0;
        for (int i = 0; i < MAC_LEN; i++)
                k = k << 8 | mac->b[i];
        return k | 1ull << 63; /* never 0 */
}

static size_t hash64(uint64_t k)
{
        return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 32);
}

static void snapshot_free(struct snapshot *sn)
{
        machine_list_free(sn->ms, sn->n);
        free(sn->by_mac);
        free(sn->by_ip);
        *sn = (struct snapshot){0};
}

/* Appends the managed machines in one state to *sn's list. */
static int load_state(struct store *s, enum machine_state st, struct snapshot *sn)
{
        struct machine_filter f = {.state = (int)st};
        struct machine *ms;
        size_t n;
        int r = store_machine_list(s, &f, &ms, &n, NULL);
        if (r < 0)
                return r;
        if (n == 0) {
                free(ms);
                return 0;
        }
        struct machine *all = realloc(sn->ms, (sn->n + n) * sizeof(*all));
        if (!all) {
                machine_list_free(ms, n);
                return -ENOMEM;
        }
        memcpy(all + sn->n, ms, n * sizeof(*ms));
        free(ms); /* the records' strings now belong to all */
        sn->ms = all;
        sn->n += n;
        return 0;
}

static int index_build(struct snapshot *sn)
{
        size_t slots = 16;
        while (slots < 2 * sn->n)
                slots *= 2;
        sn->by_mac = malloc(slots * sizeof(int32_t));
        sn->by_ip = malloc(slots * sizeof(int32_t));
        if (!sn->by_mac || !sn->by_ip)
                return -ENOMEM;
        memset(sn->by_mac, 0xff, slots * sizeof(int32_t));
        memset(sn->by_ip, 0xff, slots * sizeof(int32_t));
        sn->mask = slots - 1;
        for (size_t i = 0; i < sn->n; i++) {
                size_t j = hash64(mac_key(&sn->ms[i].mac)) & sn->mask;
                while (sn->by_mac[j] >= 0)
                        j = (j + 1) & sn->mask;
                sn->by_mac[j] = (int32_t)i;
                if (!sn->ms[i].ipv4)
                        continue;
                j = hash64(sn->ms[i].ipv4) & sn->mask;
                while (sn->by_ip[j] >= 0)
                        j = (j + 1) & sn->mask;
                sn->by_ip[j] = (int32_t)i;
        }
        return 0;
}

/* Loads a new snapshot; the current one stays unless this succeeds. */
static int reload(struct dhcp_inventory *inv)
{
        struct snapshot sn = {0};
        int r = load_state(inv->s, MACHINE_ASSIGNED, &sn);
        if (r >= 0)
                r = load_state(inv->s, MACHINE_UNASSIGNED, &sn);
        if (r >= 0 && sn.n > INT32_MAX)
                r = -E2BIG;
        if (r >= 0)
                r = index_build(&sn);
        store_idle(inv->s);
        if (r < 0) {
                snapshot_free(&sn);
                return r;
        }
        snapshot_free(&inv->snap);
        inv->snap = sn;
        inv->loaded = true;
        return 0;
}

/* ---- the boot inventory interface ---- */

static int view_machine(void *ctx, const struct mac *mac, const struct machine **ret)
{
        const struct snapshot *sn = &((struct dhcp_inventory *)ctx)->snap;
        if (!sn->n)
                return -ENOENT;
        for (size_t j = hash64(mac_key(mac)) & sn->mask; sn->by_mac[j] >= 0;
             j = (j + 1) & sn->mask) {
                const struct machine *m = &sn->ms[sn->by_mac[j]];
                if (mac_equal(&m->mac, mac)) {
                        *ret = m;
                        return 0;
                }
        }
        return -ENOENT;
}

static int view_reservation(void *ctx, uint32_t ip, struct mac *ret_owner)
{
        const struct dhcp_inventory *inv = ctx;
        const struct snapshot *sn = &inv->snap;
        if (!inv->loaded)
                return -EIO; /* unknown: the allocator assumes the worst */
        if (!sn->n)
                return -ENOENT;
        for (size_t j = hash64(ip) & sn->mask; sn->by_ip[j] >= 0; j = (j + 1) & sn->mask) {
                const struct machine *m = &sn->ms[sn->by_ip[j]];
                if (m->ipv4 == ip) {
                        *ret_owner = m->mac;
                        return 0;
                }
        }
        return -ENOENT;
}

/* Images are not part of the snapshot: one store read, kept until the
 * next call (DHCP itself never asks). */
static int view_image(void *ctx, const char *name, const struct image **ret)
{
        struct dhcp_inventory *inv = ctx;
        if (inv->have_img)
                image_done(&inv->img);
        inv->have_img = false;
        int r = store_image_get(inv->s, name, &inv->img);
        store_idle(inv->s);
        if (r < 0)
                return r;
        inv->have_img = true;
        *ret = &inv->img;
        return 0;
}

static const char *view_errmsg(void *ctx)
{
        struct dhcp_inventory *inv = ctx;
        return store_errmsg(inv->s);
}

static const struct boot_inventory_ops view_ops = {
    .machine = view_machine,
    .image = view_image,
    .reservation = view_reservation,
    .errmsg = view_errmsg,
};

/* ---- life cycle ---- */

int dhcp_inventory_new(struct store *s, struct dhcp_inventory **ret)
{
        struct dhcp_inventory *inv = calloc(1, sizeof(*inv));
        if (!inv)
                return -ENOMEM;
        inv->s = s;
        inv->view = (struct boot_inventory){.ops = &view_ops, .ctx = inv};
        inv->ev = calloc(EV_SLOTS, sizeof(*inv->ev));
        if (!inv->ev) {
                dhcp_inventory_free(inv);
                return -ENOMEM;
        }
        if (store_data_version(s, &inv->data_version) == 0)
                (void)reload(inv); /* else: the first refresh tries again */
        *ret = inv;
        return 0;
}

void dhcp_inventory_free(struct dhcp_inventory *inv)
{
        if (!inv)
                return;
        snapshot_free(&inv->snap);
        if (inv->have_img)
                image_done(&inv->img);
        free(inv->ev);
        free(inv);
}

int dhcp_inventory_refresh(struct dhcp_inventory *inv)
{
        int64_t v;
        int r = store_data_version(inv->s, &v);
        if (r < 0)
                return r;
        if (inv->loaded && v == inv->data_version)
                return 0;
        r = reload(inv);
        if (r == 0)
                inv->data_version = v;
        return r;
}

const struct boot_inventory *dhcp_inventory_view(struct dhcp_inventory *inv)
{
        return &inv->view;
}

bool dhcp_inventory_event_due(struct dhcp_inventory *inv, const struct mac *mac, uint64_t sig,
                              int64_t now_ms, int64_t window_ms)
{
        uint64_t k = mac_key(mac);
        if (inv->n_ev >= EV_SLOTS / 2) {
                memset(inv->ev, 0, EV_SLOTS * sizeof(*inv->ev));
                inv->n_ev = 0;
        }
        size_t i = hash64(k) & (EV_SLOTS - 1);
        while (inv->ev[i].key && inv->ev[i].key != k)
                i = (i + 1) & (EV_SLOTS - 1);
        struct ev_slot *sl = &inv->ev[i];
        if (!sl->key) {
                *sl = (struct ev_slot){.key = k};
                inv->n_ev++;
        }
        if (sl->ms && sl->sig == sig && now_ms - sl->ms < window_ms)
                return false;
        sl->sig = sig;
        sl->ms = now_ms;
        return true;
}
