/* DHCP leases: one row per address that was ever handed out, so a restart
 * (or kill -9) keeps every binding.  Written by the DHCP server before it
 * sends the ACK. */
#include "store/store_internal.h"

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

static int lease_from_row(struct store_stmt *st, struct lease *l)
{
        memset(l, 0, sizeof(*l));
        l->ip = (uint32_t)store_col_int64(st, 0);
        const char *mac = store_col_text(st, 1);
        if (!mac || mac_parse_str(mac, &l->mac) < 0)
                return -EINVAL;
        size_t n;
        const void *id = store_col_blob(st, 2, &n);
        if (id && n > 0 && n <= sizeof(l->client_id)) {
                memcpy(l->client_id, id, n);
                l->client_id_len = n;
        }
        store_col_copy(st, 3, l->subnet, sizeof(l->subnet));
        const char *state = store_col_text(st, 4);
        if (!state || lease_state_parse(state, &l->state) < 0)
                return -EINVAL;
        l->starts = store_col_int64(st, 5);
        l->ends = store_col_int64(st, 6);
        store_col_copy(st, 7, l->hostname, sizeof(l->hostname));
        return 0;
}

static const char SQL_LEASE_LIST[] = "SELECT " LEASE_COLS " FROM lease ORDER BY ip";

int store_lease_list(struct store *s, struct lease **ret, size_t *ret_n)
{
        struct store_stmt *st = store_prepare(s, SQL_LEASE_LIST);
        if (!st)
                return -EIO;
        struct lease *v = NULL;
        size_t n = 0, cap = 0;
        int rc;
        while ((rc = store_step(st)) == STORE_ROW) {
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        struct lease *nv = realloc(v, ncap * sizeof(*nv));
                        if (!nv) {
                                free(v);
                                store_reset(st);
                                return store_fail(s, -ENOMEM, NULL, "out of memory");
                        }
                        v = nv;
                        cap = ncap;
                }
                /* A row this build cannot read is skipped, not fatal. */
                if (lease_from_row(st, &v[n]) == 0)
                        n++;
        }
        if (rc != STORE_DONE) {
                free(v);
                return store_db_fail(s, "lease list");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static const char SQL_LEASE_GET[] = "SELECT " LEASE_COLS " FROM lease WHERE ip = ?1";

int store_lease_get(struct store *s, uint32_t ip, struct lease *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_LEASE_GET);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, ip);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return store_fail(s, -ENOENT, "ip", "no lease for that address");
        if (rc != STORE_ROW)
                return store_db_fail(s, "lease get");
        struct lease l;
        int r = lease_from_row(st, &l);
        store_reset(st);
        if (r < 0)
                return store_fail(s, -EIO, NULL, "unreadable lease row");
        *ret = l;
        return 0;
}

/* A new address, or an address another client held: the whole row. */
static const char SQL_LEASE_PUT[] =
    "INSERT INTO lease (" LEASE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (ip) DO UPDATE SET mac = excluded.mac, client_id = excluded.client_id, "
    "subnet = excluded.subnet, state = excluded.state, starts = excluded.starts, "
    "ends = excluded.ends, hostname = excluded.hostname";
/* The same row for the same client (renewals, the ACK after a stored
 * offer): update in place, leaving the lease_mac index alone.  REPLACE
 * deletes and re-inserts, rewriting the index page too: one more page in
 * the WAL per DHCP commit, and more for the checkpointer to copy back. */
static const char SQL_LEASE_UPDATE[] =
    "UPDATE lease SET client_id = ?3, subnet = ?4, state = ?5, starts = ?6, ends = ?7, "
    "hostname = ?8 WHERE ip = ?1 AND mac = ?2";

static void lease_bind(struct store_stmt *st, const struct lease *l, const char *mac)
{
        store_bind_int64(st, 1, l->ip);
        store_bind_text(st, 2, mac);
        if (l->client_id_len)
                store_bind_blob(st, 3, l->client_id, l->client_id_len);
        else
                store_bind_null(st, 3);
        store_bind_text(st, 4, l->subnet);
        store_bind_text(st, 5, lease_state_name(l->state));
        store_bind_int64(st, 6, l->starts);
        store_bind_int64(st, 7, l->ends);
        store_bind_text(st, 8, l->hostname[0] ? l->hostname : NULL);
}

static int lease_put_one(struct store *s, const struct lease *l)
{
        char mac[MAC_STR_LEN];
        mac_format(&l->mac, mac);
        struct store_stmt *st = store_prepare(s, SQL_LEASE_UPDATE);
        if (!st)
                return -EIO;
        lease_bind(st, l, mac);
        if (store_step(st) < 0)
                return store_db_fail(s, "lease write");
        if (store_changes(st) > 0)
                return 0;
        st = store_prepare(s, SQL_LEASE_PUT);
        if (!st)
                return -EIO;
        lease_bind(st, l, mac);
        if (store_step(st) < 0)
                return store_db_fail(s, "lease write");
        return 0;
}

