/* The store's internal database layer: what every store_*.c function is
 * written against, so that each is written once and runs on SQLite and on
 * PostgreSQL.  Not for use outside store/.  How to write a store function:
 *
 *   struct store_stmt *st = store_prepare(s, SQL_X);   // cached per connection
 *   store_bind_text(st, 1, name);                      // ?1 .. ?N
 *   int rc = store_step(st);                           // STORE_ROW, STORE_DONE, -errno
 *   ... store_col_int64(st, 0) ...
 *   store_reset(st);                                   // once its row is read
 *
 * SQL: one dialect for both backends: parameters are ?1..?N (each number
 * may repeat); write what both accept: ON CONFLICT (...) DO UPDATE (qualify
 * the existing row's columns with the table name: PostgreSQL calls a bare
 * name ambiguous), RETURNING, coalesce, CASE, CAST(? AS BIGINT), lower(),
 * instr(a, b) > 0 (a function the PostgreSQL schema provides), "user"
 * quoted.  A parameter's first use must tell PostgreSQL its type: write
 * `(col = ?1 OR ?1 IS NULL)`, not `(?1 IS NULL OR col = ?1)`; `?1 - ?2`
 * alone needs a CAST.  No LIMIT -1: bind INT64_MAX for "no limit".  A
 * column is read with the accessor of its declared type (int64 for every
 * INTEGER/BIGINT column, text, blob).
 *
 * Cost: on SQLite each call below is the sqlite3_* call it names plus one
 * predictable branch (the wrappers are inline), and statements are cached
 * by the address of their SQL literal exactly as before; PostgreSQL pays
 * a round trip per store_step() that runs a statement (and one per
 * statement per connection for PQprepare, the first time). */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Distinct SQL statements one connection can hold prepared (the store has
 * ~60); past this store_prepare() fails (a programming error). */
#define STORE_STMT_MAX   128
#define STORE_STMT_SLOTS 256 /* hash slots, a power of two > STORE_STMT_MAX */
/* Highest ?N a statement may use (multi-row inserts: rows x columns). */
#define STORE_PARAMS_MAX 256

/* SQLite: what the -wal file is cut back to when the WAL starts over
 * (PRAGMA journal_size_limit, every connection).  Without it the file keeps
 * the size of the largest burst forever (142 MB after a random-MAC flood);
 * the checkpointer also truncates it to 0 once the writer is idle
 * (store_checkpoint.c).  24 MiB: above the ~17 MB the WAL reaches between
 * restarts under sustained load (WAL_HIGH frames), so steady load never
 * truncates and regrows it: with 4 MiB the median lease commit took ~10%
 * longer (appending to the file instead of overwriting it). */
#define STORE_WAL_KEEP_BYTES (24 * 1024 * 1024)

#define STORE_DONE 0
#define STORE_ROW  1

struct pg_conn;        /* libpq's PGconn */
struct store_pg_stmt;  /* store_pg_stmt.c */
struct store_pg_state; /* store_pg.c: per-connection PostgreSQL state */

struct store_stmt {
        const char *sql; /* cache key: the address of a string literal */
        struct store *s;
        sqlite3_stmt *lite;       /* SQLite; NULL on PostgreSQL */
        struct store_pg_stmt *pg; /* PostgreSQL: name, parameters, result */
};

struct store {
        const struct store_ops *ops;
        sqlite3 *db;        /* SQLite */
        struct pg_conn *pg; /* PostgreSQL */
        struct store_pg_state *pgs;
        /* Prepared statements, looked up by the address of their SQL text
         * (always a string literal) through a small hash, so hot paths
         * never re-parse SQL. */
        struct store_stmt stmts[STORE_STMT_MAX];
        size_t n_stmts;
        uint8_t slot[STORE_STMT_SLOTS]; /* index + 1 into stmts; 0 = empty */
        /* PostgreSQL: the last failure's errno and message, for
         * store_db_fail() (SQLite keeps its own). */
        int pg_err;
        char pg_msg[200];
        char errmsg[256];
        const char *errfield;
        struct store_discovery_state *disc; /* store_set_discovery(); NULL = no limits */
        char actor[64];                     /* store_set_actor(); "" = writes not audited */
};

/* store_discovery.c, inside store_record_events()'s transaction: drop the
 * events of new MACs refused by the discovery limits; fold each event
 * that repeats its MAC's previous one (same stage and detail) into it. */
int store_discovery_filter(struct store *s, struct boot_event *evs, size_t *n);
int store_events_fold(struct store *s, struct boot_event *evs, size_t *n);
void store_discovery_free(struct store *s);

