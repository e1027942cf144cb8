/* Address allocation; see dhcp_alloc.h.
 *
 * Leases live in one array; two chained hash indexes (by address, by client
 * key) point into it by position.  Entries are never removed, only reused,
 * so positions stay valid and a client's last address is remembered. */
#include "dhcp/dhcp_alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL (-1)

struct entry {
        struct lease l;
        int pool;
        int32_t next_ip, next_key;
        bool keyed; /* linked in the key index */
};

struct pool {
        char name[LEASE_SUBNET_MAX];
        uint32_t network, mask, first, last;
        uint32_t exclude[DHCP_POOL_EXCLUDE_MAX];
        size_t n_exclude;
        uint32_t cursor;           /* next never-used candidate (pass 1) */
        uint64_t unused_left;      /* candidates pass 1 has not looked at */
        uint32_t reclaim_cursor;   /* where the reuse scan (pass 2) resumes */
        int64_t full_until;        /* a full scan found nothing: skip until then */
        uint32_t takeover_cursor;  /* where dhcp_alloc_take_offer resumes */
        int64_t no_takeover_until; /* its full lap found nothing: skip until then */
};

struct dhcp_alloc {
        struct entry *e;
        size_t n, cap;
        int32_t *by_ip, *by_key;
        size_t n_buckets; /* power of two */
        struct pool *pools;
        size_t n_pools;
};

/* ---- keys ---- */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

void dhcp_client_key_make(struct dhcp_client_key *k, const uint8_t *client_id, size_t id_len,
                          const struct mac *mac)
{
        memset(k, 0, sizeof(*k));
        if (!client_id || id_len == 0) {
                /* RFC 2132 §9.14 form: hardware type 1 + MAC. */
                k->b[0] = 1;
                memcpy(k->b + 1, mac->b, MAC_LEN);
                k->len = 1 + MAC_LEN;
                return;
        }
        if (id_len <= DHCP_KEY_MAX) {
                memcpy(k->b, client_id, id_len);
                k->len = (uint8_t)id_len;
                return;
        }
        uint64_t h = fnv1a(client_id, id_len);
        memcpy(k->b, client_id, DHCP_KEY_MAX - 8);
        for (int i = 0; i < 8; i++)
                k->b[DHCP_KEY_MAX - 8 + i] = (uint8_t)(h >> (8 * i));
        k->len = DHCP_KEY_MAX;
}

static bool key_eq(const struct lease *l, const struct dhcp_client_key *k)
{
        return l->client_id_len == k->len && memcmp(l->client_id, k->b, k->len) == 0;
}

/* ---- indexes ---- */

static size_t ip_bucket(const struct dhcp_alloc *a, uint32_t ip)
{
        return (size_t)((ip * 0x9e3779b1u) >> 7) & (a->n_buckets - 1);
}

static size_t key_bucket(const struct dhcp_alloc *a, const uint8_t *b, size_t n)
{
        return (size_t)fnv1a(b, n) & (a->n_buckets - 1);
}

static void link_ip(struct dhcp_alloc *a, int32_t i)
{
        size_t b = ip_bucket(a, a->e[i].l.ip);
        a->e[i].next_ip = a->by_ip[b];
        a->by_ip[b] = i;
}

static void link_key(struct dhcp_alloc *a, int32_t i)
{
        struct entry *en = &a->e[i];
        if (en->l.client_id_len == 0)
                return;
        size_t b = key_bucket(a, en->l.client_id, en->l.client_id_len);
        en->next_key = a->by_key[b];
        a->by_key[b] = i;
        en->keyed = true;
}

static void unlink_key(struct dhcp_alloc *a, int32_t i)
{
        struct entry *en = &a->e[i];
        if (!en->keyed)
                return;
        int32_t *pp = &a->by_key[key_bucket(a, en->l.client_id, en->l.client_id_len)];
        while (*pp != NIL && *pp != i)
                pp = &a->e[*pp].next_key;
        if (*pp == i)
                *pp = en->next_key;
        en->keyed = false;
        en->next_key = NIL;
}

