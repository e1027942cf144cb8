/* Bulk adoption of discovered machines in one transaction; see
 * store_discovered_adopt() in store.h.  What to name them and which
 * addresses to give is planned by core/adopt_plan.c; here the store answers
 * what is taken and writes the machines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/adopt_plan.h"
#include "core/validate.h"
#include "store/store_internal.h"

/* What is taken, loaded once inside the transaction: a query per candidate
 * name scans every machine (lower(hostname) has no index), which made
 * adopting 700 among 10,000 machines take seconds. */
struct taken_ctx {
        struct store *s;
        uint32_t *ips; /* taken addresses in the range, ascending */
        size_t n_ips;
        char **names; /* every host name in use, ascending, case-insensitively */
        size_t n_names;
};

static int name_cmp(const void *a, const void *b)
{
        return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static int name_taken(void *ctx, const char *name)
{
        struct taken_ctx *t = ctx;
        return t->n_names &&
               bsearch(&name, t->names, t->n_names, sizeof(*t->names), name_cmp) != NULL;
}

static const char SQL_NAMES_TAKEN[] = "SELECT hostname FROM machine WHERE hostname IS NOT NULL";

static int load_taken_names(struct taken_ctx *t)
{
        struct store_stmt *st = store_prepare(t->s, SQL_NAMES_TAKEN);
        if (!st)
                return -EIO;
        int rc;
        size_t cap = 0;
        bool oom = false;
        while ((rc = store_step(st)) == STORE_ROW) {
                if (t->n_names == cap) {
                        cap = cap ? cap * 2 : 256;
                        char **n = realloc(t->names, cap * sizeof(*n));
                        if (!n) {
                                oom = true;
                                break;
                        }
                        t->names = n;
                }
                char *name = store_col_dup(st, 0, &oom);
                if (oom)
                        break;
                t->names[t->n_names++] = name;
        }
        store_reset(st);
        if (oom)
                return store_fail(t->s, -ENOMEM, NULL, "out of memory");
        if (rc != STORE_DONE)
                return store_db_fail(t->s, "hostname lookup");
        if (t->n_names)
                qsort(t->names, t->n_names, sizeof(*t->names), name_cmp);
        return 0;
}

static void taken_done(struct taken_ctx *t)
{
        for (size_t i = 0; i < t->n_names; i++)
                free(t->names[i]);
        free(t->names);
        free(t->ips);
}

static int ip_taken(void *ctx, uint32_t ip)
{
        struct taken_ctx *t = ctx;
        size_t lo = 0, hi = t->n_ips;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (t->ips[mid] == ip)
                        return 1;
                if (t->ips[mid] < ip)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return 0;
}

/* Reserved addresses and current leases in the range. */
static const char SQL_IPS_TAKEN[] =
    "SELECT ipv4 FROM machine WHERE ipv4 BETWEEN ?1 AND ?2 UNION "
    "SELECT ip FROM lease WHERE ip BETWEEN ?1 AND ?2 AND state IN ('offered', 'bound') "
    "ORDER BY 1";

static int load_taken_ips(struct taken_ctx *t, uint32_t from, uint32_t to)
{
        struct store_stmt *st = store_prepare(t->s, SQL_IPS_TAKEN);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, from);
        store_bind_int64(st, 2, to);
        int rc;
        size_t cap = 0;
        while ((rc = store_step(st)) == STORE_ROW) {
                if (t->n_ips == cap) {
                        cap = cap ? cap * 2 : 64;
                        uint32_t *n = realloc(t->ips, cap * sizeof(*n));
                        if (!n) {
                                store_reset(st);
                                return store_fail(t->s, -ENOMEM, NULL, "out of memory");
                        }
                        t->ips = n;
                }
                t->ips[t->n_ips++] = (uint32_t)store_col_int64(st, 0);
        }
        store_reset(st);
        return rc == STORE_DONE ? 0 : store_db_fail(t->s, "address lookup");
}

/* The machines to adopt, in order, as rows (MACs only); each must be
 * discovered. */
