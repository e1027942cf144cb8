/* Machines: one row per MAC, whether the administrator added it or it was
 * discovered by trying to boot. */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ipv4_range.h"
#include "core/validate.h"

#define MACHINE_NOTES_MAX     4096
#define MACHINE_BOOT_FILE_MAX 128

static const char *const state_names[] = {"discovered", "assigned", "unassigned"};

const char *machine_state_name(enum machine_state st)
{
        return (unsigned)st < 3 ? state_names[st] : "unknown";
}

int machine_state_parse(const char *s, enum machine_state *ret)
{
        for (int i = 0; i < 3; i++)
                if (strcmp(s, state_names[i]) == 0) {
                        *ret = (enum machine_state)i;
                        return 0;
                }
        return -EINVAL;
}

void machine_done(struct machine *m)
{
        if (!m)
                return;
        free(m->hostname);
        free(m->image);
        free(m->notes);
        free(m->boot_file);
        free(m->last_stage);
        free(m->last_server);
        free(m->fail_stage);
        free(m->fail_outcome);
        free(m->fail_detail);
        memset(m, 0, sizeof(*m));
}

void machine_list_free(struct machine *ms, size_t n)
{
        for (size_t i = 0; i < n; i++)
                machine_done(&ms[i]);
        free(ms);
}

/* A boot file override names a file in the TFTP root or a boot-file map
 * entry: a plain relative path, like an artifact but never a URL. */
static bool boot_file_ok(const char *f)
{
        return strlen(f) <= MACHINE_BOOT_FILE_MAX && strncmp(f, "http", 4) != 0 &&
               validate_artifact(f);
}

int store_machine_validate(struct store *s, const struct machine *m)
{
        const char *why = mac_machine_problem(&m->mac);
        if (why)
                return store_fail(s, -EINVAL, "mac", "%s", why);
        if (m->hostname && !validate_hostname(m->hostname))
                return store_fail(s, -EINVAL, "hostname",
                                  "invalid hostname: letters, digits, '-' and '.' only "
                                  "(RFC 1123)");
        if (m->image && !validate_image_name(m->image))
                return store_fail(s, -EINVAL, "image", "invalid image name \"%s\"", m->image);
        if (m->notes && !validate_text(m->notes, MACHINE_NOTES_MAX))
                return store_fail(s, -EINVAL, "notes",
                                  "notes: at most %d characters, no control characters",
                                  MACHINE_NOTES_MAX);
        if (m->boot_file && !boot_file_ok(m->boot_file))
                return store_fail(s, -EINVAL, "boot_file",
                                  "boot_file \"%s\": a file name like snponly.efi expected",
                                  m->boot_file);
        uint32_t top = m->ipv4 >> 24;
        if (m->ipv4 && (top == 0 || top == 127 || top >= 224))
                return store_fail(s, -EINVAL, "ip", "not a usable unicast host address");
        return 0;
}

static const char SQL_IMAGE_CHECK[] = "SELECT 1 FROM image WHERE name = ?1";

int store_image_must_exist(struct store *s, const char *image)
{
        if (!image)
                return 0;
        struct store_stmt *st = store_prepare(s, SQL_IMAGE_CHECK);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, image);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return store_fail(s, -ENOENT, "image", "no image named %s", image);
        if (rc != STORE_ROW)
                return store_db_fail(s, "image lookup");
        store_reset(st);
        return 0;
}

static const char SQL_MACHINE_STATE[] = "SELECT state FROM machine WHERE mac = ?1";

/* Returns 1 and the state if the MAC exists, 0 if not. */
static int machine_lookup_state(struct store *s, const char *mac, enum machine_state *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_STATE);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, mac);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return 0;
        if (rc != STORE_ROW)
                return store_db_fail(s, "machine lookup");
        const char *state = store_col_text(st, 0);
        if (!state || machine_state_parse(state, ret) < 0)
                *ret = MACHINE_UNASSIGNED;
        store_reset(st);
        return 1;
}