static int rehash(struct dhcp_alloc *a, size_t n_buckets)
{
        int32_t *ip = malloc(n_buckets * sizeof(*ip));
        int32_t *key = malloc(n_buckets * sizeof(*key));
        if (!ip || !key) {
                free(ip);
                free(key);
                return -ENOMEM;
        }
        free(a->by_ip);
        free(a->by_key);
        a->by_ip = ip;
        a->by_key = key;
        a->n_buckets = n_buckets;
        for (size_t b = 0; b < n_buckets; b++)
                ip[b] = key[b] = NIL;
        for (size_t i = 0; i < a->n; i++) {
                link_ip(a, (int32_t)i);
                a->e[i].keyed = false;
                link_key(a, (int32_t)i);
        }
        return 0;
}

static int32_t find_ip(const struct dhcp_alloc *a, uint32_t ip)
{
        for (int32_t i = a->by_ip[ip_bucket(a, ip)]; i != NIL; i = a->e[i].next_ip)
                if (a->e[i].l.ip == ip)
                        return i;
        return NIL;
}

static int32_t find_key(const struct dhcp_alloc *a, int pool, const struct dhcp_client_key *k)
{
        for (int32_t i = a->by_key[key_bucket(a, k->b, k->len)]; i != NIL; i = a->e[i].next_key)
                if (a->e[i].pool == pool && key_eq(&a->e[i].l, k))
                        return i;
        return NIL;
}

/* Appends an entry for ip (not yet present); returns its position. */
static int32_t new_entry(struct dhcp_alloc *a, int pool, uint32_t ip)
{
        if (a->n == a->cap) {
                size_t ncap = a->cap ? a->cap * 2 : 256;
                struct entry *ne = realloc(a->e, ncap * sizeof(*ne));
                if (!ne)
                        return NIL;
                a->e = ne;
                a->cap = ncap;
        }
        if (a->n >= a->n_buckets && rehash(a, a->n_buckets * 2) < 0)
                return NIL;
        int32_t i = (int32_t)a->n++;
        struct entry *en = &a->e[i];
        memset(en, 0, sizeof(*en));
        en->pool = pool;
        en->next_key = NIL;
        en->l.ip = ip;
        en->l.state = LEASE_EXPIRED;
        snprintf(en->l.subnet, sizeof(en->l.subnet), "%s", a->pools[pool].name);
        link_ip(a, i);
        return i;
}

/* ---- life cycle ---- */

int dhcp_alloc_new(struct dhcp_alloc **ret)
{
        struct dhcp_alloc *a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        if (rehash(a, 1024) < 0) {
                free(a);
                return -ENOMEM;
        }
        *ret = a;
        return 0;
}

void dhcp_alloc_free(struct dhcp_alloc *a)
{
        if (!a)
                return;
        free(a->e);
        free(a->by_ip);
        free(a->by_key);
        free(a->pools);
        free(a);
}

int dhcp_alloc_add_pool(struct dhcp_alloc *a, const char *name, uint32_t network, uint32_t mask,
                        uint32_t first, uint32_t last, const uint32_t *exclude, size_t n_exclude)
{
        if (n_exclude > DHCP_POOL_EXCLUDE_MAX || strlen(name) >= LEASE_SUBNET_MAX ||
            (network & ~mask) || first > last || (first && (first & mask) != network) ||
            (last && (last & mask) != network))
                return -EINVAL;
        if (dhcp_alloc_pool_find(a, name) >= 0)
                return -EEXIST;
        struct pool *np = realloc(a->pools, (a->n_pools + 1) * sizeof(*np));
        if (!np)
                return -ENOMEM;
        a->pools = np;
        struct pool *p = &np[a->n_pools];
        memset(p, 0, sizeof(*p));
        snprintf(p->name, sizeof(p->name), "%s", name);
        p->network = network;
        p->mask = mask;
        p->first = first;
        p->last = last;
        p->cursor = p->reclaim_cursor = p->takeover_cursor = first;
        p->unused_left = first ? (uint64_t)last - first + 1 : 0;
        for (size_t i = 0; i < n_exclude; i++)
                if (exclude[i])
                        p->exclude[p->n_exclude++] = exclude[i];
        return (int)a->n_pools++;
}

