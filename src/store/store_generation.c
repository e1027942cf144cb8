/* The boot-script generation: a counter the database bumps (schema v4
 * triggers) whenever anything a per-MAC boot script is rendered from
 * changes, so rendered scripts can be cached and re-checked cheaply.
 * store_script_generation() is the backend's: SQLite reads the counter
 * every time (a few microseconds); PostgreSQL reads it again only when a
 * NOTIFY said it moved (store_pg_notify.c). */
#include "store/store_internal.h"

static const char SQL_GENERATION[] = "SELECT gen FROM script_generation WHERE id = 1";

int store_generation_read(struct store *s, int64_t *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_GENERATION);
        if (!st)
                return -EIO;
        int rc = store_step(st);
        int64_t gen = rc == STORE_ROW ? store_col_int64(st, 0) : 0;
        /* Reset at once: a statement left on its row would pin this
         * connection's read snapshot (store_internal.h). */
        store_reset(st);
        if (rc != STORE_ROW)
                return rc == STORE_DONE ? store_fail(s, -EIO, NULL, "script generation missing")
                                        : store_db_fail(s, "script generation");
        *ret = gen;
        return 0;
}

int store_script_generation(struct store *s, int64_t *ret)
{
        return s->ops->script_generation(s, ret);
}