static const char SQL_MACHINE_INSERT[] =
    "INSERT INTO machine (mac, hostname, image, ipv4, notes, state, boot_file, netboot, "
    "secure_boot, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_MACHINE_SET[] =
    "UPDATE machine SET hostname = ?2, image = ?3, ipv4 = ?4, notes = ?5, state = ?6, "
    "boot_file = ?7, netboot = ?8, secure_boot = ?9, "
    /* A changed boot_file override resets the snponly fallback. */
    "snponly_fallback_at = CASE WHEN coalesce(boot_file, '') = coalesce(?7, '') "
    "THEN snponly_fallback_at ELSE 0 END WHERE mac = ?1";

int store_machine_write(struct store *s, const struct machine *m, bool insert)
{
        char mac[MAC_STR_LEN];
        mac_format(&m->mac, mac);
        struct store_stmt *st = store_prepare(s, insert ? SQL_MACHINE_INSERT : SQL_MACHINE_SET);
        if (!st)
                return -EIO;
        enum machine_state state = m->image ? MACHINE_ASSIGNED : MACHINE_UNASSIGNED;
        store_bind_text(st, 1, mac);
        store_bind_text(st, 2, m->hostname);
        store_bind_text(st, 3, m->image);
        if (m->ipv4)
                store_bind_int64(st, 4, m->ipv4);
        else
                store_bind_null(st, 4);
        store_bind_text(st, 5, m->notes ? m->notes : "");
        store_bind_text(st, 6, machine_state_name(state));
        store_bind_text(st, 7, m->boot_file);
        store_bind_int64(st, 8, m->netboot ? 1 : 0);
        store_bind_int64(st, 9, m->secure_boot ? 1 : 0);
        if (insert)
                store_bind_int64(st, 10, store_now_ms());
        int rc = store_step(st);
        if (rc < 0) {
                if (rc == -EEXIST && m->ipv4) {
                        char ip[16];
                        format_ipv4(m->ipv4, ip);
                        return store_fail(s, -EEXIST, "ip",
                                          "address %s is already reserved for another machine", ip);
                }
                return store_db_fail(s, "machine write");
        }
        return 0;
}
/* Another machine already named `hostname` (case-insensitive, as DNS)?  A
 * machine keeping the name it has is not refused, so that a database with
 * duplicates from before this check can still be edited. */
static const char SQL_HOSTNAME_TAKEN[] =
    "SELECT mac FROM machine WHERE lower(hostname) = lower(?1) AND mac <> ?2 AND NOT EXISTS "
    "(SELECT 1 FROM machine WHERE mac = ?2 AND lower(hostname) = lower(?1)) LIMIT 1";

static int hostname_must_be_free(struct store *s, const char *hostname, const char *mac)
{
        if (!hostname)
                return 0;
        struct store_stmt *st = store_prepare(s, SQL_HOSTNAME_TAKEN);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, hostname);
        store_bind_text(st, 2, mac);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return 0;
        if (rc != STORE_ROW)
                return store_db_fail(s, "hostname lookup");
        char other[MAC_STR_LEN];
        snprintf(other, sizeof(other), "%s", store_col_text(st, 0) ? store_col_text(st, 0) : "?");
        store_reset(st);
        return store_fail(s, -EEXIST, "hostname", "hostname %s is already used by machine %s",
                          hostname, other);
}

/* One transaction for add and update: they differ only in what an existing row means. */
static int machine_save_tx(struct store *s, const struct machine *m, bool adding)
{
        char mac[MAC_STR_LEN];
        mac_format(&m->mac, mac);
        int r = store_image_must_exist(s, m->image);
        if (r >= 0)
                r = hostname_must_be_free(s, m->hostname, mac);
        if (r < 0)
                return r;
        enum machine_state st;
        int exists = machine_lookup_state(s, mac, &st);
        if (exists < 0)
                return exists;
        if (!adding && !exists)
                return store_fail(s, -ENOENT, "mac", "no machine %s", mac);
        /* Adding a discovered machine adopts it, keeping its history. */
        if (adding && exists && st != MACHINE_DISCOVERED)
                return store_fail(s, -EEXIST, "mac", "machine %s already exists", mac);
        return store_machine_write(s, m, !exists);
}