int dhcp_alloc_pool_find(const struct dhcp_alloc *a, const char *name)
{
        for (size_t i = 0; i < a->n_pools; i++)
                if (strcmp(a->pools[i].name, name) == 0)
                        return (int)i;
        return -ENOENT;
}

int dhcp_alloc_pool_of(const struct dhcp_alloc *a, uint32_t ip)
{
        for (size_t i = 0; i < a->n_pools; i++)
                if ((ip & a->pools[i].mask) == a->pools[i].network)
                        return (int)i;
        return -ENOENT;
}

int dhcp_alloc_load(struct dhcp_alloc *a, const struct lease *l)
{
        int pool = dhcp_alloc_pool_find(a, l->subnet);
        if (pool < 0 || (l->ip & a->pools[pool].mask) != a->pools[pool].network)
                return -ENOENT;
        if (find_ip(a, l->ip) != NIL)
                return -EEXIST;
        int32_t i = new_entry(a, pool, l->ip);
        if (i == NIL)
                return -ENOMEM;
        a->e[i].l = *l;
        if (l->state == LEASE_OFFERED) /* offers are not durable */
                a->e[i].l.state = LEASE_EXPIRED;
        link_key(a, i);
        return 0;
}

static bool holds(const struct lease *l, int64_t now);

int dhcp_alloc_apply(struct dhcp_alloc *a, const struct lease *l, int64_t now)
{
        int pool = dhcp_alloc_pool_find(a, l->subnet);
        if (pool < 0 || (l->ip & a->pools[pool].mask) != a->pools[pool].network)
                return -ENOENT;
        bool stored_holds = l->state != LEASE_OFFERED && holds(l, now);
        int32_t i = find_ip(a, l->ip);
        if (i != NIL) {
                const struct lease *cur = &a->e[i].l;
                if (!stored_holds && cur->state == LEASE_OFFERED && cur->ends > now)
                        return 0; /* our offer stands: the row frees the address */
                unlink_key(a, i);
        } else if ((i = new_entry(a, pool, l->ip)) == NIL) {
                return -ENOMEM;
        }
        a->e[i].pool = pool;
        a->e[i].l = *l;
        if (l->state == LEASE_OFFERED) /* offers are not durable */
                a->e[i].l.state = LEASE_EXPIRED;
        link_key(a, i); /* at the head of its chain: the client's newest */
        if (!stored_holds)
                a->pools[pool].full_until = 0;
        return 0;
}

void dhcp_alloc_spread(struct dhcp_alloc *a, uint32_t seed)
{
        for (size_t i = 0; i < a->n_pools; i++) {
                struct pool *p = &a->pools[i];
                if (!p->first)
                        continue;
                uint64_t size = (uint64_t)p->last - p->first + 1;
                uint64_t h = ((uint64_t)seed + i + 1) * 0x9e3779b97f4a7c15ull;
                p->cursor = p->reclaim_cursor = p->takeover_cursor =
                    p->first + (uint32_t)((h >> 32) % size);
                p->unused_left = size; /* a full lap from there */
        }
}

size_t dhcp_alloc_count(const struct dhcp_alloc *a)
{
        return a->n;
}

const struct lease *dhcp_alloc_find_ip(const struct dhcp_alloc *a, uint32_t ip)
{
        int32_t i = find_ip(a, ip);
        return i == NIL ? NULL : &a->e[i].l;
}

const struct lease *dhcp_alloc_find_client(const struct dhcp_alloc *a, int pool,
                                           const struct dhcp_client_key *k)
{
        int32_t i = find_key(a, pool, k);
        return i == NIL ? NULL : &a->e[i].l;
}

/* ---- availability ---- */

/* Does a lease still hold its address against other clients? */
static bool holds(const struct lease *l, int64_t now)
{
        switch (l->state) {
        case LEASE_BOUND:
        case LEASE_OFFERED:
        case LEASE_DECLINED:
                return l->ends > now;
        case LEASE_RELEASED:
        case LEASE_EXPIRED:
                return false;
        }
        return true;
}