/* ---- the audit log (store_audit.c) ----
 * An audited write, inside its transaction:
 *   json_t *before = store_audit_image(s, name);   // NULL when not audited
 *   ... the change ...
 *   r = store_audit_tx(s, "image.update", name, before, store_audit_image(s, name));
 * The snapshots cost nothing on a connection without an actor. */
/* The recorded view of an image / a machine / a user or token row (its
 * role; table "user" or "token"); NULL when not audited or absent. */
json_t *store_audit_image(struct store *s, const char *name);
json_t *store_audit_machine(struct store *s, const struct mac *mac);
json_t *store_audit_role(struct store *s, const char *table, const char *name);
/* Appends a row (before/after: references stolen, NULL = none) and trims
 * the log to its retention; 0 without an actor. */
int store_audit_tx(struct store *s, const char *action, const char *object, json_t *before,
                   json_t *after);

/* ---- statements ---- */

/* Returns the connection's statement for the literal sql, ready to bind
 * (reset, no bindings).  NULL on error, with errmsg set.  Reset it once its
 * row is read: on SQLite a statement left on a row keeps a read transaction
 * open, and the connection keeps seeing that old snapshot (HTTP threads
 * hold their connection for the daemon's life). */
struct store_stmt *store_prepare(struct store *s, const char *sql);

/* The backend's side of the calls below (not called directly). */
int store_sqlite_errno(int rc);
int store_pg_step(struct store_stmt *st);
void store_pg_reset(struct store_stmt *st);
void store_pg_clear(struct store_stmt *st); /* reset, and no bindings */
void store_pg_bind(struct store_stmt *st, int idx, const void *v, int len, bool binary);
void store_pg_bind_int64(struct store_stmt *st, int idx, int64_t v);
int64_t store_pg_col_int64(struct store_stmt *st, int col);
const void *store_pg_col(struct store_stmt *st, int col, size_t *len); /* NULL for NULL */
int64_t store_pg_changes(struct store_stmt *st);

/* Binds ?idx.  Text and blobs are NOT copied: v must stay valid until the
 * statement's last store_step().  store_bind_text(NULL) binds NULL. */
static inline void store_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
        if (st->lite)
                sqlite3_bind_int64(st->lite, idx, v);
        else
                store_pg_bind_int64(st, idx, v);
}

static inline void store_bind_null(struct store_stmt *st, int idx)
{
        if (st->lite)
                sqlite3_bind_null(st->lite, idx);
        else
                store_pg_bind(st, idx, NULL, 0, false);
}

static inline void store_bind_text(struct store_stmt *st, int idx, const char *v)
{
        if (st->lite) {
                if (v)
                        sqlite3_bind_text(st->lite, idx, v, -1, SQLITE_STATIC);
                else
                        sqlite3_bind_null(st->lite, idx);
        } else {
                store_pg_bind(st, idx, v, -1, false);
        }
}

static inline void store_bind_blob(struct store_stmt *st, int idx, const void *v, size_t n)
{
        if (st->lite)
                sqlite3_bind_blob(st->lite, idx, v, (int)n, SQLITE_STATIC);
        else
                store_pg_bind(st, idx, v, (int)n, true);
}

/* Runs the statement (first call) or moves to its next row: STORE_ROW,
 * STORE_DONE, or a negative errno (-EEXIST a constraint failed, -EAGAIN
 * a lock or serialization conflict, -EIO anything else); then
 * store_db_fail() records the backend's message. */
static inline int store_step(struct store_stmt *st)
{
        if (st->lite) {
                int rc = sqlite3_step(st->lite);
                if (rc == SQLITE_ROW)
                        return STORE_ROW;
                if (rc == SQLITE_DONE)
                        return STORE_DONE;
                return store_sqlite_errno(rc);
        }
        return store_pg_step(st);
}

/* Ends the statement's run (its row, its read).  Bindings are cleared by
 * the next store_prepare(). */
static inline void store_reset(struct store_stmt *st)
{
        if (st->lite)
                sqlite3_reset(st->lite);
        else
                store_pg_reset(st);
}

/* Rows the last run of this (write) statement changed. */
static inline int64_t store_changes(struct store_stmt *st)
{
        if (st->lite)
                return sqlite3_changes(st->s->db);
        return store_pg_changes(st);
}

/* Columns of the current row, numbered from 0.  NULL reads as 0 / NULL.
 * Text and blob pointers stay valid until the next step or reset. */
static inline int64_t store_col_int64(struct store_stmt *st, int col)
{
        if (st->lite)
                return sqlite3_column_int64(st->lite, col);
        return store_pg_col_int64(st, col);
}

