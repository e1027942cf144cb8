/* The boot-script generation: a counter the database bumps (schema v4
 * triggers) whenever anything a per-MAC boot script is rendered from
 * changes, so rendered scripts can be cached and re-checked cheaply. */
#include "store/store_internal.h"

#include <errno.h>

static const char SQL_GENERATION[] = "SELECT gen FROM script_generation WHERE id = 1";

int store_script_generation(struct store *s, int64_t *ret)
{
        sqlite3_stmt *st = store_stmt(s, SQL_GENERATION);
        if (!st)
                return -EIO;
        int rc = sqlite3_step(st);
        int64_t gen = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        /* Reset at once: a statement left on its row would pin this
         * connection's read snapshot (store_internal.h). */
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
                return rc == SQLITE_DONE ? store_fail(s, -EIO, NULL, "script generation missing")
                                         : store_sqlite_fail(s, "script generation");
        *ret = gen;
        return 0;
}
