/* PostgreSQL statements for the store's database layer (store_internal.h):
 * the shared SQL's ?N placeholders become $N once, at prepare time
 * (PQprepare at the first run, one round trip per statement and
 * connection); a run is one
 * PQexecPrepared with text parameters (the server infers their types from
 * the SQL) and binary results (integers without parsing, bytea without
 * hex decoding; libpq NUL-terminates every value, so text columns are
 * C strings). */
#include "store/store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL type OIDs (catalog/pg_type.h, stable across versions). */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23

/* Rewrites ?N as $N (and a bare ? as the next number), leaving string
 * literals, quoted identifiers and comments alone.  Returns the highest
 * parameter number, or -1 if one is out of range. */
static int translate(const char *sql, char *out, size_t cap)
{
        int max = 0, next = 1;
        size_t o = 0;
        for (const char *p = sql; *p && o + 8 < cap; p++) {
                if (*p == '\'' || *p == '"') {
                        const char *end = strchr(p + 1, *p);
                        size_t n = end ? (size_t)(end - p) + 1 : strlen(p);
                        if (o + n + 8 >= cap)
                                return -1;
                        memcpy(out + o, p, n);
                        o += n;
                        p += n - 1;
                        continue;
                }
                if (p[0] == '-' && p[1] == '-') {
                        while (p[1] && p[1] != '\n')
                                p++;
                        continue;
                }
                if (*p != '?') {
                        out[o++] = *p;
                        continue;
                }
                int n = 0;
                while (p[1] >= '0' && p[1] <= '9' && n < 1000)
                        n = n * 10 + (*++p - '0');
                if (n == 0)
                        n = next;
                if (n > STORE_PARAMS_MAX)
                        return -1;
                next = n + 1;
                if (n > max)
                        max = n;
                o += (size_t)snprintf(out + o, cap - o, "$%d", n);
        }
        out[o] = '\0';
        return max;
}

static int pg_send_prepare(struct store *s, struct store_stmt *st)
{
        struct store_pg_stmt *p = st->pg;
        PGresult *res = PQprepare(s->pg, p->name, p->text, 0, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                store_pg_result_error(s, res);
                return store_db_fail(s, "prepare");
        }
        PQclear(res);
        p->session = s->pgs->session;
        return 0;
}

int store_pg_prepare(struct store *s, struct store_stmt *st)
{
        size_t cap = strlen(st->sql) * 2 + 16; /* "?1" -> "$1": never longer */
        char *text = malloc(cap);
        if (!text)
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        int n = translate(st->sql, text, cap);
        if (n < 0) {
                free(text);
                return store_fail(s, -EINVAL, NULL, "bad SQL parameters in: %.80s", st->sql);
        }
        /* One allocation: the struct, the parameter arrays, the text. */
        size_t np = (size_t)n;
        size_t arrays = np * (sizeof(char *) + 2 * sizeof(int) + 24);
        struct store_pg_stmt *p = calloc(1, sizeof(*p) + arrays + strlen(text) + 1);
        if (!p) {
                free(text);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        char *a = (char *)(p + 1);
        p->values = (const char **)(void *)a;
        p->lengths = (int *)(void *)(a + np * sizeof(char *));
        p->formats = p->lengths + np;
        p->num = (char(*)[24])(void *)(p->formats + np);
        p->text = (char *)p->num + np * 24;
        strcpy(p->text, text);
        free(text);
        p->nparams = n;
        p->read_only = strncmp(st->sql, "SELECT ", 7) == 0;
        snprintf(p->name, sizeof(p->name), "b%zu", (size_t)(st - s->stmts));
        /* Prepared on the server at its first run (and again after a
         * reconnection): preparing needs no connection, so with the
         * database down a statement fails when it runs, with -EAGAIN. */
        p->session = 0;
        st->pg = p;
        return 0;
}

void store_pg_finalize(struct store_stmt *st)
{
        if (!st->pg)
                return;
        PQclear(st->pg->res);
        free(st->pg);
        st->pg = NULL;
}

void store_pg_reset(struct store_stmt *st)
{
        struct store_pg_stmt *p = st->pg;
        PQclear(p->res);
        p->res = NULL;
        p->ran = false;
        p->row = -1;
        p->ntuples = 0;
}

void store_pg_clear(struct store_stmt *st)
{
        struct store_pg_stmt *p = st->pg;
        store_pg_reset(st);
        memset(p->values, 0, (size_t)p->nparams * sizeof(*p->values));
        memset(p->lengths, 0, (size_t)p->nparams * sizeof(*p->lengths));
        memset(p->formats, 0, (size_t)p->nparams * sizeof(*p->formats));
}

void store_pg_bind(struct store_stmt *st, int idx, const void *v, int len, bool binary)
{
        struct store_pg_stmt *p = st->pg;
        if (idx < 1 || idx > p->nparams)
                return; /* as SQLite: SQLITE_RANGE, ignored */
        p->values[idx - 1] = v;
        p->lengths[idx - 1] = len < 0 ? 0 : len;
        p->formats[idx - 1] = binary;
}

void store_pg_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
        struct store_pg_stmt *p = st->pg;
        if (idx < 1 || idx > p->nparams)
                return;
        char *d = p->num[idx - 1];
        snprintf(d, sizeof(*p->num), "%lld", (long long)v);
        store_pg_bind(st, idx, d, -1, false);
}