static inline const char *store_col_text(struct store_stmt *st, int col)
{
        if (st->lite)
                return (const char *)sqlite3_column_text(st->lite, col);
        return store_pg_col(st, col, NULL);
}

static inline const void *store_col_blob(struct store_stmt *st, int col, size_t *len)
{
        if (st->lite) {
                const void *p = sqlite3_column_blob(st->lite, col);
                *len = (size_t)sqlite3_column_bytes(st->lite, col);
                return p;
        }
        return store_pg_col(st, col, len);
}

static inline bool store_col_null(struct store_stmt *st, int col)
{
        if (st->lite)
                return sqlite3_column_type(st->lite, col) == SQLITE_NULL;
        return store_pg_col(st, col, NULL) == NULL;
}

/* malloc'ed copy of a text column, NULL when NULL; sets *oom on allocation
 * failure. */
char *store_col_dup(struct store_stmt *st, int col, bool *oom);
/* Copies a text column into dst (truncating; "" for NULL). */
void store_col_copy(struct store_stmt *st, int col, char *dst, size_t cap);

/* ---- errors ---- */

/* Sets errmsg/errfield and returns err (a negative errno). */
int store_fail(struct store *s, int err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records the backend's last error as "what: message" and returns its
 * errno (as store_step() mapped it). */
int store_db_fail(struct store *s, const char *what);

/* ---- transactions ---- */

/* A write transaction (SQLite: BEGIN IMMEDIATE, the writer lock at once;
 * PostgreSQL: BEGIN, READ COMMITTED), its commit, and a rollback that is a
 * no-op outside a transaction.  Failures return the mapped errno (-EAGAIN:
 * locked or unavailable). */
int store_begin(struct store *s);
int store_commit(struct store *s);
/* The commit of DHCP lease writes, whose durability store_set_fsync()
 * chooses (on SQLite that applies to every commit of the handle). */
int store_commit_leases(struct store *s);
void store_rollback(struct store *s);

/* Runs one-shot SQL with no results (several statements allowed; for
 * schema and settings, not for hot paths). */
int store_exec(struct store *s, const char *sql);

/* Runs a cached statement with no result (BEGIN, COMMIT, ...): sqlite3_exec()
 * would parse it again every time. */
int store_run(struct store *s, const char *sql, const char *what);

/* ---- backends ---- */

/* Schema migrations: each backend's list, applied in order by
 * store_migrate() (store_schema.c), each in its own transaction with the
 * version bump.  Never edit a migration that has shipped: add one. */
struct store_migration {
        int to;          /* the schema version this migration produces */
        const char *sql; /* several statements */
};
struct store_schema {
        const struct store_migration *list;
        size_t n;
};
extern const struct store_schema store_sqlite_schema; /* store_schema_sqlite.c */
extern const struct store_schema store_pg_schema;     /* store_schema_pg.c */

/* What differs between the backends beyond single statements.  The hot
 * per-statement calls above branch inline instead (no indirect call). */
struct store_ops {
        const char *name;
        int (*open)(struct store *s, const char *where); /* connect, settings */
        void (*close)(struct store *s);                  /* statements, connection */
        int (*prepare)(struct store *s, struct store_stmt *st);
        int (*exec)(struct store *s, const char *sql);
        int (*begin)(struct store *s);
        int (*commit)(struct store *s);
        int (*commit_leases)(struct store *s); /* NULL: commit */
        void (*rollback)(struct store *s);
        int (*read_begin)(struct store *s);
        void (*read_end)(struct store *s);
        void (*idle)(struct store *s);
        int (*db_fail)(struct store *s, const char *what);
        /* Inside the migration's transaction: serialise migrating servers
         * (PostgreSQL), then read / write the schema version. */
        int (*schema_version)(struct store *s, int *ret);
        int (*schema_lock)(struct store *s);
        int (*schema_set)(struct store *s, int version);
        int (*set_fsync)(struct store *s, bool full);
        int (*data_version)(struct store *s, int64_t *ret);
        int (*script_generation)(struct store *s, int64_t *ret);
        const struct store_schema *schema;
};

extern const struct store_ops store_sqlite_ops; /* store_sqlite.c */
extern const struct store_ops store_pg_ops;     /* store_pg.c */

int store_migrate(struct store *s);
/* Reads the script generation counter (store_generation.c). */
int store_generation_read(struct store *s, int64_t *ret);

/* store_machine.c, for store_adopt.c: a machine's admin fields checked;
 * the row alone written (no check of image, host name or state). */
int store_machine_validate(struct store *s, const struct machine *m);
int store_machine_write(struct store *s, const struct machine *m, bool insert);
/* -ENOENT (field "image") unless image is NULL or exists. */
int store_image_must_exist(struct store *s, const char *image);
