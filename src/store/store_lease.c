/* DHCP leases: one row per address that was ever handed out, so a restart
 * (or kill -9) keeps every binding.  Written by the DHCP server before it
 * sends the ACK. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const lease_state_names[] = {"offered", "bound", "released", "declined",
                                                "expired"};
#define N_LEASE_STATES (sizeof(lease_state_names) / sizeof(lease_state_names[0]))

const char *lease_state_name(enum lease_state st)
{
        return (unsigned)st < N_LEASE_STATES ? lease_state_names[st] : "expired";
}

int lease_state_parse(const char *s, enum lease_state *ret)
{
        for (size_t i = 0; i < N_LEASE_STATES; i++)
                if (strcmp(s, lease_state_names[i]) == 0) {
                        *ret = (enum lease_state)i;
                        return 0;
                }
        return -EINVAL;
}

#define LEASE_COLS "ip, mac, client_id, subnet, state, starts, ends, hostname"

static int lease_from_row(sqlite3_stmt *st, struct lease *l)
{
        memset(l, 0, sizeof(*l));
        l->ip = (uint32_t)sqlite3_column_int64(st, 0);
        const char *mac = (const char *)sqlite3_column_text(st, 1);
        if (!mac || mac_parse_str(mac, &l->mac) < 0)
                return -EINVAL;
        int n = sqlite3_column_bytes(st, 2);
        const void *id = sqlite3_column_blob(st, 2);
        if (id && n > 0 && (size_t)n <= sizeof(l->client_id)) {
                memcpy(l->client_id, id, (size_t)n);
                l->client_id_len = (size_t)n;
        }
        const char *subnet = (const char *)sqlite3_column_text(st, 3);
        snprintf(l->subnet, sizeof(l->subnet), "%s", subnet ? subnet : "");
        const char *state = (const char *)sqlite3_column_text(st, 4);
        if (!state || lease_state_parse(state, &l->state) < 0)
                return -EINVAL;
        l->starts = sqlite3_column_int64(st, 5);
        l->ends = sqlite3_column_int64(st, 6);
        const char *host = (const char *)sqlite3_column_text(st, 7);
        snprintf(l->hostname, sizeof(l->hostname), "%s", host ? host : "");
        return 0;
}

static const char SQL_LEASE_LIST[] = "SELECT " LEASE_COLS " FROM lease ORDER BY ip";

int store_lease_list(struct store *s, struct lease **ret, size_t *ret_n)
{
        sqlite3_stmt *st = store_stmt(s, SQL_LEASE_LIST);
        if (!st)
                return -EIO;
        struct lease *v = NULL;
        size_t n = 0, cap = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        struct lease *nv = realloc(v, ncap * sizeof(*nv));
                        if (!nv) {
                                free(v);
                                return store_fail(s, -ENOMEM, NULL, "out of memory");
                        }
                        v = nv;
                        cap = ncap;
                }
                /* A row this build cannot read is skipped, not fatal. */
                if (lease_from_row(st, &v[n]) == 0)
                        n++;
        }
        if (rc != SQLITE_DONE) {
                free(v);
                return store_sqlite_fail(s, "lease list");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static const char SQL_LEASE_GET[] = "SELECT " LEASE_COLS " FROM lease WHERE ip = ?1";

int store_lease_get(struct store *s, uint32_t ip, struct lease *ret)
{
        sqlite3_stmt *st = store_stmt(s, SQL_LEASE_GET);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, ip);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return store_fail(s, -ENOENT, "ip", "no lease for that address");
        if (rc != SQLITE_ROW)
                return store_sqlite_fail(s, "lease get");
        struct lease l;
        int r = lease_from_row(st, &l);
        sqlite3_reset(st);
        if (r < 0)
                return store_fail(s, -EIO, NULL, "unreadable lease row");
        *ret = l;
        return 0;
}

static const char SQL_LEASE_PUT[] =
    "INSERT OR REPLACE INTO lease (" LEASE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* The same row for the same client (renewals, the ACK after a stored
 * offer): update in place, leaving the lease_mac index alone.  REPLACE
 * deletes and re-inserts, rewriting the index page too: one more page in
 * the WAL per DHCP commit, and more for the checkpointer to copy back. */
