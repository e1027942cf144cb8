/* The audit log: who changed what, when, from what to what.
 *
 * Rows are written by the store's own write functions, inside the write's
 * transaction, when the connection has an actor (store_set_actor): the
 * HTTP gate sets the session's user or "token:NAME" per request, the CLI
 * "cli:<unix user>".  So a change and its record commit together, and no
 * path into the store (UI, API, CLI) can change state unrecorded. */
#include "store/store_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"

#define AUDIT_KEEP_DEFAULT 100000

static _Atomic int64_t audit_keep = AUDIT_KEEP_DEFAULT;

void store_set_actor(struct store *s, const char *actor)
{
        snprintf(s->actor, sizeof(s->actor), "%s", actor ? actor : "");
}

void store_set_audit_retention(int64_t keep)
{
        audit_keep = keep > 0 ? keep : AUDIT_KEEP_DEFAULT;
}

static json_t *str_or_null(const char *v)
{
        return v ? json_string(v) : json_null();
}

json_t *store_audit_image(struct store *s, const char *name)
{
        struct image img;
        if (!s->actor[0] || store_image_get(s, name, &img) < 0)
                return NULL;
        json_t *initrds = json_array();
        for (size_t i = 0; i < img.n_initrds; i++)
                json_array_append_new(initrds, json_string(img.initrds[i]));
        /* "machines": how many use it; a forced delete unassigned that many. */
        json_t *j = json_pack("{s:s?, s:o, s:s?, s:o, s:o, s:s?, s:I}", "kernel", img.kernel,
                              "initrds", initrds, "cmdline", img.cmdline, "script",
                              str_or_null(img.script), "grub_script", str_or_null(img.grub_script),
                              "description", img.description, "machines", (json_int_t)img.machines);
        image_done(&img);
        return j;
}

json_t *store_audit_machine(struct store *s, const struct mac *mac)
{
        struct machine m;
        if (!s->actor[0] || store_machine_get(s, mac, &m) < 0)
                return NULL;
        char ip[16] = "";
        if (m.ipv4)
                format_ipv4(m.ipv4, ip);
        json_t *j = json_pack("{s:o, s:o, s:o, s:s, s:s, s:o, s:b, s:b}", "hostname",
                              str_or_null(m.hostname), "image", str_or_null(m.image), "ip",
                              str_or_null(m.ipv4 ? ip : NULL), "notes", m.notes, "state",
                              machine_state_name(m.state), "boot_file", str_or_null(m.boot_file),
                              "netboot", m.netboot, "secure_boot", m.secure_boot);
        machine_done(&m);
        return j;
}

static const char SQL_USER_ROLE[] = "SELECT role FROM \"user\" WHERE name = ?1";
static const char SQL_TOKEN_ROLE[] = "SELECT role FROM token WHERE name = ?1";

json_t *store_audit_role(struct store *s, const char *table, const char *name)
{
        if (!s->actor[0])
                return NULL;
        struct store_stmt *st =
            store_prepare(s, strcmp(table, "token") == 0 ? SQL_TOKEN_ROLE : SQL_USER_ROLE);
        if (!st)
                return NULL;
        store_bind_text(st, 1, name);
        json_t *j = NULL;
        if (store_step(st) == STORE_ROW)
                j = json_pack("{s:s?}", "role", store_col_text(st, 0));
        store_reset(st);
        return j;
}

static const char SQL_AUDIT_ADD[] = "INSERT INTO audit (time, actor, action, object, before_json, "
                                    "after_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/* Ids only grow (AUTOINCREMENT, a sequence): keeping ids above max - keep
 * keeps at most the newest `keep` rows, one index range per write. */
static const char SQL_AUDIT_TRIM[] =
    "DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - CAST(?1 AS BIGINT)";

