/* Copying a whole inventory from one store to another (store_copy() in
 * store.h): the upgrade path from a single SQLite server to PostgreSQL.
 *
 * Table by table, each column read with the accessor of its type and
 * bound as is (NULLs kept), in an order that satisfies the foreign keys
 * (images before initrds and machines).  The destination's own triggers
 * run as for any write (its script generation moves; no cache anywhere
 * holds data of an empty database). */
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

struct copy_table {
        const char *name;   /* for messages */
        const char *select; /* on the source: the columns, in types order */
        const char *insert; /* on the destination: ?1..?N, same order */
        const char *count;
        const char *types; /* per column: i int64, t text, b blob */
        size_t counts_off; /* into struct store_copy_counts */
};

#define COUNT_OF(f) offsetof(struct store_copy_counts, f)

/* The newest ?1 events (what retention keeps), in their order. */
#define EVENT_WINDOW "WHERE id > (SELECT coalesce(max(id), 0) FROM event) - ?1"

static const struct copy_table tables[] = {
    {"images",
     "SELECT name, kernel, cmdline, script, description, created, updated, kernel_arm64, "
     "grub_script FROM image ORDER BY name",
     "INSERT INTO image (name, kernel, cmdline, script, description, created, updated, "
     "kernel_arm64, grub_script) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
     "SELECT count(*) FROM image", "tttttiitt", COUNT_OF(images)},
    {"initrds", "SELECT image, pos, path FROM image_initrd ORDER BY image, pos",
     "INSERT INTO image_initrd (image, pos, path) VALUES (?1, ?2, ?3)",
     "SELECT count(*) FROM image_initrd", "tit", COUNT_OF(initrds)},
    {"arm64 initrds", "SELECT image, pos, path FROM image_initrd_arm64 ORDER BY image, pos",
     "INSERT INTO image_initrd_arm64 (image, pos, path) VALUES (?1, ?2, ?3)",
     "SELECT count(*) FROM image_initrd_arm64", "tit", COUNT_OF(initrds_arm64)},
    {"machines",
     "SELECT mac, hostname, image, ipv4, notes, state, first_seen, last_seen, last_stage, "
     "last_stage_at, created, boot_file, netboot, last_server, secure_boot, fail_stage, "
     "fail_outcome, fail_detail, fail_at, fail_rank, attempt_stages, attempt_at FROM machine "
     "ORDER BY mac",
     "INSERT INTO machine (mac, hostname, image, ipv4, notes, state, first_seen, last_seen, "
     "last_stage, last_stage_at, created, boot_file, netboot, last_server, secure_boot, "
     "fail_stage, fail_outcome, fail_detail, fail_at, fail_rank, attempt_stages, attempt_at) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
     "?19, ?20, ?21, ?22)",
     "SELECT count(*) FROM machine", "tttittiitiitititttiiii", COUNT_OF(machines)},
    {"leases",
     "SELECT ip, mac, client_id, subnet, state, starts, ends, hostname FROM lease ORDER BY ip",
     "INSERT INTO lease (ip, mac, client_id, subnet, state, starts, ends, hostname) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
     "SELECT count(*) FROM lease", "itbttiit", COUNT_OF(leases)},
    {"users", "SELECT name, password_hash, role, created FROM \"user\" ORDER BY name",
     "INSERT INTO \"user\" (name, password_hash, role, created) VALUES (?1, ?2, ?3, ?4)",
     "SELECT count(*) FROM \"user\"", "ttti", COUNT_OF(users)},
    {"tokens", "SELECT name, hash, role, created, last_used FROM token ORDER BY name",
     "INSERT INTO token (name, hash, role, created, last_used) VALUES (?1, ?2, ?3, ?4, ?5)",
     "SELECT count(*) FROM token", "tbtii", COUNT_OF(tokens)},
    /* The audit trail moves with the inventory (new ids, same order). */
    {"audit entries",
     "SELECT time, actor, action, object, before_json, after_json FROM audit ORDER BY id",
     "INSERT INTO audit (time, actor, action, object, before_json, after_json) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
     "SELECT count(*) FROM audit", "ittttt", COUNT_OF(audit)},
    {"events",
     "SELECT time, mac, stage, detail, peer, server, outcome, bytes, size, duration_ms "
     "FROM event " EVENT_WINDOW " ORDER BY id",
     "INSERT INTO event (time, mac, stage, detail, peer, server, outcome, bytes, size, "
     "duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
     "SELECT count(*) FROM event " EVENT_WINDOW, "ittttttiii", COUNT_OF(events)},
};