static bool excluded(const struct pool *p, uint32_t ip)
{
        if ((ip & p->mask) != p->network || ip == p->network || ip == (p->network | ~p->mask))
                return true;
        for (size_t i = 0; i < p->n_exclude; i++)
                if (p->exclude[i] == ip)
                        return true;
        return false;
}

/* 1 = reserved for mac, 0 = not reserved, -1 = reserved for someone else
 * (or the lookup failed: assume the worst). */
static int reservation(const struct boot_inventory *inv, uint32_t ip, const struct mac *mac)
{
        if (!inv)
                return 0;
        struct mac owner;
        int r = boot_inventory_reservation(inv, ip, &owner);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return -1;
        return mac_equal(&owner, mac) ? 1 : -1;
}

bool dhcp_alloc_available(struct dhcp_alloc *a, int pool, uint32_t ip,
                          const struct dhcp_client_key *k, const struct mac *mac, int64_t now,
                          const struct boot_inventory *inv)
{
        if (pool < 0 || (size_t)pool >= a->n_pools)
                return false;
        const struct pool *p = &a->pools[pool];
        if (excluded(p, ip))
                return false;
        int32_t i = find_ip(a, ip);
        if (i != NIL) {
                const struct lease *l = &a->e[i].l;
                if (!key_eq(l, k) && holds(l, now))
                        return false;
                if (l->state == LEASE_DECLINED && l->ends > now)
                        return false;
        }
        int res = reservation(inv, ip, mac);
        if (res < 0)
                return false;
        bool in_range = p->first && ip >= p->first && ip <= p->last;
        return in_range || res == 1;
}

/* Pass 1: addresses never used since start-up (no entry). */
static uint32_t scan_unused(struct dhcp_alloc *a, int pool, const struct dhcp_client_key *k,
                            const struct mac *mac, int64_t now, const struct boot_inventory *inv)
{
        struct pool *p = &a->pools[pool];
        while (p->first && p->unused_left > 0) {
                uint32_t ip = p->cursor;
                p->cursor = ip >= p->last ? p->first : ip + 1; /* wraps (dhcp_alloc_spread) */
                p->unused_left--;
                if (find_ip(a, ip) == NIL && dhcp_alloc_available(a, pool, ip, k, mac, now, inv))
                        return ip;
        }
        return 0;
}

/* Pass 2: released, expired or timed-out entries, one lap at most. */
static uint32_t scan_reuse(struct dhcp_alloc *a, int pool, const struct dhcp_client_key *k,
                           const struct mac *mac, int64_t now, const struct boot_inventory *inv)
{
        struct pool *p = &a->pools[pool];
        if (!p->first || p->full_until > now)
                return 0;
        uint64_t size = (uint64_t)p->last - p->first + 1;
        for (uint64_t n = 0; n < size; n++) {
                uint32_t ip = p->reclaim_cursor;
                p->reclaim_cursor = ip >= p->last ? p->first : ip + 1;
                int32_t i = find_ip(a, ip);
                if (i != NIL && !holds(&a->e[i].l, now) &&
                    dhcp_alloc_available(a, pool, ip, k, mac, now, inv))
                        return ip;
        }
        /* Nothing frees up before some lease ends; a release resets this. */
        p->full_until = now + 1000;
        return 0;
}

int dhcp_alloc_pick(struct dhcp_alloc *a, int pool, const struct dhcp_client_key *k,
                    const struct mac *mac, uint32_t reserved_ip, uint32_t requested, int64_t now,
                    const struct boot_inventory *inv, uint32_t *ret_ip)
{
        if (pool < 0 || (size_t)pool >= a->n_pools)
                return -EINVAL;
        uint32_t ip = 0;
        if (reserved_ip && dhcp_alloc_available(a, pool, reserved_ip, k, mac, now, inv))
                ip = reserved_ip;
        if (!ip) {
                int32_t i = find_key(a, pool, k);
                if (i != NIL && dhcp_alloc_available(a, pool, a->e[i].l.ip, k, mac, now, inv))
                        ip = a->e[i].l.ip;
        }
        if (!ip && requested && dhcp_alloc_available(a, pool, requested, k, mac, now, inv))
                ip = requested;
        if (!ip)
                ip = scan_unused(a, pool, k, mac, now, inv);
        if (!ip)
                ip = scan_reuse(a, pool, k, mac, now, inv);
        if (!ip)
                return -ENOSPC;
        *ret_ip = ip;
        return 0;
}

