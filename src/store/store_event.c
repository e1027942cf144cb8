/* The boot event log and the machine "last seen / last stage" it feeds. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const char SQL_SEEN[] =
    "INSERT INTO machine (mac, state, notes, first_seen, last_seen, last_stage, "
    "last_stage_at, created) VALUES (?1, 'discovered', '', ?2, ?2, ?3, ?2, ?2) "
    "ON CONFLICT (mac) DO UPDATE SET "
    "first_seen = coalesce(first_seen, ?2), "
    "last_seen = max(coalesce(last_seen, 0), ?2), "
    "last_stage = CASE WHEN ?2 >= coalesce(last_stage_at, 0) THEN ?3 ELSE last_stage END, "
    "last_stage_at = max(coalesce(last_stage_at, 0), ?2)";
static const char SQL_EVENT_ADD[] =
    "INSERT INTO event (time, mac, stage, detail, peer) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_EVENT_TRIM[] =
    "DELETE FROM event WHERE id <= (SELECT max(id) FROM event) - ?1";

static int record_one(struct store *s, const struct boot_event *e)
{
        char mac[MAC_STR_LEN];
        mac_format(&e->mac, mac);
        sqlite3_stmt *st = store_stmt(s, SQL_SEEN);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, e->time);
        sqlite3_bind_text(st, 3, e->stage, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_sqlite_fail(s, "machine seen");

        st = store_stmt(s, SQL_EVENT_ADD);
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
