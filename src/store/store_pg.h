/* Internals of the PostgreSQL backend (store_pg.c, store_pg_stmt.c), on
 * top of store_internal.h.  Only these two files include libpq. */
#pragma once

#include <libpq-fe.h>

#include "store/store_internal.h"

/* One statement's PostgreSQL side: its name on the server, parameters as
 * bound (not copied: see store_bind_text()), the result being read. */
struct store_pg_stmt {
        char name[16];
        uint64_t session; /* connection it was prepared on (store_pg_state) */
        int nparams;
        /* nparams each, in the same allocation as the struct */
        const char **values;
        int *lengths, *formats;
        char (*num)[24]; /* int64 parameters as text */
        PGresult *res;
        int row, ntuples;
        bool ran;
        bool read_only; /* a SELECT: safe to run again after a reconnect */
        char *text;     /* the SQL with $N placeholders (same allocation) */
};

struct store_pg_state {
        char *url;
        /* Bumped at each (re)connection: statements prepared on an older
         * one are prepared again before they run. */
        uint64_t session;
        int64_t retry_at; /* CLOCK_MONOTONIC ms: no reconnection before */
        bool leases_full; /* store_set_fsync(): lease commits wait for the flush */
        /* store_pg_notify.c: the counters as last read, valid until a
         * NOTIFY (or our own commit, or a new session) says otherwise. */
        uint64_t listen_session; /* session LISTEN ran on; 0 = none yet */
        bool gen_valid, inv_valid;
        int64_t gen, inv;
};

/* Connected, or reconnected now; -EAGAIN with the reason if not. */
int store_pg_ready(struct store *s);
/* Records a failed result (and clears it); returns the errno. */
int store_pg_result_error(struct store *s, PGresult *res);

int store_pg_prepare(struct store *s, struct store_stmt *st);

/* store_pg_notify.c: store_script_generation() and store_data_version()
 * served from the last read until a NOTIFY arrives. */
int store_pg_script_generation(struct store *s, int64_t *ret);
int store_pg_data_version(struct store *s, int64_t *ret);
/* Forgets the cached counters (after a commit on this connection). */
void store_pg_changed(struct store *s);
void store_pg_finalize(struct store_stmt *st);
