/* Bounds on what boot contacts can make the store keep (issue 12): the
 * number of discovered machines, their age, how fast one peer address can
 * create them, and one record, not one per retry, for a machine asking
 * again and again.  See store_set_discovery() in store.h.  Runs inside
 * store_record_events()'s transaction, on the one connection that writes
 * boot events (the daemon's event loop). */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"

#define BUCKETS       4096 /* per-address rate state, direct-mapped by address */
#define EXPIRE_EVERY  60000
#define LOG_PER_S     0.1 /* a line every 10 s at most while a limit bites */
#define LOG_BURST     3.0
#define PEER_ADDR_MAX 48

struct bucket {
        char addr[PEER_ADDR_MAX];
        double tokens;
        int64_t at_ms;
};

struct store_discovery_state {
        struct store_discovery conf;
        struct bucket buckets[BUCKETS];
        int64_t expired_at;
        struct log_ratelimit rl_max, rl_rate;
        uint64_t refused_max, refused_rate; /* since the last line */
};

void store_set_discovery(struct store *s, const struct store_discovery *d)
{
        if (!s->disc)
                s->disc = calloc(1, sizeof(*s->disc));
        if (s->disc) {
                s->disc->conf = *d;
                s->disc->expired_at = 0; /* the next batch checks expiry */
        }
}

void store_discovery_free(struct store *s)
{
        free(s->disc);
        s->disc = NULL;
}

/* "198.18.0.5:51234" -> "198.18.0.5". */
static void peer_addr(const char *peer, char out[PEER_ADDR_MAX])
{
        snprintf(out, PEER_ADDR_MAX, "%s", peer);
        char *colon = strrchr(out, ':');
        if (colon)
                *colon = '\0';
}

static uint32_t hash_str(const char *s)
{
        uint32_t h = 2166136261u;
        for (; *s; s++)
                h = (h ^ (uint8_t)*s) * 16777619u;
        return h;
}

/* Takes one creation from addr's token bucket: burst, refilled per_min a
 * minute. */
static bool rate_ok(struct store_discovery_state *d, const char *addr, int64_t now)
{
        struct bucket *b = &d->buckets[hash_str(addr) % BUCKETS];
        double burst = (double)d->conf.per_address_burst;
        if (strcmp(b->addr, addr) != 0) {
                snprintf(b->addr, sizeof(b->addr), "%s", addr);
                b->tokens = burst;
        } else {
                b->tokens +=
                    (double)(now - b->at_ms) * (double)d->conf.per_address_per_min / 60000.0;
                if (b->tokens > burst)
                        b->tokens = burst;
        }
        b->at_ms = now;
        if (b->tokens < 1.0)
                return false;
        b->tokens -= 1.0;
        return true;
}

/* Index of the first event of evs[i]'s MAC in the batch, through an open
 * addressing table (cap a power of two > n; entries: index + 1). */
static size_t first_of(uint32_t *tab, size_t cap, const struct boot_event *evs, size_t i)
{
        uint32_t h = 2166136261u;
        for (int b = 0; b < MAC_LEN; b++)
                h = (h ^ evs[i].mac.b[b]) * 16777619u;
        for (size_t k = h & (cap - 1);; k = (k + 1) & (cap - 1)) {
                if (!tab[k]) {
                        tab[k] = (uint32_t)i + 1;
                        return i;
                }
                if (mac_equal(&evs[tab[k] - 1].mac, &evs[i].mac))
                        return tab[k] - 1;
        }
}

static uint32_t *mac_table(size_t n, size_t *ret_cap)
{
        size_t cap = 64;
        while (cap < 2 * n)
                cap *= 2;
        *ret_cap = cap;
        return calloc(cap, sizeof(uint32_t));
}

static const char SQL_MACHINE_EXISTS[] = "SELECT 1 FROM machine WHERE mac = ?1";
static const char SQL_DISCOVERED_COUNT[] =
    "SELECT count(*) FROM machine WHERE state = 'discovered'";
static const char SQL_DISCOVERED_EXPIRE[] =
    "DELETE FROM machine WHERE state = 'discovered' AND coalesce(last_seen, created) < ?1";

static int machine_exists(struct store *s, const char *mac)
{
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_EXISTS);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, mac);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return 0;
        if (rc != STORE_ROW)
                return store_db_fail(s, "machine lookup");
        store_reset(st);
        return 1;
}

static int discovered_count(struct store *s, int64_t *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_DISCOVERED_COUNT);
        if (!st)
                return -EIO;
        if (store_step(st) != STORE_ROW)
                return store_db_fail(s, "discovered count");
        *ret = store_col_int64(st, 0);
        store_reset(st);
        return 0;
}

static int expire(struct store *s, struct store_discovery_state *d, int64_t now)
{
        if (d->conf.expire_s <= 0 || now - d->expired_at < EXPIRE_EVERY)
                return 0;
        d->expired_at = now;
        struct store_stmt *st = store_prepare(s, SQL_DISCOVERED_EXPIRE);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, now - d->conf.expire_s * 1000);
        if (store_step(st) < 0)
                return store_db_fail(s, "discovered expiry");
        int64_t n = store_changes(st);
        if (n > 0) {
                metrics_discovered("expired", (uint64_t)n);
                log_info("store: %lld discovered machines not seen for %lld s removed ([boot] "
                         "discovered_expire_s)",
                         (long long)n, (long long)d->conf.expire_s);
        }
        return 0;
}

