/* Leases, read side: listing for the REST API and the per-subnet "in use"
 * gauge for /metrics.  The DHCP server owns the writes to this table;
 * times are milliseconds like everywhere in the store. */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lease_row_list_free(struct lease_row *ls, size_t n)
{
        for (size_t i = 0; ls && i < n; i++)
                free(ls[i].hostname);
        free(ls);
}

#define LEASE_FILTER "WHERE (mac = ?1 OR ?1 IS NULL) AND (state = ?2 OR ?2 IS NULL)"

static const char SQL_LEASE_LIST[] =
    "SELECT ip, mac, subnet, state, starts, ends, hostname FROM lease " LEASE_FILTER
    " ORDER BY ip LIMIT ?3 OFFSET ?4";
static const char SQL_LEASE_COUNT[] = "SELECT count(*) FROM lease " LEASE_FILTER;

static void bind_lease_filter(struct store_stmt *st, const char *mac, const char *state)
{
        store_bind_text(st, 1, mac);
        store_bind_text(st, 2, state);
}

static int lease_row_read(struct store_stmt *st, struct lease_row *l)
{
        bool oom = false;
        *l = (struct lease_row){.ip = (uint32_t)store_col_int64(st, 0)};
        const char *mac = store_col_text(st, 1);
        if (mac)
                (void)mac_parse_str(mac, &l->mac);
        store_col_copy(st, 2, l->subnet, sizeof(l->subnet));
        store_col_copy(st, 3, l->state, sizeof(l->state));
        l->starts = store_col_int64(st, 4);
        l->ends = store_col_int64(st, 5);
        l->hostname = store_col_dup(st, 6, &oom);
        return oom ? -ENOMEM : 0;
}

static int lease_count(struct store *s, const char *mac, const char *state, int64_t *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_LEASE_COUNT);
        if (!st)
                return -EIO;
        bind_lease_filter(st, mac, state);
        int r = 0;
        if (store_step(st) == STORE_ROW)
                *ret = store_col_int64(st, 0);
        else
                r = store_db_fail(s, "lease count");
        store_reset(st);
        return r;
}

int store_lease_rows(struct store *s, const struct mac *mac, const char *state, int64_t offset,
                     int64_t limit, struct lease_row **ret, size_t *ret_n, int64_t *ret_total)
{
        char m[MAC_STR_LEN];
        if (mac)
                mac_format(mac, m);
        struct store_stmt *st = store_prepare(s, SQL_LEASE_LIST);
        if (!st)
                return -EIO;
        bind_lease_filter(st, mac ? m : NULL, state);
        store_bind_int64(st, 3, limit > 0 ? limit : INT64_MAX);
        store_bind_int64(st, 4, offset > 0 ? offset : 0);
        struct lease_row *v = NULL;
        size_t n = 0;
        int rc, r = 0;
        while ((rc = store_step(st)) == STORE_ROW) {
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
        if (r == 0 && rc != STORE_DONE)
                r = store_db_fail(s, "lease list");
        store_reset(st);
        int64_t total = 0;
        if (r == 0 && ret_total)
                r = lease_count(s, mac ? m : NULL, state, &total);
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
        struct store_stmt *st = store_prepare(s, SQL_LEASE_IN_USE);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, now);
        struct lease_subnet_count *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct lease_subnet_count *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        free(v);
                        store_reset(st);
                        return store_fail(s, -ENOMEM, NULL, "out of memory");
                }
                v = nv;
                store_col_copy(st, 0, v[n].subnet, sizeof(v[n].subnet));
                v[n].in_use = store_col_int64(st, 1);
                n++;
        }
        store_reset(st);
        if (rc != STORE_DONE) {
                free(v);
                return store_db_fail(s, "lease count");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