uint32_t dhcp_alloc_take_offer(struct dhcp_alloc *a, int pool, const struct dhcp_client_key *k,
                               const struct mac *mac, int64_t now, int64_t min_age_ms,
                               const struct boot_inventory *inv)
{
        if (pool < 0 || (size_t)pool >= a->n_pools)
                return 0;
        struct pool *p = &a->pools[pool];
        if (!p->first || p->no_takeover_until > now)
                return 0;
        /* Its own cursor, in the order the offers were mostly made (the
         * scans above walk the range the same way): the one found is among
         * the oldest, and a flood costs a step or two per DISCOVER. */
        uint64_t size = (uint64_t)p->last - p->first + 1;
        for (uint64_t n = 0; n < size; n++) {
                uint32_t ip = p->takeover_cursor;
                p->takeover_cursor = ip >= p->last ? p->first : ip + 1;
                int32_t i = find_ip(a, ip);
                if (i == NIL)
                        continue;
                struct lease *l = &a->e[i].l;
                if (l->state != LEASE_OFFERED || l->ends <= now || now - l->starts < min_age_ms ||
                    key_eq(l, k) || excluded(p, ip) || reservation(inv, ip, mac) < 0)
                        continue;
                l->state = LEASE_EXPIRED; /* never persisted: nothing to write */
                l->ends = now;
                return ip;
        }
        /* Bound (real leases, or only young offers): a lap per second at most. */
        p->no_takeover_until = now + 1000;
        return 0;
}

/* ---- changes ---- */

/* Other entries of client k in pool (not at ip): released if they still
 * hold their address (recorded in ch when given), and forgotten as the
 * client's, so each client has one address per pool. */
static void drop_others(struct dhcp_alloc *a, int pool, uint32_t ip,
                        const struct dhcp_client_key *k, int64_t now, struct dhcp_alloc_change *ch)
{
        int32_t i = a->by_key[key_bucket(a, k->b, k->len)];
        while (i != NIL) {
                int32_t next = a->e[i].next_key;
                struct lease *l = &a->e[i].l;
                if (a->e[i].pool == pool && l->ip != ip && key_eq(l, k)) {
                        if (ch && (l->state == LEASE_BOUND || l->state == LEASE_OFFERED) &&
                            l->ends > now) {
                                l->state = LEASE_RELEASED;
                                l->ends = now;
                                if (ch->n < DHCP_ALLOC_OUT_MAX - 1)
                                        ch->rec[ch->n++] = *l;
                        }
                        if (ch || !holds(l, now))
                                unlink_key(a, i);
                        a->pools[pool].full_until = 0;
                }
                i = next;
        }
}

/* Makes the entry at ip belong to client k (creating it if needed). */
static int32_t take(struct dhcp_alloc *a, int pool, uint32_t ip, const struct dhcp_client_key *k,
                    const struct mac *mac)
{
        int32_t i = find_ip(a, ip);
        if (i == NIL && (i = new_entry(a, pool, ip)) == NIL)
                return NIL;
        struct entry *en = &a->e[i];
        if (!key_eq(&en->l, k) || !en->keyed) {
                unlink_key(a, i);
                memcpy(en->l.client_id, k->b, k->len);
                en->l.client_id_len = k->len;
                en->l.hostname[0] = 0;
                link_key(a, i);
        }
        en->l.mac = *mac;
        return i;
}