static void refused(struct store_discovery_state *d, bool by_rate, const char *mac,
                    const char *addr, int64_t count, int64_t now)
{
        metrics_discovered(by_rate ? "refused-rate" : "refused-limit", 1);
        uint64_t *n = by_rate ? &d->refused_rate : &d->refused_max;
        ++*n;
        if (!log_ratelimit_ok(by_rate ? &d->rl_rate : &d->rl_max, now, LOG_PER_S, LOG_BURST, NULL))
                return;
        if (by_rate)
                log_warn("store: peer %s creates discovered machines too fast ([boot] "
                         "discovered_per_address_burst %lld, _per_min %lld): not recording %s "
                         "(%llu refused so far)",
                         addr, (long long)d->conf.per_address_burst,
                         (long long)d->conf.per_address_per_min, mac, (unsigned long long)*n);
        else
                log_warn("store: %lld discovered machines ([boot] discovered_max): not recording "
                         "%s from %s (%llu refused so far)",
                         (long long)count, mac, addr, (unsigned long long)*n);
}

/* Drops, from evs[0..*n), the events of MACs that are not machines yet and
 * may not become discovered now (limit or rate); the rest keep their order. */
int store_discovery_filter(struct store *s, struct boot_event *evs, size_t *n)
{
        struct store_discovery_state *d = s->disc;
        if (!d || *n == 0)
                return 0;
        int64_t now = store_now_ms();
        int r = expire(s, d, now);
        if (r < 0)
                return r;
        int64_t count = -1;
        /* Per MAC of the batch: 1 allowed, 0 refused; decided at its first
         * event. */
        size_t cap;
        unsigned char *ok = malloc(*n);
        uint32_t *tab = mac_table(*n, &cap);
        if (!ok || !tab) {
                free(ok);
                free(tab);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        size_t k = 0;
        for (size_t i = 0; i < *n; i++) {
                size_t j = first_of(tab, cap, evs, i);
                if (j != i) {
                        ok[i] = ok[j];
                } else {
                        char mac[MAC_STR_LEN], addr[PEER_ADDR_MAX];
                        mac_format(&evs[i].mac, mac);
                        r = machine_exists(s, mac);
                        if (r < 0)
                                break;
                        ok[i] = 1;
                        if (r == 0) {
                                peer_addr(evs[i].peer, addr);
                                if (count < 0 && (r = discovered_count(s, &count)) < 0)
                                        break;
                                if (count >= d->conf.max) {
                                        ok[i] = 0;
                                        refused(d, false, mac, addr, count, now);
                                } else if (!rate_ok(d, addr, now)) {
                                        ok[i] = 0;
                                        refused(d, true, mac, addr, count, now);
                                } else {
                                        count++;
                                }
                        }
                        r = 0;
                }
        }
        if (r >= 0) {
                for (size_t i = 0; i < *n; i++)
                        if (ok[i])
                                evs[k++] = evs[i];
                *n = k;
        }
        free(ok);
        free(tab);
        return r < 0 ? r : 0;
}

static const char SQL_EVENT_LATEST[] =
    "SELECT id, stage, detail FROM event WHERE mac = ?1 ORDER BY id DESC LIMIT 1";
static const char SQL_EVENT_DELETE[] = "DELETE FROM event WHERE id = ?1";

/* A boot script asked for again with the same outcome ("no image": an
 * unknown machine's wait-and-retry loop) and nothing in between. */
static bool same_contact(const struct boot_event *a, const char *stage, const char *detail)
{
        return strcmp(a->stage, "script") == 0 && strcmp(a->stage, stage) == 0 &&
               strcmp(a->detail, detail) == 0;
}

/* The stored latest event of mac, when it says what e says: deleted (e
 * replaces it). */
static int fold_stored(struct store *s, const struct boot_event *e)
{
        char mac[MAC_STR_LEN];
        mac_format(&e->mac, mac);
        struct store_stmt *st = store_prepare(s, SQL_EVENT_LATEST);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, mac);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return 0;
        if (rc != STORE_ROW)
                return store_db_fail(s, "event lookup");
        int64_t id = store_col_int64(st, 0);
        const char *stage = store_col_text(st, 1), *detail = store_col_text(st, 2);
        bool same = stage && detail && same_contact(e, stage, detail);
        store_reset(st);
        if (!same)
                return 0;
        if (!(st = store_prepare(s, SQL_EVENT_DELETE)))
                return -EIO;
        store_bind_int64(st, 1, id);
        return store_step(st) < 0 ? store_db_fail(s, "event fold") : 0;
}

int store_events_fold(struct store *s, struct boot_event *evs, size_t *n)
{
        if (*n == 0)
                return 0;
        /* latest[first index of a MAC] = index + 1 of its latest kept event */
        size_t cap;
        uint32_t *tab = mac_table(*n, &cap);
        uint32_t *latest = calloc(*n, sizeof(*latest));
        unsigned char *keep = malloc(*n);
        int r = tab && latest && keep ? 0 : store_fail(s, -ENOMEM, NULL, "out of memory");
        for (size_t i = 0; r >= 0 && i < *n; i++) {
                keep[i] = 1;
                size_t f = first_of(tab, cap, evs, i);
                if (f == i) {
                        r = fold_stored(s, &evs[i]);
                } else {
                        size_t prev = latest[f] - 1;
                        if (same_contact(&evs[prev], evs[i].stage, evs[i].detail))
                                keep[prev] = 0;
                }
                latest[f] = (uint32_t)i + 1;
        }
        if (r >= 0) {
                size_t k = 0;
                for (size_t i = 0; i < *n; i++)
                        if (keep[i])
                                evs[k++] = evs[i];
                *n = k;
        }
        free(tab);
        free(latest);
        free(keep);
        return r;
}