static int machine_save(struct store *s, const struct machine *m, bool adding)
{
        int r = store_machine_validate(s, m);
        if (r < 0)
                return r;
        r = store_begin(s);
        if (r < 0)
                return r;
        json_t *before = store_audit_machine(s, &m->mac);
        r = machine_save_tx(s, m, adding);
        if (r >= 0) {
                char mac[MAC_STR_LEN];
                mac_format(&m->mac, mac);
                r = store_audit_tx(s,
                                   !adding  ? "machine.update"
                                   : before ? "machine.adopt"
                                            : "machine.create",
                                   mac, before, store_audit_machine(s, &m->mac));
        } else {
                json_decref(before);
        }
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

int store_machine_add(struct store *s, const struct machine *m)
{
        return machine_save(s, m, true);
}

int store_machine_update(struct store *s, const struct machine *m)
{
        return machine_save(s, m, false);
}

#define MACHINE_COLS                                                                               \
        "mac, hostname, image, ipv4, notes, state, first_seen, last_seen, last_stage, "            \
        "last_stage_at, created, boot_file, netboot, last_server, secure_boot, "                   \
        "snponly_fallback_at, fail_stage, fail_outcome, fail_detail, fail_at, attempt_stages"

static int machine_from_row(struct store *s, struct store_stmt *st, struct machine *m)
{
        bool oom = false;
        *m = (struct machine){0};
        const char *mac = store_col_text(st, 0);
        if (!mac || mac_parse_str(mac, &m->mac) < 0)
                return store_fail(s, -EIO, NULL, "corrupt MAC in database");
        m->hostname = store_col_dup(st, 1, &oom);
        m->image = store_col_dup(st, 2, &oom);
        m->ipv4 = (uint32_t)store_col_int64(st, 3);
        m->notes = store_col_dup(st, 4, &oom);
        const char *state = store_col_text(st, 5);
        if (!state || machine_state_parse(state, &m->state) < 0)
                m->state = MACHINE_UNASSIGNED;
        m->first_seen = store_col_int64(st, 6);
        m->last_seen = store_col_int64(st, 7);
        m->last_stage = store_col_dup(st, 8, &oom);
        m->last_stage_at = store_col_int64(st, 9);
        m->created = store_col_int64(st, 10);
        m->boot_file = store_col_dup(st, 11, &oom);
        m->netboot = store_col_int64(st, 12) != 0;
        m->last_server = store_col_dup(st, 13, &oom);
        m->secure_boot = store_col_int64(st, 14) != 0;
        m->snponly_fallback_at = store_col_int64(st, 15);
        m->fail_stage = store_col_dup(st, 16, &oom);
        m->fail_outcome = store_col_dup(st, 17, &oom);
        m->fail_detail = store_col_dup(st, 18, &oom);
        m->fail_at = store_col_int64(st, 19);
        m->attempt_stages = (unsigned)(store_col_int64(st, 20) & BOOT_MASK_ALL);
        if (!m->notes && !oom)
                m->notes = strdup("");
        if (oom || !m->notes) {
                machine_done(m);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        return 0;
}

static const char SQL_MACHINE_FALLBACK[] =
    "UPDATE machine SET snponly_fallback_at = ?2 WHERE mac = ?1";

int store_machine_set_fallback(struct store *s, const struct mac *mac, int64_t at)
{
        char m[MAC_STR_LEN];
        mac_format(mac, m);
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_FALLBACK);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, m);
        store_bind_int64(st, 2, at);
        if (store_step(st) < 0)
                return store_db_fail(s, "machine fallback");
        int64_t n = store_changes(st);
        store_reset(st);
        return n > 0 ? 0 : store_fail(s, -ENOENT, "mac", "no machine %s", m);
}

static const char SQL_MACHINE_GET[] = "SELECT " MACHINE_COLS " FROM machine WHERE mac = ?1";

int store_machine_get(struct store *s, const struct mac *mac, struct machine *ret)
{
        char m[MAC_STR_LEN];
        mac_format(mac, m);
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_GET);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, m);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return store_fail(s, -ENOENT, "mac", "no machine %s", m);
        if (rc != STORE_ROW)
                return store_db_fail(s, "machine read");
        int r = machine_from_row(s, st, ret);
        store_reset(st);
        return r;
}

/* Each parameter's first use gives PostgreSQL its type (store_internal.h). */
/* ?4..?9: up to three address ranges the search text names
 * (ipv4_prefix_ranges()), matched against the reservation and the
 * machine's current lease (offered or bound). */
