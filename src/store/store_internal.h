/* Internals shared by the SQLite store's files.  Not for use outside store/. */
#pragma once

#include <sqlite3.h>

#include "store/store.h"

#define STORE_STMT_CACHE 64

struct store {
        sqlite3 *db;
        /* Prepared statements cached by the address of their SQL text
         * (always a string literal), so hot paths never re-parse SQL. */
        struct {
                const char *sql;
                sqlite3_stmt *stmt;
        } cache[STORE_STMT_CACHE];
        size_t n_cache;
        char errmsg[256];
        const char *errfield;
};

/* Returns a reset, cleared statement for the literal sql (NULL on error,
 * with errmsg set).  Reset it once its row is read: a statement left on a
 * row keeps a read transaction open, and the connection keeps seeing that
 * old snapshot (HTTP threads hold their connection for the daemon's life). */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* Sets errmsg/errfield and returns err (a negative errno). */
int store_fail(struct store *s, int err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records the SQLite error and returns -EIO (or -EEXIST on a constraint). */
int store_sqlite_fail(struct store *s, const char *what);

int store_begin(struct store *s); /* BEGIN IMMEDIATE */
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* Runs a one-shot statement with no results. */
int store_exec(struct store *s, const char *sql);

/* Column helpers: malloc'ed copy of a text column, NULL when NULL.  Sets
 * *oom on allocation failure. */
char *store_col_text(sqlite3_stmt *st, int col, bool *oom);
int store_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s);

/* Schema migrations (store_schema.c). */
int store_migrate(struct store *s);