static const char SQL_LEASE_UPDATE[] =
    "UPDATE lease SET client_id = ?3, subnet = ?4, state = ?5, starts = ?6, ends = ?7, "
    "hostname = ?8 WHERE ip = ?1 AND mac = ?2";

static void lease_bind(sqlite3_stmt *st, const struct lease *l, const char *mac)
{
        sqlite3_bind_int64(st, 1, l->ip);
        sqlite3_bind_text(st, 2, mac, -1, SQLITE_TRANSIENT);
        if (l->client_id_len)
                sqlite3_bind_blob(st, 3, l->client_id, (int)l->client_id_len, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, l->subnet, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, lease_state_name(l->state), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, l->starts);
        sqlite3_bind_int64(st, 7, l->ends);
        if (l->hostname[0])
                sqlite3_bind_text(st, 8, l->hostname, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 8);
}

static int lease_put_one(struct store *s, const struct lease *l)
{
        char mac[MAC_STR_LEN];
        mac_format(&l->mac, mac);
        sqlite3_stmt *st = store_stmt(s, SQL_LEASE_UPDATE);
        if (!st)
                return -EIO;
        lease_bind(st, l, mac);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_sqlite_fail(s, "lease write");
        if (sqlite3_changes(s->db) > 0)
                return 0;
        st = store_stmt(s, SQL_LEASE_PUT);
        if (!st)
                return -EIO;
        lease_bind(st, l, mac);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_sqlite_fail(s, "lease write");
        return 0;
}

static const char SQL_LEASE_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_LEASE_COMMIT[] = "COMMIT";

/* BEGIN/COMMIT as cached statements: sqlite3_exec() would parse them
 * again on every DHCP loop turn that commits. */
static int lease_tx(struct store *s, const char *sql, const char *what)
{
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : store_sqlite_fail(s, what);
}

int store_lease_put_many(struct store *s, const struct lease *ls, size_t n)
{
        if (n == 0)
                return 0;
        /* A cached SELECT left open would make BEGIN fail on a stale snapshot. */
        store_idle(s);
        int r = lease_tx(s, SQL_LEASE_BEGIN, "lease begin");
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = lease_put_one(s, &ls[i]);
        if (r >= 0)
                r = lease_tx(s, SQL_LEASE_COMMIT, "lease commit");
        if (r < 0)
                store_rollback(s);
        return r;
}

static const char SQL_LEASE_DELETE[] = "DELETE FROM lease WHERE ip = ?1";

int store_lease_delete(struct store *s, uint32_t ip)
{
        sqlite3_stmt *st = store_stmt(s, SQL_LEASE_DELETE);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, ip);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_sqlite_fail(s, "lease delete");
        if (sqlite3_changes(s->db) == 0)
                return store_fail(s, -ENOENT, "ip", "no lease for that address");
        return 0;
}

static const char SQL_LEASE_RESERVATION[] = "SELECT mac FROM machine WHERE ipv4 = ?1";

int store_lease_reservation(struct store *s, uint32_t ip, struct mac *ret_mac)
{
        sqlite3_stmt *st = store_stmt(s, SQL_LEASE_RESERVATION);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, ip);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return store_sqlite_fail(s, "reservation lookup");
        const char *mac = (const char *)sqlite3_column_text(st, 0);
        struct mac m;
        int r = mac ? mac_parse_str(mac, &m) : -EINVAL;
        sqlite3_reset(st);
        if (r < 0)
                return store_fail(s, -EIO, NULL, "unreadable MAC in the inventory");
        *ret_mac = m;
        return 0;
}

int store_set_fsync(struct store *s, bool full)
{
        store_idle(s);
        return store_exec(s, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

static const char SQL_DATA_VERSION[] = "PRAGMA data_version";

int store_data_version(struct store *s, int64_t *ret)
{
        sqlite3_stmt *st = store_stmt(s, SQL_DATA_VERSION);
        if (!st)
                return -EIO;
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return store_sqlite_fail(s, "data_version");
        int64_t v = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        *ret = v;
        return 0;
}