#define MACHINE_FILTER                                                                             \
        "WHERE (state = ?1 OR ?1 IS NULL) AND (image = ?2 OR ?2 IS NULL) AND "                     \
        "(instr(mac, lower(?3)) > 0 OR instr(lower(coalesce(hostname, '')), lower(?3)) > 0 OR "    \
        "instr(lower(notes), lower(?3)) > 0 OR instr(coalesce(image, ''), lower(?3)) > 0 OR "      \
        "ipv4 BETWEEN ?4 AND ?5 OR ipv4 BETWEEN ?6 AND ?7 OR ipv4 BETWEEN ?8 AND ?9 OR "           \
        "(?4 IS NOT NULL AND EXISTS (SELECT 1 FROM lease WHERE lease.mac = machine.mac AND "       \
        "lease.state IN ('offered', 'bound') AND (lease.ip BETWEEN ?4 AND ?5 OR "                  \
        "lease.ip BETWEEN ?6 AND ?7 OR lease.ip BETWEEN ?8 AND ?9))) OR "                          \
        "?3 IS NULL) AND (CAST(?10 AS BIGINT) = 0 OR fail_outcome IS NOT NULL)"

#define MACHINE_LIST_BY(order)                                                                     \
        "SELECT " MACHINE_COLS " FROM machine " MACHINE_FILTER " ORDER BY " order                  \
        " LIMIT ?11 OFFSET ?12"
/* Empty values last either way (SQLite and PostgreSQL disagree on NULLs),
 * then the MAC, so that paging is stable. */
#define MACHINE_SORT(col)                                                                          \
        {                                                                                          \
                MACHINE_LIST_BY("(" col ") IS NULL, " col ", mac"),                                \
                    MACHINE_LIST_BY("(" col ") IS NULL, " col " DESC, mac")                        \
        }
static const char *const SQL_MACHINE_LIST_BY[MACHINE_SORT_N][2] = {
    [MACHINE_SORT_MAC] = {MACHINE_LIST_BY("mac"), MACHINE_LIST_BY("mac DESC")},
    [MACHINE_SORT_HOSTNAME] = MACHINE_SORT("lower(hostname)"),
    [MACHINE_SORT_IMAGE] = MACHINE_SORT("image"),
    [MACHINE_SORT_IP] = MACHINE_SORT("ipv4"),
    [MACHINE_SORT_STATE] = MACHINE_SORT("state"),
    [MACHINE_SORT_FIRST_SEEN] = MACHINE_SORT("first_seen"),
    [MACHINE_SORT_LAST_SEEN] = MACHINE_SORT("last_seen"),
    [MACHINE_SORT_LAST_BOOT] = MACHINE_SORT("last_stage_at"),
    [MACHINE_SORT_CREATED] = MACHINE_SORT("created"),
};

int machine_sort_parse(const char *s, enum machine_sort *ret, bool *ret_desc)
{
        static const char *const names[MACHINE_SORT_N] = {"mac",       "hostname",  "image",
                                                          "ip",        "state",     "first_seen",
                                                          "last_seen", "last_boot", "created"};
        bool desc = *s == '-';
        for (int i = 0; i < MACHINE_SORT_N; i++)
                if (strcmp(s + desc, names[i]) == 0) {
                        *ret = (enum machine_sort)i;
                        *ret_desc = desc;
                        return 0;
                }
        return -EINVAL;
}
static const char SQL_MACHINE_COUNT[] = "SELECT count(*) FROM machine " MACHINE_FILTER;

static void bind_filter(struct store_stmt *st, const struct machine_filter *f)
{
        if (f && f->state >= 0)
                store_bind_text(st, 1, machine_state_name((enum machine_state)f->state));
        if (f && f->image)
                store_bind_text(st, 2, f->image);
        if (f && f->text && *f->text) {
                store_bind_text(st, 3, f->text);
                uint32_t lo[IPV4_PREFIX_RANGES_MAX], hi[IPV4_PREFIX_RANGES_MAX];
                int n = ipv4_prefix_ranges(f->text, lo, hi);
                for (int i = 0; i < n; i++) {
                        store_bind_int64(st, 4 + 2 * i, lo[i]);
                        store_bind_int64(st, 5 + 2 * i, hi[i]);
                }
        }
        store_bind_int64(st, 10, f && f->failing);
}

