/* Per-thread cache of rendered boot-script responses; see script_cache.h. */
#include "http/script_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing with linear probing over small slots (the packed MAC and
 * the entry), so a lookup touches one cache line and then its entry. */
struct slot {
        uint64_t key; /* mac_key(); 0 = free */
        struct script_cache_entry *e;
};

struct script_cache {
        struct slot *slots;
        size_t mask; /* capacity - 1; capacity >= 2 * max, a power of two */
        size_t n, max;
        int64_t gen;
        bool have_gen;
};

/* The six MAC bytes plus a bit that keeps every key non-zero. */
static uint64_t mac_key(const struct mac *mac)
{
        uint64_t k = 0;
        memcpy(&k, mac->b, MAC_LEN);
        return k | (1ull << 63);
}

int script_cache_new(size_t max_entries, struct script_cache **ret)
{
        if (max_entries == 0 || max_entries > ((size_t)1 << 28))
                return -EINVAL;
        size_t cap = 16;
        while (cap < 2 * max_entries)
                cap *= 2;
        struct script_cache *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->slots = calloc(cap, sizeof(*c->slots));
        if (!c->slots) {
                free(c);
                return -ENOMEM;
        }
        c->mask = cap - 1;
        c->max = max_entries;
        *ret = c;
        return 0;
}

static void clear_all(struct script_cache *c)
{
        for (size_t i = 0; c->n && i <= c->mask; i++) {
                if (c->slots[i].key) {
                        MHD_destroy_response(c->slots[i].e->resp);
                        free(c->slots[i].e);
                        c->slots[i] = (struct slot){0};
                        c->n--;
                }
        }
}

void script_cache_free(struct script_cache *c)
{
        if (!c)
                return;
        clear_all(c);
        free(c->slots);
        free(c);
}

void script_cache_sync(struct script_cache *c, int64_t gen)
{
        if (c->have_gen && c->gen == gen)
                return;
        clear_all(c);
        c->gen = gen;
        c->have_gen = true;
}

/* The slot holding key, or the free slot where it would go. */
static size_t find(const struct script_cache *c, uint64_t key)
{
        size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & c->mask;
        while (c->slots[i].key && c->slots[i].key != key)
                i = (i + 1) & c->mask;
        return i;
}

struct script_cache_entry *script_cache_get(const struct script_cache *c, const struct mac *mac,
                                            const struct boot_endpoints *ep)
{
        const struct slot *s = &c->slots[find(c, mac_key(mac))];
        if (!s->key || s->e->ep != ep)
                return NULL;
        return s->e;
}

int script_cache_put(struct script_cache *c, const struct mac *mac, const struct boot_endpoints *ep,
                     const char *detail, struct MHD_Response *resp, size_t len)
{
        size_t dl = strlen(detail);
        if (!ep->stable || dl >= SCRIPT_CACHE_DETAIL_MAX)
                return -EINVAL;
        uint64_t key = mac_key(mac);
        size_t i = find(c, key);
        struct script_cache_entry *e = c->slots[i].e;
        if (c->slots[i].key) {
                MHD_destroy_response(e->resp);
        } else {
                if (!(e = malloc(sizeof(*e))))
                        return -ENOMEM;
                if (c->n >= c->max) {
                        clear_all(c);
                        i = find(c, key);
                }
                c->slots[i] = (struct slot){.key = key, .e = e};
                c->n++;
        }
        e->mac = *mac;
        e->ep = ep;
        memcpy(e->detail, detail, dl + 1);
        e->resp = resp;
        e->len = len;
        e->reported_ms = 0;
        e->reported_ip = 0;
        return 0;
}

size_t script_cache_count(const struct script_cache *c)
{
        return c->n;
}