static char *dump(json_t *j)
{
        return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

/* Appends one row (compact JSON text, NULL = none) and trims the log. */
static int audit_row(struct store *s, const char *action, const char *object, const char *b,
                     const char *a)
{
        struct store_stmt *st = store_prepare(s, SQL_AUDIT_ADD);
        if (!st)
                return -EIO;
        int r = 0;
        store_bind_int64(st, 1, store_now_ms());
        store_bind_text(st, 2, s->actor);
        store_bind_text(st, 3, action);
        store_bind_text(st, 4, object);
        store_bind_text(st, 5, b);
        store_bind_text(st, 6, a);
        if (store_step(st) < 0)
                r = store_db_fail(s, "audit write");
        store_reset(st);
        if (r == 0 && (st = store_prepare(s, SQL_AUDIT_TRIM))) {
                store_bind_int64(st, 1, audit_keep);
                if (store_step(st) < 0)
                        r = store_db_fail(s, "audit trim");
                store_reset(st);
        }
        return r;
}

int store_audit_tx(struct store *s, const char *action, const char *object, json_t *before,
                   json_t *after)
{
        if (!s->actor[0]) {
                json_decref(before);
                json_decref(after);
                return 0;
        }
        char *b = dump(before), *a = dump(after);
        bool oom = (before && !b) || (after && !a);
        json_decref(before);
        json_decref(after);
        int r = oom ? store_fail(s, -ENOMEM, NULL, "out of memory")
                    : audit_row(s, action, object, b, a);
        free(b);
        free(a);
        return r;
}

int store_audit_external(struct store *s, const char *action, const char *object,
                         const char *before_json, const char *after_json, int (*change)(void *arg),
                         void *arg)
{
        if (!s->actor[0])
                return change(arg);
        int r = store_begin(s);
        if (r < 0)
                return r;
        r = audit_row(s, action, object, before_json, after_json);
        if (r >= 0) {
                r = change(arg);
                if (r < 0) {
                        store_rollback(s);
                        return r;
                }
                r = store_commit(s);
                if (r < 0)
                        return STORE_AUDIT_UNRECORDED;
                return 0;
        }
        store_rollback(s);
        return r;
}

void audit_list_free(struct audit_entry *es, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(es[i].actor);
                free(es[i].action);
                free(es[i].object);
                free(es[i].before);
                free(es[i].after);
        }
        free(es);
}

/* Each parameter's first use gives PostgreSQL its type (store_internal.h). */
#define AUDIT_FILTER                                                                               \
        "WHERE (time >= ?1 OR ?1 IS NULL) AND (actor = ?2 OR ?2 IS NULL) AND "                     \
        "(object = ?3 OR ?3 IS NULL)"
static const char SQL_AUDIT_LIST[] =
    "SELECT id, time, actor, action, object, before_json, "
    "after_json FROM audit " AUDIT_FILTER " ORDER BY id DESC LIMIT ?4 OFFSET ?5";
static const char SQL_AUDIT_COUNT[] = "SELECT count(*) FROM audit " AUDIT_FILTER;

static void bind_filter(struct store_stmt *st, const struct audit_filter *f)
{
        if (f->since_ms > 0)
                store_bind_int64(st, 1, f->since_ms);
        else
                store_bind_null(st, 1);
        store_bind_text(st, 2, f->actor && *f->actor ? f->actor : NULL);
        store_bind_text(st, 3, f->object && *f->object ? f->object : NULL);
}

int store_audit_list(struct store *s, const struct audit_filter *f, struct audit_entry **ret,
                     size_t *ret_n, int64_t *ret_total)
{
        struct store_stmt *st = store_prepare(s, SQL_AUDIT_LIST);
        if (!st)
                return -EIO;
        bind_filter(st, f);
        store_bind_int64(st, 4, f->limit > 0 ? f->limit : 100);
        store_bind_int64(st, 5, f->offset > 0 ? f->offset : 0);
        struct audit_entry *v = NULL;
        size_t n = 0;
        int rc, r = 0;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct audit_entry *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                bool oom = false;
                v[n] = (struct audit_entry){.id = store_col_int64(st, 0),
                                            .time = store_col_int64(st, 1),
                                            .actor = store_col_dup(st, 2, &oom),
                                            .action = store_col_dup(st, 3, &oom),
                                            .object = store_col_dup(st, 4, &oom),
                                            .before = store_col_dup(st, 5, &oom),
                                            .after = store_col_dup(st, 6, &oom)};
                n++;
                if (oom || !v[n - 1].actor || !v[n - 1].action || !v[n - 1].object) {
                        r = -ENOMEM;
                        break;
                }
        }
        store_reset(st);
        if (r == 0 && rc != STORE_DONE)
                r = store_db_fail(s, "audit list");
        int64_t total = 0;
        if (r == 0 && ret_total) {
                st = store_prepare(s, SQL_AUDIT_COUNT);
                if (!st)
                        r = -EIO;
                if (r == 0) {
                        bind_filter(st, f);
                        if (store_step(st) != STORE_ROW)
                                r = store_db_fail(s, "audit count");
                        else
                                total = store_col_int64(st, 0);
                        store_reset(st);
                }
        }
        if (r < 0) {
                audit_list_free(v, n);
                return r == -ENOMEM ? store_fail(s, r, NULL, "out of memory") : r;
        }
        *ret = v;
        *ret_n = n;
        if (ret_total)
                *ret_total = total;
        return 0;
}
