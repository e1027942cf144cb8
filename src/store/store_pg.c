/* The PostgreSQL backend of the store's database layer (libpq): connection
 * and reconnection, errors, transactions, schema version (store_ops).
 *
 * A location is a libpq connection URI (postgresql://...), multi-host lists
 * and target_session_attrs included; libpq reads the password from the URI
 * or PGPASSFILE (~/.pgpass).  Errors with no SQLSTATE, connection
 * exceptions and shutdowns map to -EAGAIN ("database unavailable": the API
 * answers 503); the next statement reconnects, at most once a second. */
#include "store/store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG_MIN_VERSION     110000 /* EXECUTE FUNCTION in triggers */
#define PG_CONNECT_TIMEOUT "10"   /* seconds; the URI's own value wins */
#define PG_RETRY_MS        1000   /* between reconnection attempts */
/* Serialises servers migrating one database (any constant of ours). */
#define PG_MIGRATE_LOCK "7423061211"

static int64_t mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq's messages span lines ("connection to server ... failed: ...\n"
 * per host tried): one line, "; " between them, no trailing newline. */
static void one_line(char *dst, size_t cap, const char *msg)
{
        size_t o = 0;
        for (const char *p = msg ? msg : ""; *p && o + 3 < cap; p++) {
                if (*p == '\n') {
                        while (p[1] == ' ' || p[1] == '\t')
                                p++;
                        if (p[1])
                                o += (size_t)snprintf(dst + o, cap - o, "; ");
                        continue;
                }
                dst[o++] = *p;
        }
        dst[o] = '\0';
}

static int sqlstate_errno(const char *st)
{
        if (!st)
                return -EAGAIN; /* no server answer: the connection failed */
        if (st[0] == '2' && st[1] == '3')
                return -EEXIST; /* integrity constraint violation */
        if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0)
                return -EAGAIN; /* serialization failure, deadlock, lock not available */
        if ((st[0] == '0' && st[1] == '8') || strncmp(st, "57P", 3) == 0 ||
            (st[0] == '5' && st[1] == '3'))
                return -EAGAIN; /* connection, shutdown, too many connections */
        return -EIO;
}

int store_pg_result_error(struct store *s, PGresult *res)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        s->pg_err = sqlstate_errno(state);
        if (PQstatus(s->pg) == CONNECTION_BAD) {
                s->pg_err = -EAGAIN;
                msg = NULL;
        }
        if (msg) {
                one_line(s->pg_msg, sizeof(s->pg_msg), msg);
        } else {
                char why[sizeof(s->pg_msg) - 32];
                one_line(why, sizeof(why), PQerrorMessage(s->pg));
                snprintf(s->pg_msg, sizeof(s->pg_msg), "database unavailable: %s", why);
        }
        PQclear(res);
        return s->pg_err;
}

static int pg_db_fail(struct store *s, const char *what)
{
        return store_fail(s, s->pg_err ? s->pg_err : -EIO, NULL, "%s: %s", what, s->pg_msg);
}

static void ignore_notice(void *arg, const char *msg)
{
        (void)arg; /* "relation already exists, skipping" and the like */
        (void)msg;
}

/* Keywords before dbname are defaults the URI may override.  Over TCP, a
 * server that vanished (host down, network cut) is noticed within about
 * 10 s rather than the kernel's 15 min of retransmissions: keepalives
 * for an idle connection, tcp_user_timeout for unacknowledged writes. */
static PGconn *pg_connect(const char *url)
{
        const char *const keys[] = {"connect_timeout",  "fallback_application_name",
                                    "keepalives_idle",  "keepalives_interval",
                                    "keepalives_count", "tcp_user_timeout",
                                    "dbname",           NULL};
        const char *const vals[] = {
            PG_CONNECT_TIMEOUT, "bootherd", "5", "2", "3", "10000", url, NULL};
        PGconn *c = PQconnectdbParams(keys, vals, 1);
        if (c)
                PQsetNoticeProcessor(c, ignore_notice, NULL);
        return c;
}

int store_pg_ready(struct store *s)
{
        if (PQstatus(s->pg) == CONNECTION_OK)
                return 0;
        /* The first attempt after a break is immediate; after a failed
         * one, wait: each can take connect_timeout. */
        int64_t now = mono_ms();
        if (now >= s->pgs->retry_at) {
                PQreset(s->pg);
                if (PQstatus(s->pg) == CONNECTION_OK) {
                        s->pgs->session++;
                        s->pgs->retry_at = 0;
                        return 0;
                }
                s->pgs->retry_at = mono_ms() + PG_RETRY_MS;
        }
        return store_pg_result_error(s, NULL);
}

static int pg_exec(struct store *s, const char *sql)
{
        int r = store_pg_ready(s);
        if (r < 0)
                return store_fail(s, r, NULL, "%s", s->pg_msg);
        PGresult *res = PQexec(s->pg, sql);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                r = store_pg_result_error(s, res);
                return store_fail(s, r, NULL, "%s", s->pg_msg);
        }
        PQclear(res);
        return 0;
}

/* Runs a one-row, one-column query; its text value as an integer. */
static int pg_query_int(struct store *s, const char *sql, int64_t *ret)
{
        int r = store_pg_ready(s);
        if (r < 0)
                return r;
        PGresult *res = PQexec(s->pg, sql);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                return store_pg_result_error(s, res);
        if (PQntuples(res) != 1) {
                PQclear(res);
                snprintf(s->pg_msg, sizeof(s->pg_msg), "no row from: %s", sql);
                return s->pg_err = -EIO;
        }
        *ret = PQgetisnull(res, 0, 0) ? 0 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        return 0;
}

