/* Aggregate counts over the inventory for the dashboard, the status API and
 * /metrics. */
#include "store/store_internal.h"

#include <errno.h>

static const char SQL_MACHINE_COUNTS[] = "SELECT state, count(*) FROM machine GROUP BY state";

int store_machine_counts(struct store *s, int64_t ret_by_state[3])
{
        sqlite3_stmt *st = store_stmt(s, SQL_MACHINE_COUNTS);
        if (!st)
                return -EIO;
        int64_t v[3] = {0, 0, 0};
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                enum machine_state ms;
                if (machine_state_parse((const char *)sqlite3_column_text(st, 0), &ms) == 0)
                        v[ms] = sqlite3_column_int64(st, 1);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_sqlite_fail(s, "machine counts");
        for (int i = 0; i < 3; i++)
                ret_by_state[i] = v[i];
        return 0;
}

void store_idle(struct store *s)
{
        /* A cached statement that stepped to a row and was never reset keeps
         * its read transaction open; in WAL mode that pins an old snapshot,
         * and this connection's next write fails with SQLITE_BUSY_SNAPSHOT
         * ("database is locked") once another connection has written. */
        for (size_t i = 0; s && i < s->n_cache; i++)
                if (sqlite3_stmt_busy(s->cache[i].stmt)) /* runs after every request */
                        sqlite3_reset(s->cache[i].stmt);
}
