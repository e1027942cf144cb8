/* Ending read snapshots left open by lookups.
 *
 * A cached statement that returned SQLITE_ROW and was not reset keeps its
 * read transaction (a WAL snapshot) open until the statement is next used.
 * On a long-lived connection, such as the main loop's that TFTP looks
 * machines up on, that means stale reads (an assignment made by the CLI is
 * not seen) and writes refused with SQLITE_BUSY_SNAPSHOT ("database is
 * locked") when the same connection later flushes boot events. */
#include "store/store_internal.h"

void store_end_reads(struct store *s)
{
        for (size_t i = 0; i < s->n_cache; i++)
                sqlite3_reset(s->cache[i].stmt);
}
