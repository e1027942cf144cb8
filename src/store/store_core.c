/* The backend-neutral half of the store's database layer: opening by
 * location, the statement cache, errors, transactions and the connection
 * calls of store.h, each handed to the connection's backend (store_ops). */
#include "store/store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

int64_t store_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The name written with this process's events (store_set_origin). */
static char origin[BOOT_SERVER_MAX];
static pthread_once_t origin_once = PTHREAD_ONCE_INIT;

static void origin_default(void)
{
        if (origin[0])
                return;
        if (gethostname(origin, sizeof(origin) - 1) < 0)
                snprintf(origin, sizeof(origin), "bootherd");
}

void store_set_origin(const char *name)
{
        if (name && *name)
                snprintf(origin, sizeof(origin), "%s", name);
        pthread_once(&origin_once, origin_default);
}

const char *store_origin(void)
{
        pthread_once(&origin_once, origin_default);
        return origin;
}

bool store_is_url(const char *where)
{
        return where &&
               (strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0);
}

/* Copies n bytes of src to buf at *o, bounded. */
static void put(char *buf, size_t cap, size_t *o, const char *src, size_t n)
{
        while (n-- && *o + 1 < cap)
                buf[(*o)++] = *src++;
        buf[*o] = '\0';
}

void store_location_display(const char *where, char *buf, size_t cap)
{
        if (!cap)
                return;
        size_t o = 0;
        buf[0] = '\0';
        if (!where)
                return;
        if (!store_is_url(where)) {
                put(buf, cap, &o, where, strlen(where));
                return;
        }
        const char *auth = strstr(where, "://") + 3;
        put(buf, cap, &o, where, (size_t)(auth - where));
        size_t alen = strcspn(auth, "/?");
        const char *at = memchr(auth, '@', alen);
        const char *host = at ? at + 1 : auth;
        put(buf, cap, &o, host, alen - (size_t)(host - auth));
        const char *rest = auth + alen;
        const char *q = strchr(rest, '?');
        put(buf, cap, &o, rest, q ? (size_t)(q - rest) : strlen(rest));
        /* Query parameters, with password's value masked. */
        for (const char *p = q; p && *p;) {
                size_t n = strcspn(p + 1, "&") + 1;
                bool secret = strncmp(p + 1, "password=", 9) == 0;
                put(buf, cap, &o, p, secret ? 10 : n);
                if (secret)
                        put(buf, cap, &o, "***", 3);
                p += n;
        }
}

int store_open(const char *where, struct store **ret)
{
        struct store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->ops = store_is_url(where) ? &store_pg_ops : &store_sqlite_ops;
        int r = s->ops->open(s, where);
        if (r >= 0)
                r = store_migrate(s);
        if (r < 0) {
                /* One line naming the database (never a password: a URL
                 * is shown without its user-info part). */
                char shown[256];
                store_location_display(where, shown, sizeof(shown));
                fprintf(stderr, "bootherd: cannot open database %s: %s\n", shown, s->errmsg);
                store_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

void store_close(struct store *s)
{
        if (!s)
                return;
        s->ops->close(s);
        store_discovery_free(s);
        free(s);
}

const char *store_errmsg(const struct store *s)
{
        return s->errmsg;
}

const char *store_errfield(const struct store *s)
{
        return s->errfield;
}

int store_fail(struct store *s, int err, const char *field, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
        va_end(ap);
        /* One line, whatever values the message quotes ("linux\nboot"). */
        for (char *p = s->errmsg; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        s->errfield = field;
        return err;
}

int store_db_fail(struct store *s, const char *what)
{
        return s->ops->db_fail(s, what);
}

/* Fibonacci hashing of the literal's address (string literals are at
 * least byte-aligned, so no low bits to drop). */
static size_t stmt_hash(const char *sql)
{
        return (size_t)(((uintptr_t)sql * 0x9E3779B97F4A7C15ull) >> 56) & (STORE_STMT_SLOTS - 1);
}

struct store_stmt *store_prepare(struct store *s, const char *sql)
{
        size_t h = stmt_hash(sql);
        for (;; h = (h + 1) & (STORE_STMT_SLOTS - 1)) {
                unsigned i = s->slot[h];
                if (!i)
                        break;
                struct store_stmt *st = &s->stmts[i - 1];
                if (st->sql == sql) {
                        if (st->lite) {
                                sqlite3_reset(st->lite);
                                sqlite3_clear_bindings(st->lite);
                        } else {
                                store_pg_clear(st);
                        }
                        return st;
                }
        }
        if (s->n_stmts == STORE_STMT_MAX) {
                store_fail(s, -EIO, NULL, "statement cache full (%d statements)", STORE_STMT_MAX);
                return NULL;
        }
        struct store_stmt *st = &s->stmts[s->n_stmts];
        *st = (struct store_stmt){.sql = sql, .s = s};
        if (s->ops->prepare(s, st) < 0)
                return NULL;
        s->n_stmts++;
        s->slot[h] = (uint8_t)s->n_stmts;
        return st;
}

int store_run(struct store *s, const char *sql, const char *what)
{
        struct store_stmt *st = store_prepare(s, sql);
        if (!st)
                return -EIO;
        int rc = store_step(st);
        store_reset(st);
        return rc < 0 ? store_db_fail(s, what) : 0;
}

char *store_col_dup(struct store_stmt *st, int col, bool *oom)
{
        const char *t = store_col_text(st, col);
        if (!t)
                return NULL;
        char *d = strdup(t);
        if (!d)
                *oom = true;
        return d;
}

void store_col_copy(struct store_stmt *st, int col, char *dst, size_t cap)
{
        const char *t = store_col_text(st, col);
        snprintf(dst, cap, "%s", t ? t : "");
}

int store_exec(struct store *s, const char *sql)
{
        return s->ops->exec(s, sql);
}

int store_begin(struct store *s)
{
        return s->ops->begin(s);
}

int store_commit(struct store *s)
{
        return s->ops->commit(s);
}

int store_commit_leases(struct store *s)
{
        return s->ops->commit_leases ? s->ops->commit_leases(s) : s->ops->commit(s);
}

void store_rollback(struct store *s)
{
        s->ops->rollback(s);
}

int store_read_begin(struct store *s)
{
        return s->ops->read_begin(s);
}

void store_read_end(struct store *s)
{
        s->ops->read_end(s);
}

void store_idle(struct store *s)
{
        if (s)
                s->ops->idle(s);
}

int store_set_fsync(struct store *s, bool full)
{
        return s->ops->set_fsync(s, full);
}

int store_data_version(struct store *s, int64_t *ret)
{
        return s->ops->data_version(s, ret);
}

const char *store_backend_name(const struct store *s)
{
        return s->ops->name;
}