static int machine_count(struct store *s, const struct machine_filter *f, int64_t *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_COUNT);
        if (!st)
                return -EIO;
        bind_filter(st, f);
        if (store_step(st) != STORE_ROW)
                return store_db_fail(s, "machine count");
        *ret = store_col_int64(st, 0);
        store_reset(st);
        return 0;
}

int store_machine_list(struct store *s, const struct machine_filter *f, struct machine **ret,
                       size_t *ret_n, int64_t *ret_total)
{
        enum machine_sort by = f && f->sort < MACHINE_SORT_N ? f->sort : MACHINE_SORT_MAC;
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_LIST_BY[by][f && f->desc]);
        if (!st)
                return -EIO;
        bind_filter(st, f);
        store_bind_int64(st, 11, f && f->limit > 0 ? f->limit : INT64_MAX);
        store_bind_int64(st, 12, f && f->offset > 0 ? f->offset : 0);

        struct machine *v = NULL;
        size_t n = 0;
        int64_t total = 0;
        int rc, r = 0;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct machine *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        r = store_fail(s, -ENOMEM, NULL, "out of memory");
                        break;
                }
                v = nv;
                r = machine_from_row(s, st, &v[n]);
                if (r < 0)
                        break;
                n++;
        }
        if (r == 0 && rc != STORE_DONE)
                r = store_db_fail(s, "machine list");
        store_reset(st);
        if (r == 0 && ret_total)
                r = machine_count(s, f, &total);
        if (r < 0) {
                machine_list_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        if (ret_total)
                *ret_total = total;
        return 0;
}

static const char SQL_MACHINE_DELETE[] = "DELETE FROM machine WHERE mac = ?1";

static int machine_remove_tx(struct store *s, const struct mac *mac)
{
        char m[MAC_STR_LEN];
        mac_format(mac, m);
        json_t *before = store_audit_machine(s, mac);
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_DELETE);
        int r = st ? 0 : -EIO;
        if (r == 0) {
                store_bind_text(st, 1, m);
                if (store_step(st) < 0)
                        r = store_db_fail(s, "machine delete");
                else if (store_changes(st) == 0)
                        r = store_fail(s, -ENOENT, "mac", "no machine %s", m);
        }
        if (r < 0) {
                json_decref(before);
                return r;
        }
        return store_audit_tx(s, "machine.delete", m, before, NULL);
}

int store_machine_remove(struct store *s, const struct mac *mac)
{
        int r = store_begin(s);
        if (r < 0)
                return r;
        r = machine_remove_tx(s, mac);
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

static const char SQL_MACHINE_ASSIGN[] = "UPDATE machine SET image = ?2, state = ?3 WHERE mac = ?1";

static int assign_one(struct store *s, const struct mac *mac, const char *image)
{
        char m[MAC_STR_LEN];
        mac_format(mac, m);
        struct store_stmt *st = store_prepare(s, SQL_MACHINE_ASSIGN);
        if (!st)
                return -EIO;
        json_t *before = store_audit_machine(s, mac);
        store_bind_text(st, 1, m);
        store_bind_text(st, 2, image);
        store_bind_text(st, 3, image ? "assigned" : "unassigned");
        int r = 0;
        if (store_step(st) < 0)
                r = store_db_fail(s, "assign");
        else if (store_changes(st) == 0)
                r = store_fail(s, -ENOENT, "mac", "no machine %s", m);
        if (r < 0) {
                json_decref(before);
                return r;
        }
        /* One row per machine: "who moved this machine" is one query. */
        return store_audit_tx(s, "machine.assign", m, before, store_audit_machine(s, mac));
}
int store_machine_assign_many(struct store *s, const struct mac *macs, size_t n, const char *image)
{
        if (image && !validate_image_name(image))
                return store_fail(s, -EINVAL, "image", "invalid image name \"%s\"", image);
        int r = store_begin(s);
        if (r < 0)
                return r;
        r = store_image_must_exist(s, image);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = assign_one(s, &macs[i], image);
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

int store_machine_assign(struct store *s, const struct mac *mac, const char *image)
{
        return store_machine_assign_many(s, mac, 1, image);
}
