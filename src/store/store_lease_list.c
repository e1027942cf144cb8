/* Leases, read side: listing for the REST API and the per-subnet "in use"
 * gauge for /metrics.  The DHCP server owns the writes to this table;
 * times are milliseconds like everywhere in the store. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lease_row_list_free(struct lease_row *ls, size_t n)
{
        for (size_t i = 0; ls && i < n; i++)
                free(ls[i].hostname);
        free(ls);
}

#define LEASE_FILTER "WHERE (?1 IS NULL OR mac = ?1) AND (?2 IS NULL OR state = ?2)"

static const char SQL_LEASE_LIST[] =
    "SELECT ip, mac, subnet, state, starts, ends, hostname FROM lease " LEASE_FILTER
    " ORDER BY ip LIMIT ?3 OFFSET ?4";
static const char SQL_LEASE_COUNT[] = "SELECT count(*) FROM lease " LEASE_FILTER;

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
        const unsigned char *t = sqlite3_column_text(st, col);
        snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static void bind_lease_filter(sqlite3_stmt *st, const char *mac, const char *state)
{
        store_bind_text_or_null(st, 1, mac);
        store_bind_text_or_null(st, 2, state);
}

static int lease_row_read(sqlite3_stmt *st, struct lease_row *l)
{
        bool oom = false;
        *l = (struct lease_row){.ip = (uint32_t)sqlite3_column_int64(st, 0)};
        (void)mac_parse_str((const char *)sqlite3_column_text(st, 1), &l->mac);
        copy_text(l->subnet, sizeof(l->subnet), st, 2);
        copy_text(l->state, sizeof(l->state), st, 3);
        l->starts = sqlite3_column_int64(st, 4);
        l->ends = sqlite3_column_int64(st, 5);
        l->hostname = store_col_text(st, 6, &oom);
        return oom ? -ENOMEM : 0;
}

int store_lease_rows(struct store *s, const struct mac *mac, const char *state, int64_t offset,
                     int64_t limit, struct lease_row **ret, size_t *ret_n, int64_t *ret_total)
{
        char m[MAC_STR_LEN];
        if (mac)
                mac_format(mac, m);
        sqlite3_stmt *st = store_stmt(s, SQL_LEASE_LIST);
        if (!st)
                return -EIO;
        bind_lease_filter(st, mac ? m : NULL, state);
        sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1);
        sqlite3_bind_int64(st, 4, offset > 0 ? offset : 0);
        struct lease_row *v = NULL;
        size_t n = 0;
        int rc, r = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct lease_row *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                r = lease_row_read(st, &v[n++]);
                if (r < 0)
                        break;
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = store_sqlite_fail(s, "lease list");
        sqlite3_reset(st);
        int64_t total = 0;
        if (r == 0 && ret_total) {
                st = store_stmt(s, SQL_LEASE_COUNT);
                if (!st) {
                        r = -EIO;
                } else {
                        bind_lease_filter(st, mac ? m : NULL, state);
                        if (sqlite3_step(st) == SQLITE_ROW)
                                total = sqlite3_column_int64(st, 0);
                        else
                                r = store_sqlite_fail(s, "lease count");
                        sqlite3_reset(st);
                }
        }
        if (r < 0) {
                lease_row_list_free(v, n);
                return r == -ENOMEM ? store_fail(s, r, NULL, "out of memory") : r;
        }
        *ret = v;
        *ret_n = n;
        if (ret_total)
                *ret_total = total;
        return 0;
}

static const char SQL_LEASE_IN_USE[] =
    "SELECT subnet, count(*) FROM lease WHERE state = 'bound' AND ends > ?1 "
    "GROUP BY subnet ORDER BY subnet";

int store_lease_in_use(struct store *s, int64_t now, struct lease_subnet_count **ret, size_t *ret_n)
{
        sqlite3_stmt *st = store_stmt(s, SQL_LEASE_IN_USE);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, now);
        struct lease_subnet_count *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct lease_subnet_count *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        free(v);
                        sqlite3_reset(st);
                        return store_fail(s, -ENOMEM, NULL, "out of memory");
                }
                v = nv;
                copy_text(v[n].subnet, sizeof(v[n].subnet), st, 0);
                v[n].in_use = sqlite3_column_int64(st, 1);
                n++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                free(v);
                return store_sqlite_fail(s, "lease count");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