static int pg_begin(struct store *s)
{
        int r = pg_exec(s, "BEGIN");
        return r < 0 ? store_fail(s, r, NULL, "begin: %s", s->pg_msg) : 0;
}

static int pg_commit_sql(struct store *s, const char *sql)
{
        PGresult *res = PQexec(s->pg, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                store_pg_result_error(s, res);
                return pg_db_fail(s, "commit");
        }
        /* COMMIT of a failed transaction "succeeds" as ROLLBACK. */
        bool ok = strcmp(PQcmdStatus(res), "COMMIT") == 0;
        PQclear(res);
        store_pg_changed(s); /* our own writes: read the counters again */
        if (!ok)
                return store_fail(s, -EAGAIN, NULL, "commit: the transaction was rolled back");
        return 0;
}

static int pg_commit(struct store *s)
{
        return pg_commit_sql(s, "COMMIT");
}

/* DHCP lease commits follow [dhcp] durability like SQLite's synchronous
 * setting: by default (process) the commit returns once PostgreSQL has it
 * (synchronous_commit off: it survives bootherd's crash; PostgreSQL's own
 * crash can lose the last ~0.6 s), with fsync (store_set_fsync) once it is
 * flushed (and on synchronous standbys).  In the same round trip as the
 * COMMIT; every other transaction keeps the server's setting. */
static int pg_commit_leases(struct store *s)
{
        return pg_commit_sql(
            s, s->pgs->leases_full ? "COMMIT" : "SET LOCAL synchronous_commit TO off; COMMIT");
}
static void pg_rollback(struct store *s)
{
        PGTransactionStatusType t = PQtransactionStatus(s->pg);
        if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
                PQclear(PQexec(s->pg, "ROLLBACK"));
}

/* No read transaction: each statement sees the latest commits.  The hot
 * read path (boot scripts) reads the script generation first, so a
 * script is never cached under a generation newer than its data. */
static int pg_read_begin(struct store *s)
{
        (void)s;
        return 0;
}

static void pg_read_end(struct store *s)
{
        (void)s;
}

/* Frees results kept by statements (large lists), between requests. */
static void pg_idle(struct store *s)
{
        for (size_t i = 0; i < s->n_stmts; i++)
                if (s->stmts[i].pg && s->stmts[i].pg->res)
                        store_pg_reset(&s->stmts[i]);
}

static int pg_schema_version(struct store *s, int *ret)
{
        int64_t exists = 0, v = 0;
        int r =
            pg_query_int(s, "SELECT (to_regclass('bootherd_schema') IS NOT NULL)::int", &exists);
        if (r >= 0 && exists)
                r = pg_query_int(s, "SELECT max(version) FROM bootherd_schema", &v);
        if (r < 0)
                return pg_db_fail(s, "read schema version");
        *ret = (int)v;
        return 0;
}

static int pg_schema_lock(struct store *s)
{
        return pg_exec(s, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ");"
                          "CREATE TABLE IF NOT EXISTS bootherd_schema (version INTEGER NOT NULL);"
                          "INSERT INTO bootherd_schema (version) SELECT 0"
                          "  WHERE NOT EXISTS (SELECT 1 FROM bootherd_schema);");
}

static int pg_schema_set(struct store *s, int version)
{
        char sql[80];
        snprintf(sql, sizeof(sql), "UPDATE bootherd_schema SET version = %d", version);
        return pg_exec(s, sql);
}

static int pg_set_fsync(struct store *s, bool full)
{
        s->pgs->leases_full = full; /* pg_commit_leases */
        return 0;
}

static int pg_open(struct store *s, const char *url)
{
        s->pgs = calloc(1, sizeof(*s->pgs));
        if (!s->pgs || !(s->pgs->url = strdup(url)))
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        s->pgs->session = 1; /* 0: never (listen_session) */
        s->pg = pg_connect(url);
        if (!s->pg)
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        if (PQstatus(s->pg) != CONNECTION_OK) {
                char why[200];
                one_line(why, sizeof(why), PQerrorMessage(s->pg));
                return store_fail(s, -EIO, NULL, "%s", why);
        }
        if (PQserverVersion(s->pg) < PG_MIN_VERSION)
                return store_fail(s, -EPROTO, NULL, "PostgreSQL %d is too old (11 or later needed)",
                                  PQserverVersion(s->pg) / 10000);
        /* A standby (or a read-only default) would fail every write: say so
         * now.  libpq reports both settings at connection time. */
        const char *ro = PQparameterStatus(s->pg, "default_transaction_read_only");
        const char *hs = PQparameterStatus(s->pg, "in_hot_standby");
        if ((ro && strcmp(ro, "on") == 0) || (hs && strcmp(hs, "on") == 0))
                return store_fail(s, -EROFS, NULL,
                                  "the server is read-only (a standby?): name the primary, or "
                                  "list every server with target_session_attrs=read-write");
        return 0;
}

static void pg_close(struct store *s)
{
        for (size_t i = 0; i < s->n_stmts; i++)
                store_pg_finalize(&s->stmts[i]);
        PQfinish(s->pg);
        if (s->pgs)
                free(s->pgs->url);
        free(s->pgs);
}

const struct store_ops store_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .prepare = store_pg_prepare,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .commit_leases = pg_commit_leases,
    .rollback = pg_rollback,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .idle = pg_idle,
    .db_fail = pg_db_fail,
    .schema_version = pg_schema_version,
    .schema_lock = pg_schema_lock,
    .schema_set = pg_schema_set,
    .set_fsync = pg_set_fsync,
    .data_version = store_pg_data_version,
    .script_generation = store_pg_script_generation,
    .schema = &store_pg_schema,
};
