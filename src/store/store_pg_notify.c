/* Cache invalidation across servers on PostgreSQL: the script generation
 * and the inventory version without a round trip per request.
 *
 * The schema's triggers bump both counters and NOTIFY channel "bootherd"
 * (payload "script" or "inventory") in the writer's transaction; the
 * server delivers the notification to every session LISTENing, right after
 * the commit.  A connection that reads a counter LISTENs first, then reads
 * it, and from then on answers from that value until a notification for it
 * arrives: checking costs one non-blocking read of the socket (libpq's
 * PQconsumeInput), not a query.  Every HTTP thread and the DHCP loop has
 * its own connection, so each sees another server's change on its next
 * request after the commit (milliseconds: the notification is in flight).
 * A new session (reconnection) LISTENs again and forgets both values: what
 * was committed while it was away is read, not missed. */
#include "store/store_pg.h"

#include <poll.h>
#include <string.h>

void store_pg_changed(struct store *s)
{
        s->pgs->gen_valid = s->pgs->inv_valid = false;
}

/* Takes in whatever the server sent (no waiting) and applies the
 * notifications; notices a connection the server closed (its last words
 * and the end of the stream can take two reads), and forgets the values
 * then.  One poll() when nothing arrived: the cost of a check. */
static void pg_drain(struct store *s)
{
        struct store_pg_state *ps = s->pgs;
        for (int i = 0; i < 8 && PQstatus(s->pg) == CONNECTION_OK; i++) {
                struct pollfd pfd = {.fd = PQsocket(s->pg), .events = POLLIN};
                if (poll(&pfd, 1, 0) <= 0)
                        break;
                if (!PQconsumeInput(s->pg))
                        break;
        }
        if (PQstatus(s->pg) != CONNECTION_OK) {
                store_pg_changed(s);
                return;
        }
        PGnotify *n;
        while ((n = PQnotifies(s->pg))) {
                if (strcmp(n->extra, "inventory") != 0)
                        ps->gen_valid = false; /* "script" (or anything else) */
                ps->inv_valid = false;
                PQfreemem(n);
        }
}

/* LISTEN on this session, once; 0 or -errno (errmsg set). */
static int pg_listen(struct store *s)
{
        struct store_pg_state *ps = s->pgs;
        int r = store_pg_ready(s);
        if (r < 0)
                return store_fail(s, r, NULL, "listen: %s", s->pg_msg);
        if (ps->listen_session == ps->session)
                return 0;
        PGresult *res = PQexec(s->pg, "LISTEN bootherd");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                r = store_pg_result_error(s, res);
                return store_fail(s, r, NULL, "listen: %s", s->pg_msg);
        }
        PQclear(res);
        ps->listen_session = ps->session;
        store_pg_changed(s); /* anything before the LISTEN: read it */
        return 0;
}

static const char SQL_INVENTORY_VERSION[] = "SELECT v FROM inventory_version WHERE id = 1";

static int inventory_read(struct store *s, int64_t *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_INVENTORY_VERSION);
        if (!st)
                return -EIO;
        int rc = store_step(st);
        int64_t v = rc == STORE_ROW ? store_col_int64(st, 0) : 0;
        store_reset(st);
        if (rc != STORE_ROW)
                return rc < 0 ? store_db_fail(s, "data version")
                              : store_fail(s, -EIO, NULL, "inventory version missing");
        *ret = v;
        return 0;
}

/* The counter from the cache, or read (and cached) when a notification,
 * a commit of ours or a new session made it stale.  While the database
 * cannot be reached, the last value read: caches built on it (rendered
 * boot scripts, the DHCP server's machines) keep serving what they hold,
 * the last good state, and nothing can change it meanwhile except through
 * another server that still reaches the database (a partition: this
 * server catches up when it reconnects). */
static int cached(struct store *s, bool *valid, int64_t *value,
                  int (*read)(struct store *, int64_t *), int64_t *ret)
{
        pg_drain(s);
        int r = pg_listen(s); /* reconnects if the connection broke */
        if (r == -EAGAIN && *value > 0) {
                *ret = *value;
                return 0;
        }
        if (r < 0)
                return r;
        if (!*valid) {
                uint64_t session = s->pgs->session;
                int64_t v;
                r = read(s, &v);
                if (r == -EAGAIN && *value > 0) {
                        *ret = *value; /* the connection broke during the read */
                        return 0;
                }
                if (r < 0)
                        return r;
                *value = v;
                /* A reconnection during the read: LISTEN again next time. */
                *valid = session == s->pgs->session;
        }
        *ret = *value;
        return 0;
}

int store_pg_script_generation(struct store *s, int64_t *ret)
{
        return cached(s, &s->pgs->gen_valid, &s->pgs->gen, store_generation_read, ret);
}

int store_pg_data_version(struct store *s, int64_t *ret)
{
        return cached(s, &s->pgs->inv_valid, &s->pgs->inv, inventory_read, ret);
}
