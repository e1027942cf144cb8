/* The boot event log and the machine "last seen / last stage" it feeds. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* One row update per MAC and batch: ?2 is the time of the MAC's first event
 * in the batch, ?4 the latest time, ?3 the stage of the last event with
 * that latest time.  Applying it once gives the row that applying the
 * per-event form (?2 = ?4 = the event's time) to each event in order
 * would: first_seen/created come from the first event, last_seen and
 * last_stage_at are maxima, and last_stage follows the last event that
 * reached the running maximum, which is the last one at the maximum. */
static const char SQL_SEEN[] =
    "INSERT INTO machine (mac, state, notes, first_seen, last_seen, last_stage, "
    "last_stage_at, created) VALUES (?1, 'discovered', '', ?2, ?4, ?3, ?4, ?2) "
    "ON CONFLICT (mac) DO UPDATE SET "
    "first_seen = coalesce(first_seen, ?2), "
    "last_seen = max(coalesce(last_seen, 0), ?4), "
    "last_stage = CASE WHEN ?4 >= coalesce(last_stage_at, 0) THEN ?3 ELSE last_stage END, "
    "last_stage_at = max(coalesce(last_stage_at, 0), ?4)";
static const char SQL_EVENT_ADD[] =
    "INSERT INTO event (time, mac, stage, detail, peer) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_EVENT_TRIM[] =
    "DELETE FROM event WHERE id <= (SELECT max(id) FROM event) - ?1";

/* A MAC's events in a batch: indexes of its first event and of the last
 * event carrying its latest time.  Under load a batch holds several events
 * per machine (script, kernel, initrd, retries); one upsert each instead of
 * one per event. */
struct seen {
        uint32_t first, latest;
        bool used;
};

static size_t mac_slot(const struct mac *m, size_t mask)
{
        uint64_t k = 0;
        memcpy(&k, m->b, MAC_LEN);
        return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 40) & mask;
}

static struct seen *seen_find(struct seen *tab, size_t mask, const struct boot_event *evs,
                              const struct mac *m)
{
        size_t i = mac_slot(m, mask);
        while (tab[i].used && memcmp(evs[tab[i].first].mac.b, m->b, MAC_LEN) != 0)
                i = (i + 1) & mask;
        return &tab[i];
}

static int seen_write(struct store *s, const struct boot_event *first,
                      const struct boot_event *latest)
{
        char mac[MAC_STR_LEN];
        mac_format(&first->mac, mac);
        sqlite3_stmt *st = store_stmt(s, SQL_SEEN);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, first->time);
        sqlite3_bind_text(st, 3, latest->stage, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, latest->time);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_sqlite_fail(s, "machine seen");
        return 0;
}

/* Updates each machine seen in the batch once (creating unknown MACs as
 * discovered), in the order of their first event. */
static int record_seen(struct store *s, const struct boot_event *evs, size_t n)
{
        size_t cap = 64;
        while (cap < 2 * n)
                cap *= 2;
        struct seen *tab = calloc(cap, sizeof(*tab));
        if (!tab)
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        for (size_t i = 0; i < n; i++) {
                struct seen *e = seen_find(tab, cap - 1, evs, &evs[i].mac);
                if (!e->used)
                        *e = (struct seen){
                            .first = (uint32_t)i, .latest = (uint32_t)i, .used = true};
                else if (evs[i].time >= evs[e->latest].time)
                        e->latest = (uint32_t)i;
        }
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const struct seen *e = seen_find(tab, cap - 1, evs, &evs[i].mac);
                if (e->first == i)
                        r = seen_write(s, &evs[i], &evs[e->latest]);
        }
        free(tab);
        return r;
}

static int record_one(struct store *s, const struct boot_event *e)
{
        char mac[MAC_STR_LEN];
        mac_format(&e->mac, mac);
        sqlite3_stmt *st = store_stmt(s, SQL_EVENT_ADD);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, e->time);
        sqlite3_bind_text(st, 2, mac, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, e->stage, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, e->detail, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, e->peer, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_sqlite_fail(s, "event write");
        return 0;
}

int store_record_events(struct store *s, const struct boot_event *evs, size_t n, int64_t retention)
{
        if (n == 0)
                return 0;
        int r = store_begin(s);
        if (r < 0)
                return r;
        r = record_seen(s, evs, n);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = record_one(s, &evs[i]);
        if (r >= 0 && retention > 0) {
                sqlite3_stmt *st = store_stmt(s, SQL_EVENT_TRIM);
                if (!st) {
                        r = -EIO;
                } else {
                        sqlite3_bind_int64(st, 1, retention);
                        if (sqlite3_step(st) != SQLITE_DONE)
                                r = store_sqlite_fail(s, "event trim");
                }
        }
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

static const char SQL_EVENTS[] =
    "SELECT id, time, mac, stage, detail, peer FROM event "
    "WHERE (?1 IS NULL OR mac = ?1) AND time >= ?2 ORDER BY id DESC LIMIT ?3";

static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
        const unsigned char *t = sqlite3_column_text(st, col);
        snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

int store_events_list(struct store *s, const struct mac *mac, int64_t since_ms, int64_t limit,
                      struct boot_event **ret, size_t *ret_n)
{
        char m[MAC_STR_LEN];
        sqlite3_stmt *st = store_stmt(s, SQL_EVENTS);
        if (!st)
                return -EIO;
        if (mac) {
                mac_format(mac, m);
                sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
        }
        sqlite3_bind_int64(st, 2, since_ms);
        sqlite3_bind_int64(st, 3, limit > 0 ? limit : 100);
        struct boot_event *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct boot_event *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        free(v);
                        sqlite3_reset(st);
                        return store_fail(s, -ENOMEM, NULL, "out of memory");
                }
                v = nv;
                struct boot_event *e = &v[n];
                memset(e, 0, sizeof(*e));
                e->id = sqlite3_column_int64(st, 0);
                e->time = sqlite3_column_int64(st, 1);
                (void)mac_parse_str((const char *)sqlite3_column_text(st, 2), &e->mac);
                copy_col(e->stage, sizeof(e->stage), st, 3);
                copy_col(e->detail, sizeof(e->detail), st, 4);
                copy_col(e->peer, sizeof(e->peer), st, 5);
                n++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                free(v);
                return store_sqlite_fail(s, "event list");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