#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

static bool is_events(const struct copy_table *t)
{
        return t == &tables[N_TABLES - 1];
}

/* Rows of t in s (the event window for events); -1 on error. */
static int64_t count_rows(struct store *s, const struct copy_table *t, int64_t events)
{
        struct store_stmt *st = store_prepare(s, t->count);
        if (!st)
                return -1;
        if (is_events(t))
                store_bind_int64(st, 1, events);
        int64_t n = store_step(st) == STORE_ROW ? store_col_int64(st, 0) : -1;
        store_reset(st);
        if (n < 0)
                store_db_fail(s, "count");
        return n;
}

/* Binds the source row's columns to the insert, by type. */
static void bind_row(struct store_stmt *from, struct store_stmt *to, const char *types)
{
        for (int c = 0; types[c]; c++) {
                if (store_col_null(from, c)) {
                        store_bind_null(to, c + 1);
                } else if (types[c] == 'i') {
                        store_bind_int64(to, c + 1, store_col_int64(from, c));
                } else if (types[c] == 'b') {
                        size_t n;
                        const void *p = store_col_blob(from, c, &n);
                        store_bind_blob(to, c + 1, p, n);
                } else {
                        store_bind_text(to, c + 1, store_col_text(from, c));
                }
        }
}

static int copy_table(struct store *src, struct store *dst, const struct copy_table *t,
                      int64_t events, int64_t *ret_n)
{
        struct store_stmt *from = store_prepare(src, t->select);
        if (!from)
                return store_fail(dst, -EIO, NULL, "reading %s: %s", t->name, store_errmsg(src));
        if (is_events(t))
                store_bind_int64(from, 1, events);
        int64_t n = 0;
        int rc, r = 0;
        while ((rc = store_step(from)) == STORE_ROW) {
                struct store_stmt *to = store_prepare(dst, t->insert);
                if (!to) {
                        r = -EIO;
                        break;
                }
                bind_row(from, to, t->types);
                if (store_step(to) < 0) {
                        char what[64];
                        snprintf(what, sizeof(what), "writing %s", t->name);
                        r = store_db_fail(dst, what);
                        break;
                }
                n++;
        }
        if (r == 0 && rc < 0) {
                store_db_fail(src, t->name);
                r = store_fail(dst, -EIO, NULL, "reading %s", store_errmsg(src));
        }
        store_reset(from);
        *ret_n = n;
        return r;
}

/* dst must hold no inventory: a copy never merges into live data. */
static int must_be_empty(struct store *dst)
{
        for (size_t i = 0; i < N_TABLES; i++) {
                int64_t n = count_rows(dst, &tables[i], INT64_MAX / 2);
                if (n < 0)
                        return -EIO;
                if (n > 0)
                        return store_fail(dst, -EEXIST, NULL,
                                          "the destination already holds %lld %s: copy only into "
                                          "an empty database",
                                          (long long)n, tables[i].name);
        }
        return 0;
}

static int verify(struct store *src, struct store *dst, int64_t events,
                  const struct store_copy_counts *copied)
{
        for (size_t i = 0; i < N_TABLES; i++) {
                const struct copy_table *t = &tables[i];
                int64_t a = count_rows(src, t, events), b = count_rows(dst, t, INT64_MAX / 2);
                int64_t c = *(const int64_t *)((const char *)copied + t->counts_off);
                if (a < 0 || b < 0)
                        return store_fail(dst, -EIO, NULL, "counting %s failed", t->name);
                if (a != b || b != c)
                        return store_fail(dst, -EIO, NULL,
                                          "%s: %lld in the source, %lld copied, %lld in the "
                                          "destination",
                                          t->name, (long long)a, (long long)c, (long long)b);
        }
        return 0;
}

int store_copy(struct store *src, struct store *dst, int64_t events, struct store_copy_counts *ret)
{
        if (events < 0)
                events = 0;
        struct store_copy_counts got = {0};
        int r = store_begin(dst);
        if (r < 0)
                return r;
        r = must_be_empty(dst);
        for (size_t i = 0; r >= 0 && i < N_TABLES; i++)
                r = copy_table(src, dst, &tables[i], events,
                               (int64_t *)((char *)&got + tables[i].counts_off));
        if (r >= 0)
                r = store_commit(dst);
        if (r < 0) {
                store_rollback(dst);
                return r;
        }
        r = verify(src, dst, events, &got);
        if (r < 0)
                return r;
        if (ret)
                *ret = got;
        return 0;
}