static int pick_machines(struct store *s, const struct adopt_request *req, struct adopt_result *ret)
{
        if (!req->all) {
                if (req->n == 0 || req->n > STORE_ADOPT_MAX)
                        return store_fail(s, -EINVAL, "macs", "name 1 to %d machines",
                                          STORE_ADOPT_MAX);
                ret->rows = calloc(req->n, sizeof(*ret->rows));
                if (!ret->rows)
                        return store_fail(s, -ENOMEM, NULL, "out of memory");
                for (size_t i = 0; i < req->n; i++) {
                        for (size_t j = 0; j < i; j++)
                                if (mac_equal(&req->macs[i], &req->macs[j]))
                                        return store_fail(s, -EINVAL, "macs",
                                                          "a MAC is named twice");
                        struct machine m;
                        int r = store_machine_get(s, &req->macs[i], &m);
                        if (r < 0)
                                return r;
                        bool discovered = m.state == MACHINE_DISCOVERED;
                        machine_done(&m);
                        if (!discovered) {
                                char mac[MAC_STR_LEN];
                                mac_format(&req->macs[i], mac);
                                return store_fail(s, -EEXIST, "macs",
                                                  "machine %s is already managed", mac);
                        }
                        ret->rows[i].mac = req->macs[i];
                }
                ret->n = req->n;
                return 0;
        }
        struct machine_filter f = {.state = MACHINE_DISCOVERED,
                                   .text = req->text,
                                   .limit = STORE_ADOPT_MAX + 1,
                                   .sort = MACHINE_SORT_FIRST_SEEN};
        struct machine *ms = NULL;
        size_t n = 0;
        int r = store_machine_list(s, &f, &ms, &n, NULL);
        if (r < 0)
                return r;
        if (n == 0 || n > STORE_ADOPT_MAX) {
                machine_list_free(ms, n);
                if (n)
                        return store_fail(s, -EINVAL, "all",
                                          "more than %d discovered machines match: narrow the "
                                          "search",
                                          STORE_ADOPT_MAX);
                return store_fail(s, -EINVAL, "all", "no discovered machine matches");
        }
        ret->rows = calloc(n, sizeof(*ret->rows));
        if (!ret->rows) {
                machine_list_free(ms, n);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        for (size_t i = 0; i < n; i++)
                ret->rows[i].mac = ms[i].mac;
        ret->n = n;
        machine_list_free(ms, n);
        return 0;
}

static int adopt_tx(struct store *s, const struct adopt_request *req,
                    const struct adopt_pattern *pat, struct adopt_result *ret)
{
        int r = pick_machines(s, req, ret);
        if (r < 0)
                return r;
        if ((r = store_image_must_exist(s, req->image)) < 0)
                return r;
        struct taken_ctx t = {.s = s};
        if ((req->ip_from && (r = load_taken_ips(&t, req->ip_from, req->ip_to)) < 0) ||
            (pat && (r = load_taken_names(&t)) < 0)) {
                taken_done(&t);
                return r;
        }
        char(*names)[ADOPT_HOSTNAME_MAX] = pat ? calloc(ret->n, sizeof(*names)) : NULL;
        uint32_t *ips = req->ip_from ? calloc(ret->n, sizeof(*ips)) : NULL;
        if ((pat && !names) || (req->ip_from && !ips)) {
                r = store_fail(s, -ENOMEM, NULL, "out of memory");
                goto out;
        }
        struct adopt_plan_in in = {.n = ret->n,
                                   .pat = pat,
                                   .start = req->start,
                                   .ip_from = req->ip_from,
                                   .ip_to = req->ip_to,
                                   .name_taken = name_taken,
                                   .ip_taken = ip_taken,
                                   .ctx = &t,
                                   /* each skip is a distinct machine already named */
                                   .max_skips = 10 * STORE_ADOPT_MAX + 100000};
        struct adopt_plan_out out = {.names = names, .ips = ips};
        r = adopt_plan(&in, &out);
        ret->names_skipped = out.names_skipped;
        ret->ips_skipped = out.ips_skipped;
        if (r == -ENOSPC) {
                char a[16], b[16];
                format_ipv4(req->ip_from, a);
                format_ipv4(req->ip_to, b);
                ret->needed = ret->n;
                ret->ips_free = out.ips_free;
                r = store_fail(s, -ENOSPC, "ip_to",
                               "%s-%s has %zu free addresses for %zu machines: nothing adopted", a,
                               b, out.ips_free, ret->n);
                goto out;
        }
        if (r == -ERANGE) {
                r = store_fail(s, -EINVAL, "hostname_pattern",
                               "the hostname pattern ran out of valid free names");
                goto out;
        }
        if (r < 0)
                goto out;
        for (size_t i = 0; i < ret->n && r >= 0; i++) {
                if (names)
                        snprintf(ret->rows[i].hostname, sizeof(ret->rows[i].hostname), "%s",
                                 names[i]);
                ret->rows[i].ipv4 = ips ? ips[i] : 0;
                struct machine m = {.mac = ret->rows[i].mac,
                                    .hostname = names ? names[i] : NULL,
                                    .image = (char *)req->image,
                                    .ipv4 = ret->rows[i].ipv4,
                                    .netboot = true};
                /* Checked above: the image exists, each MAC is discovered,
                 * each name and address is free. */
                r = store_machine_validate(s, &m);
                json_t *before = r >= 0 ? store_audit_machine(s, &m.mac) : NULL;
                if (r >= 0)
                        r = store_machine_write(s, &m, false);
                if (r >= 0) { /* one audit row per machine, as bulk assign */
                        char mac[MAC_STR_LEN];
                        mac_format(&m.mac, mac);
                        r = store_audit_tx(s, "machine.adopt", mac, before,
                                           store_audit_machine(s, &m.mac));
                } else {
                        json_decref(before);
                }
        }
out:
        free(names);
        free(ips);
        taken_done(&t);
        return r;
}

int store_discovered_adopt(struct store *s, const struct adopt_request *req,
                           struct adopt_result *ret)
{
        *ret = (struct adopt_result){0};
        struct adopt_pattern pat;
        const char *why = NULL;
        if (!req->image || !validate_image_name(req->image))
                return store_fail(s, -EINVAL, "image", "an image to boot is required");
        if (req->hostname_pattern && adopt_pattern_parse(req->hostname_pattern, &pat, &why) < 0)
                return store_fail(s, -EINVAL, "hostname_pattern", "%s", why);
        if (req->ip_from && req->ip_to < req->ip_from)
                return store_fail(s, -EINVAL, "ip_to", "the address range ends before it starts");
        int r = store_begin(s);
        if (r < 0)
                return r;
        r = adopt_tx(s, req, req->hostname_pattern ? &pat : NULL, ret);
        if (r >= 0)
                r = store_commit(s);
        if (r < 0) {
                store_rollback(s);
                size_t needed = ret->needed, free_ips = ret->ips_free;
                free(ret->rows);
                *ret = (struct adopt_result){.needed = needed, .ips_free = free_ips};
        }
        return r;
}