int dhcp_alloc_offer(struct dhcp_alloc *a, int pool, uint32_t ip, const struct dhcp_client_key *k,
                     const struct mac *mac, int64_t now, int64_t hold_ms,
                     const struct boot_inventory *inv)
{
        if (!dhcp_alloc_available(a, pool, ip, k, mac, now, inv))
                return -EEXIST;
        drop_others(a, pool, ip, k, now, NULL);
        int32_t i = take(a, pool, ip, k, mac);
        if (i == NIL)
                return -ENOMEM;
        struct lease *l = &a->e[i].l;
        if (l->state == LEASE_BOUND && l->ends > now)
                return 0; /* a rebooting client keeps its binding */
        l->state = LEASE_OFFERED;
        l->starts = now;
        l->ends = now + hold_ms;
        return 0;
}

int dhcp_alloc_bind(struct dhcp_alloc *a, int pool, uint32_t ip, const struct dhcp_client_key *k,
                    const struct mac *mac, const char *hostname, int64_t now, int64_t lease_ms,
                    const struct boot_inventory *inv, struct dhcp_alloc_change *ret)
{
        if (!dhcp_alloc_available(a, pool, ip, k, mac, now, inv))
                return -EEXIST;
        struct dhcp_alloc_change ch = {.n = 0};
        /* One address per client and pool: an old one goes back. */
        drop_others(a, pool, ip, k, now, &ch);
        int32_t i = take(a, pool, ip, k, mac);
        if (i == NIL)
                return -ENOMEM;
        struct lease *l = &a->e[i].l;
        l->state = LEASE_BOUND;
        l->starts = now;
        l->ends = now + lease_ms;
        snprintf(l->hostname, sizeof(l->hostname), "%s", hostname ? hostname : "");
        ch.rec[ch.n++] = *l;
        *ret = ch;
        return 0;
}

int dhcp_alloc_release(struct dhcp_alloc *a, uint32_t ip, const struct dhcp_client_key *k,
                       int64_t now, struct dhcp_alloc_change *ret)
{
        int32_t i = find_ip(a, ip);
        if (i == NIL || !key_eq(&a->e[i].l, k) || a->e[i].l.state != LEASE_BOUND)
                return -ENOENT;
        struct lease *l = &a->e[i].l;
        l->state = LEASE_RELEASED;
        l->ends = now;
        a->pools[a->e[i].pool].full_until = 0;
        ret->n = 1;
        ret->rec[0] = *l;
        return 0;
}

int dhcp_alloc_decline(struct dhcp_alloc *a, uint32_t ip, const struct dhcp_client_key *k,
                       int64_t now, int64_t quarantine_ms, struct dhcp_alloc_change *ret)
{
        int32_t i = find_ip(a, ip);
        if (i == NIL || !key_eq(&a->e[i].l, k) ||
            (a->e[i].l.state != LEASE_BOUND && a->e[i].l.state != LEASE_OFFERED))
                return -ENOENT;
        struct lease *l = &a->e[i].l;
        /* RFC 2131 §4.3.3: the address is in use by someone we do not know;
         * keep it out of the pool, and away from this client. */
        unlink_key(a, i);
        l->client_id_len = 0;
        l->state = LEASE_DECLINED;
        l->starts = now;
        l->ends = now + quarantine_ms;
        l->hostname[0] = 0;
        ret->n = 1;
        ret->rec[0] = *l;
        return 0;
}

size_t dhcp_alloc_expire(struct dhcp_alloc *a, int64_t now,
                         void (*cb)(void *ctx, const struct lease *l), void *ctx)
{
        size_t n = 0;
        for (size_t i = 0; i < a->n; i++) {
                struct lease *l = &a->e[i].l;
                bool ended = l->ends <= now;
                if (ended && (l->state == LEASE_BOUND || l->state == LEASE_DECLINED)) {
                        l->state = LEASE_EXPIRED;
                        a->pools[a->e[i].pool].full_until = 0;
                        if (cb)
                                cb(ctx, l);
                        n++;
                } else if (ended && l->state == LEASE_OFFERED) {
                        l->state = LEASE_EXPIRED; /* never persisted */
                        a->pools[a->e[i].pool].full_until = 0;
                }
        }
        return n;
}