/* Runs the statement once: its result, or NULL with the error recorded. */
static PGresult *pg_run(struct store *s, struct store_stmt *st)
{
        struct store_pg_stmt *p = st->pg;
        int r = store_pg_ready(s);
        if (r >= 0 && p->session != s->pgs->session)
                r = pg_send_prepare(s, st); /* after a reconnect */
        if (r < 0)
                return NULL;
        PGresult *res =
            PQexecPrepared(s->pg, p->name, p->nparams, p->values, p->lengths, p->formats, 1);
        ExecStatusType status = PQresultStatus(res);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
                store_pg_result_error(s, res);
                return NULL;
        }
        return res;
}

int store_pg_step(struct store_stmt *st)
{
        struct store_pg_stmt *p = st->pg;
        struct store *s = st->s;
        if (!p->ran) {
                p->ran = true;
                bool idle = PQtransactionStatus(s->pg) == PQTRANS_IDLE;
                PGresult *res = pg_run(s, st);
                /* A read outside a transaction on a connection that just
                 * broke (the server restarted, or failed over to another
                 * host of the URI): reconnect and run it again at once,
                 * rather than failing the request.  Writes are not
                 * repeated: the first may have committed. */
                if (!res && idle && p->read_only && PQstatus(s->pg) == CONNECTION_BAD)
                        res = pg_run(s, st);
                if (!res)
                        return s->pg_err;
                if (idle && !p->read_only)
                        store_pg_changed(s); /* a write of ours, committed */
                p->res = res;
                p->ntuples = PQntuples(res);
                p->row = -1;
        }
        if (p->row + 1 < p->ntuples) {
                p->row++;
                return STORE_ROW;
        }
        return STORE_DONE;
}

static bool has_value(const struct store_pg_stmt *p, int col)
{
        return p->res && p->row >= 0 && p->row < p->ntuples && col < PQnfields(p->res) &&
               !PQgetisnull(p->res, p->row, col);
}

static uint64_t be(const unsigned char *v, int n)
{
        uint64_t x = 0;
        for (int i = 0; i < n; i++)
                x = x << 8 | v[i];
        return x;
}

int64_t store_pg_col_int64(struct store_stmt *st, int col)
{
        struct store_pg_stmt *p = st->pg;
        if (!has_value(p, col))
                return 0;
        const unsigned char *v = (const unsigned char *)PQgetvalue(p->res, p->row, col);
        int len = PQgetlength(p->res, p->row, col);
        switch (PQftype(p->res, col)) {
        case OID_INT8:
                return len == 8 ? (int64_t)be(v, 8) : 0;
        case OID_INT4:
                return len == 4 ? (int32_t)(uint32_t)be(v, 4) : 0;
        case OID_INT2:
                return len == 2 ? (int16_t)(uint16_t)be(v, 2) : 0;
        case OID_BOOL:
                return len == 1 && v[0];
        default: /* text and the like, as SQLite converts them */
                return strtoll((const char *)v, NULL, 10);
        }
}

const void *store_pg_col(struct store_stmt *st, int col, size_t *len)
{
        struct store_pg_stmt *p = st->pg;
        if (!has_value(p, col)) {
                if (len)
                        *len = 0;
                return NULL;
        }
        if (len)
                *len = (size_t)PQgetlength(p->res, p->row, col);
        return PQgetvalue(p->res, p->row, col);
}

int64_t store_pg_changes(struct store_stmt *st)
{
        struct store_pg_stmt *p = st->pg;
        if (!p->res)
                return 0;
        return strtoll(PQcmdTuples(p->res), NULL, 10);
}