int store_lease_put_many(struct store *s, const struct lease *ls, size_t n)
{
        if (n == 0)
                return 0;
        /* A cached SELECT left open would make BEGIN fail on a stale snapshot. */
        store_idle(s);
        int r = store_begin(s);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = lease_put_one(s, &ls[i]);
        if (r >= 0)
                r = store_commit_leases(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

/* The database as the arbiter between servers: the upsert changes a row
 * only where this client may have the address (see store.h), and says so
 * by returning it. */
static const char SQL_LEASE_CLAIM[] =
    "INSERT INTO lease (" LEASE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (ip) DO UPDATE SET mac = excluded.mac, client_id = excluded.client_id, "
    "subnet = excluded.subnet, state = excluded.state, starts = excluded.starts, "
    "ends = excluded.ends, hostname = excluded.hostname "
    "WHERE lease.mac = excluded.mac OR lease.state IN ('released', 'expired') "
    "OR lease.ends <= ?9 RETURNING ip";
static const char SQL_LEASE_EXPIRE[] =
    "UPDATE lease SET state = 'expired' WHERE ip = ?1 AND mac = ?2 AND ends <= ?3 "
    "AND state IN ('bound', 'offered', 'declined') RETURNING ip";

static int lease_claim_one(struct store *s, const struct lease *l, int64_t now, bool *claimed)
{
        char mac[MAC_STR_LEN];
        mac_format(&l->mac, mac);
        bool expire = l->state == LEASE_EXPIRED;
        struct store_stmt *st = store_prepare(s, expire ? SQL_LEASE_EXPIRE : SQL_LEASE_CLAIM);
        if (!st)
                return -EIO;
        if (expire) {
                store_bind_int64(st, 1, l->ip);
                store_bind_text(st, 2, mac);
                store_bind_int64(st, 3, now);
        } else {
                lease_bind(st, l, mac);
                store_bind_int64(st, 9, now);
        }
        int rc = store_step(st);
        store_reset(st);
        if (rc < 0)
                return store_db_fail(s, "lease claim");
        *claimed = rc == STORE_ROW;
        return 0;
}

int store_lease_claim_many(struct store *s, const struct lease *ls, size_t n, int64_t now,
                           bool *ret_claimed)
{
        if (n == 0)
                return 0;
        store_idle(s);
        int r = store_begin(s);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = lease_claim_one(s, &ls[i], now, &ret_claimed[i]);
        if (r >= 0)
                r = store_commit_leases(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

/* Rows that committed after a later sequence number was read would be
 * skipped by a plain "seq > cursor": look this far back (lease
 * transactions are a few statements, milliseconds). */
#define LEASE_CHANGES_LOOKBACK 64

static const char SQL_LEASE_CHANGES[] =
    "SELECT " LEASE_COLS ", seq FROM lease WHERE seq > ?1 ORDER BY seq LIMIT ?2";

int store_lease_changes(struct store *s, int64_t *cursor, size_t max, struct lease **ret,
                        size_t *ret_n)
{
        struct store_stmt *st = store_prepare(s, SQL_LEASE_CHANGES);
        if (!st)
                return -EIO;
        int64_t from = *cursor > LEASE_CHANGES_LOOKBACK ? *cursor - LEASE_CHANGES_LOOKBACK : 0;
        store_bind_int64(st, 1, from);
        store_bind_int64(st, 2, max ? (int64_t)max : 1);
        struct lease *v = NULL;
        size_t n = 0;
        int64_t last = *cursor;
        int rc;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct lease *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        free(v);
                        store_reset(st);
                        return store_fail(s, -ENOMEM, NULL, "out of memory");
                }
                v = nv;
                if (lease_from_row(st, &v[n]) == 0)
                        n++;
                int64_t seq = store_col_int64(st, 8);
                if (seq > last)
                        last = seq;
        }
        store_reset(st);
        if (rc != STORE_DONE) {
                free(v);
                return store_db_fail(s, "lease changes");
        }
        *cursor = last;
        *ret = v;
        *ret_n = n;
        return 0;
}

static const char SQL_LEASE_DELETE[] = "DELETE FROM lease WHERE ip = ?1";

int store_lease_delete(struct store *s, uint32_t ip)
{
        struct store_stmt *st = store_prepare(s, SQL_LEASE_DELETE);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, ip);
        if (store_step(st) < 0)
                return store_db_fail(s, "lease delete");
        if (store_changes(st) == 0)
                return store_fail(s, -ENOENT, "ip", "no lease for that address");
        return 0;
}

static const char SQL_LEASE_RESERVATION[] = "SELECT mac FROM machine WHERE ipv4 = ?1";

int store_lease_reservation(struct store *s, uint32_t ip, struct mac *ret_mac)
{
        struct store_stmt *st = store_prepare(s, SQL_LEASE_RESERVATION);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, ip);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return -ENOENT;
        if (rc != STORE_ROW)
                return store_db_fail(s, "reservation lookup");
        const char *mac = store_col_text(st, 0);
        struct mac m;
        int r = mac ? mac_parse_str(mac, &m) : -EINVAL;
        store_reset(st);
        if (r < 0)
                return store_fail(s, -EIO, NULL, "unreadable MAC in the inventory");
        *ret_mac = m;
        return 0;
}
