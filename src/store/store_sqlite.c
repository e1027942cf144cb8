/* The SQLite backend of the store's database layer: connection settings,
 * statements, errors, transactions and read snapshots (store_ops). */
#include "store/store_internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int store_sqlite_errno(int rc)
{
        rc &= 0xff; /* extended codes: the primary one */
        return rc == SQLITE_CONSTRAINT ? -EEXIST : rc == SQLITE_BUSY ? -EAGAIN : -EIO;
}

static int lite_db_fail(struct store *s, const char *what)
{
        int err = store_sqlite_errno(sqlite3_errcode(s->db));
        return store_fail(s, err, NULL, "%s: %s", what, sqlite3_errmsg(s->db));
}

static int lite_prepare(struct store *s, struct store_stmt *st)
{
        if (sqlite3_prepare_v3(s->db, st->sql, -1, SQLITE_PREPARE_PERSISTENT, &st->lite, NULL) !=
            SQLITE_OK) {
                st->lite = NULL;
                return lite_db_fail(s, "prepare");
        }
        return 0;
}

static int lite_exec(struct store *s, const char *sql)
{
        char *msg = NULL;
        if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
                int r = store_fail(s, -EIO, NULL, "%s", msg ? msg : sqlite3_errmsg(s->db));
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_READ_BEGIN[] = "BEGIN";
static const char SQL_READ_END[] = "COMMIT";

static int lite_begin(struct store *s)
{
        return store_run(s, SQL_BEGIN, "begin");
}

static int lite_commit(struct store *s)
{
        return store_run(s, SQL_COMMIT, "commit");
}

static void lite_rollback(struct store *s)
{
        if (!sqlite3_get_autocommit(s->db))
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int lite_read_begin(struct store *s)
{
        if (!sqlite3_get_autocommit(s->db))
                return store_fail(s, -EBUSY, NULL, "a transaction is already open");
        return store_run(s, SQL_READ_BEGIN, "begin");
}

/* A cached statement that stepped to a row and was never reset keeps its
 * read transaction open; in WAL mode that pins an old snapshot, and this
 * connection's next write fails with SQLITE_BUSY_SNAPSHOT ("database is
 * locked") once another connection has written. */
static void lite_idle(struct store *s)
{
        for (size_t i = 0; i < s->n_stmts; i++)
                if (sqlite3_stmt_busy(s->stmts[i].lite)) /* runs after every request */
                        sqlite3_reset(s->stmts[i].lite);
}

static void lite_read_end(struct store *s)
{
        if (sqlite3_get_autocommit(s->db))
                return;
        /* Statements left on a row would keep the snapshot (and a WAL read
         * mark) alive after the COMMIT; finish them first. */
        lite_idle(s);
        struct store_stmt *st = store_prepare(s, SQL_READ_END);
        if (st) {
                (void)sqlite3_step(st->lite);
                sqlite3_reset(st->lite);
        }
}

static int lite_schema_version(struct store *s, int *ret)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
                return lite_db_fail(s, "read schema version");
        int r = -EIO;
        if (sqlite3_step(st) == SQLITE_ROW) {
                *ret = sqlite3_column_int(st, 0);
                r = 0;
        }
        sqlite3_finalize(st);
        return r < 0 ? lite_db_fail(s, "read schema version") : 0;
}

static int lite_schema_lock(struct store *s)
{
        (void)s; /* BEGIN IMMEDIATE already holds the writer lock */
        return 0;
}

static int lite_schema_set(struct store *s, int version)
{
        char bump[64];
        snprintf(bump, sizeof(bump), "PRAGMA user_version=%d", version);
        return lite_exec(s, bump);
}

static int lite_set_fsync(struct store *s, bool full)
{
        lite_idle(s);
        return lite_exec(s, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

static const char SQL_DATA_VERSION[] = "SELECT v FROM inventory_version WHERE id = 1";

static int lite_data_version(struct store *s, int64_t *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_DATA_VERSION);
        if (!st)
                return -EIO;
        if (store_step(st) != STORE_ROW)
                return lite_db_fail(s, "data_version");
        int64_t v = store_col_int64(st, 0);
        store_reset(st);
        *ret = v;
        return 0;
}

/* Process-wide SQLite settings, before the library initialises itself.
 * Memory statistics (on by default) take one global mutex around every
 * SQLite allocation; with the HTTP threads and the event writer each on
 * their own connection that mutex was contended on every request (futex
 * calls).  Nothing here reads the statistics.  Too late (SQLITE_MISUSE,
 * e.g. another library used SQLite first) just keeps the default. */
static void lite_global_init(void)
{
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Waiting for another connection's write lock: SQLite's own busy_timeout
 * sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between attempts, so a lock held for
 * 3 ms (the DHCP loop's lease commit, the checkpointer's FULL checkpoint)
 * cost its waiter 8 ms.  Poll every 0.1 ms for the first 10 ms, then every
 * 2 ms, and give up (SQLITE_BUSY) after ~10 s as before. */
#define BUSY_FINE_TRIES 100
#define BUSY_FINE_US    100
#define BUSY_COARSE_US  2000
#define BUSY_COARSE_MAX 5000

static int on_busy(void *arg, int tries)
{
        (void)arg;
        if (tries >= BUSY_FINE_TRIES + BUSY_COARSE_MAX)
                return 0;
        struct timespec ts = {.tv_nsec = (tries < BUSY_FINE_TRIES ? BUSY_FINE_US : BUSY_COARSE_US) *
                                         1000L};
        nanosleep(&ts, NULL);
        return 1;
}

static int lite_open(struct store *s, const char *path)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, lite_global_init);
        /* A new database is created 0600 whatever the umask: it holds
         * password hashes.  SQLite gives its -wal and -shm the same mode. */
        if (*path != ':' && strncmp(path, "file:", 5) != 0) {
                int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd >= 0)
                        close(fd);
        }
        int rc = sqlite3_open_v2(
            path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK)
                return store_fail(s, -EIO, NULL, "%s",
                                  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite3_busy_handler(s->db, on_busy, NULL);
        /* WAL: readers never block the writer.  synchronous=NORMAL: a commit
         * survives a crash of the process (kill -9); only an OS crash can
         * lose the last transactions, never corrupt the file.
         * cache_size: up to 32 MiB of pages per connection (allocated as
         * used).  With the default 2 MiB, the boot-event writer re-read the
         * event index from the file (pread) on every batch once the event log
         * outgrew it: ~30% of its CPU under a /boot/<mac>.ipxe load.
         * journal_size_limit: see STORE_WAL_KEEP_BYTES.  temp_store=MEMORY:
         * temporary tables and sort spills stay in memory, not in /var/tmp,
         * which serve's Landlock rules do not allow (core/confine.h); what
         * they hold here is small. */
        char sql[224];
        snprintf(
            sql, sizeof(sql),
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-32768; PRAGMA journal_size_limit=%d; PRAGMA temp_store=MEMORY;",
            STORE_WAL_KEEP_BYTES);
        return lite_exec(s, sql);
}

static void lite_close(struct store *s)
{
        for (size_t i = 0; i < s->n_stmts; i++)
                sqlite3_finalize(s->stmts[i].lite);
        sqlite3_close(s->db);
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = lite_open,
    .close = lite_close,
    .prepare = lite_prepare,
    .exec = lite_exec,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .read_begin = lite_read_begin,
    .read_end = lite_read_end,
    .idle = lite_idle,
    .db_fail = lite_db_fail,
    .schema_version = lite_schema_version,
    .schema_lock = lite_schema_lock,
    .schema_set = lite_schema_set,
    .set_fsync = lite_set_fsync,
    .data_version = lite_data_version,
    .script_generation = store_generation_read,
    .schema = &store_sqlite_schema,
};
