/* Aggregate counts over the inventory for the dashboard, the status API and
 * /metrics. */
#include "store/store_internal.h"

static const char SQL_MACHINE_COUNTS[] = "SELECT state, count(*) FROM machine GROUP BY state";

int store_machine_counts(struct store *s, int64_t ret_by_state[3])
{
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_COUNTS);
        if (!st)
                return -EIO;
        int64_t v[3] = {0, 0, 0};
        int rc;
        while ((rc = store_step(st)) == STORE_ROW) {
                enum machine_state ms;
                const char *state = store_col_text(st, 0);
                if (state && machine_state_parse(state, &ms) == 0)
                        v[ms] = store_col_int64(st, 1);
        }
        store_reset(st);
        if (rc != STORE_DONE)
                return store_db_fail(s, "machine counts");
        for (int i = 0; i < 3; i++)
                ret_by_state[i] = v[i];
        return 0;
}
