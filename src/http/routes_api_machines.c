/* /api/v1/machines: the pool.  List (filter by state, image, free text;
 * paging), get, create (adopts a discovered MAC), replace (PUT), update
 * (PATCH), delete, bulk assign, the script a machine gets now and its
 * recent boot attempts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "http/routes.h"
#include "http/routes_api.h"
#include "json/inventory_json.h"

static const char *const machine_fields[] = {"mac",       "hostname", "image",       "ip", "notes",
                                             "boot_file", "netboot",  "secure_boot", NULL};

/* Nullable string field: "" and null both clear it. */
static int opt_str(json_t *o, const char *key, char **dst, struct api_field_err *err)
{
        const char *v = NULL;
        bool present;
        if (api_str(o, key, true, &v, &present, err) < 0)
                return -EINVAL;
        if (!present)
                return 0;
        char *d = v && *v ? strdup(v) : NULL;
        if (v && *v && !d) {
                err->field = NULL;
                snprintf(err->msg, sizeof(err->msg), "out of memory");
                return -ENOMEM;
        }
        free(*dst);
        *dst = d;
        return 0;
}

int api_machine_from_json(json_t *o, struct machine *m, struct api_field_err *err)
{
        if (opt_str(o, "hostname", &m->hostname, err) < 0 ||
            opt_str(o, "image", &m->image, err) < 0 ||
            opt_str(o, "boot_file", &m->boot_file, err) < 0 ||
            opt_str(o, "notes", &m->notes, err) < 0)
                return -EINVAL;
        const char *ip = NULL;
        bool present;
        if (api_str(o, "ip", true, &ip, &present, err) < 0)
                return -EINVAL;
        if (present) {
                uint32_t v = 0;
                if (ip && *ip && validate_ipv4(ip, &v) < 0) {
                        err->field = "ip";
                        snprintf(err->msg, sizeof(err->msg),
                                 "ip: \"%.40s\" is not an IPv4 address (A.B.C.D)", ip);
                        return -EINVAL;
                }
                m->ipv4 = v;
        }
        if (api_bool(o, "netboot", &m->netboot, &present, err) < 0)
                return -EINVAL;
        return api_bool(o, "secure_boot", &m->secure_boot, &present, err);
}

static int parse_state(struct api_req *a, int *ret, enum MHD_Result *reply)
{
        const char *s = api_query(a, "state");
        *ret = -1;
        if (!s || !*s)
                return 0;
        enum machine_state st;
        if (machine_state_parse(s, &st) < 0) {
                *reply = api_error(a, MHD_HTTP_BAD_REQUEST, "state",
                                   "?state= is discovered, assigned or unassigned");
                return -EINVAL;
        }
        *ret = (int)st;
        return 0;
}

enum MHD_Result api_machine_list(struct api_req *a, int force_state)
{
        enum MHD_Result reply;
        struct machine_filter f = {.state = force_state};
        if (force_state < 0 && parse_state(a, &f.state, &reply) < 0)
                return reply;
        if (api_paging(a, 100, &f.limit, &f.offset, &reply) < 0)
                return reply;
        /* ?sort=COLUMN or -COLUMN; discovered machines: newest first. */
        const char *sort = api_query(a, "sort");
        if (!sort || !*sort)
                sort = force_state == MACHINE_DISCOVERED ? "-first_seen" : "mac";
        if (machine_sort_parse(sort, &f.sort, &f.desc) < 0)
                return api_error(a, MHD_HTTP_BAD_REQUEST, "sort",
                                 "?sort= is one of mac, hostname, image, ip, state, first_seen, "
                                 "last_seen, last_boot, created (\"-\" before it: descending)");
        /* ?status=failing: machines whose last boot step failed. */
        const char *status = api_query(a, "status");
        if (status && *status && strcmp(status, "failing") != 0)
                return api_error(a, MHD_HTTP_BAD_REQUEST, "status", "?status= is failing");
        f.failing = status && *status;
        const char *image = api_query(a, "image"), *q = api_query(a, "q");
        f.image = image && *image ? image : NULL;
        f.text = q && *q ? q : NULL;
        /* A whole MAC in any spelling searches for its canonical form. */
        struct mac qmac;
        char qcanon[MAC_STR_LEN];
        if (f.text && mac_parse_str(f.text, &qmac) == 0) {
                mac_format(&qmac, qcanon);
                f.text = qcanon;
        }
        struct machine *ms;
        size_t n;
        int64_t total;
        int rc = store_machine_list(a->r->store, &f, &ms, &n, &total);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, machine_to_json(&ms[i]));
        machine_list_free(ms, n);
        return api_reply(a, MHD_HTTP_OK,
                         json_pack("{s:o, s:I, s:I, s:I}", "machines", arr, "total",
                                   (json_int_t)total, "limit", (json_int_t)f.limit, "offset",
                                   (json_int_t)f.offset));
}

static enum MHD_Result reply_machine(struct api_req *a, unsigned status, const struct mac *mac)
{
        struct machine m;
        int rc = store_machine_get(a->r->store, mac, &m);
        if (rc < 0)
                return api_store_error(a, rc, "mac");
        json_t *j = machine_to_json(&m);
        machine_done(&m);
        return api_reply(a, status, j);
}

static enum MHD_Result machine_create(struct api_req *a)
{
        enum MHD_Result reply;
        json_t *o = api_body(a, machine_fields, &reply);
        if (!o)
                return reply;
        const char *macs = NULL;
        bool present;
        struct api_field_err err;
        struct machine m = {.netboot = true};
        if (api_str(o, "mac", false, &macs, &present, &err) < 0 ||
            api_machine_from_json(o, &m, &err) < 0) {
                json_decref(o);
                machine_done(&m);
                return api_field_error(a, &err);
        }
        if (!present || mac_parse_str(macs, &m.mac) < 0) {
                json_decref(o);
                machine_done(&m);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "mac",
                                 present ? "mac: not a MAC address" : "mac is required");
        }
        json_decref(o);
        struct mac mac = m.mac;
        int rc = store_machine_add(a->r->store, &m);
        machine_done(&m);
        if (rc < 0)
                return api_store_error(a, rc, "");
        return reply_machine(a, MHD_HTTP_CREATED, &mac);
}

/* PUT replaces every admin field (absent = cleared/default); PATCH merges. */
static enum MHD_Result machine_write(struct api_req *a, const struct mac *mac)
{
        enum MHD_Result reply;
        json_t *o = api_body(a, machine_fields, &reply);
        if (!o)
                return reply;
        struct machine m = {.mac = *mac, .netboot = true};
        int rc = 0;
        if (strcmp(a->method, "PATCH") == 0 || strcmp(a->method, "PUT") == 0) {
                /* Both need the machine to exist; PATCH also starts from it. */
                struct machine cur;
                rc = store_machine_get(a->r->store, mac, &cur);
                if (rc < 0) {
                        json_decref(o);
                        return api_store_error(a, rc, "mac");
                }
                if (strcmp(a->method, "PATCH") == 0)
                        m = cur;
                else
                        machine_done(&cur);
        }
        struct api_field_err err;
        const char *bm = NULL;
        bool present;
        struct mac body_mac;
        if (api_str(o, "mac", false, &bm, &present, &err) < 0 ||
            api_machine_from_json(o, &m, &err) < 0) {
                json_decref(o);
                machine_done(&m);
                return api_field_error(a, &err);
        }
        if (present && (mac_parse_str(bm, &body_mac) < 0 || !mac_equal(&body_mac, mac))) {
                json_decref(o);
                machine_done(&m);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "mac",
                                 "mac in the body differs from the URL (MACs cannot change)");
        }
        json_decref(o);
        store_idle(a->r->store); /* end the read before writing */
        rc = store_machine_update(a->r->store, &m);
        machine_done(&m);
        if (rc < 0)
                return api_store_error(a, rc, "mac");
        return reply_machine(a, MHD_HTTP_OK, mac);
}

static enum MHD_Result machine_delete(struct api_req *a, const struct mac *mac)
{
        int rc = store_machine_remove(a->r->store, mac);
        return rc < 0 ? api_store_error(a, rc, "mac") : api_no_content(a);
}

/* Counts the discovered machines among macs (a bulk action must not adopt
 * them unless asked to) and names the first in *ret_first.  Unknown MACs
 * are left to the assign itself, which refuses them all or nothing. */
static int count_discovered(struct api_req *a, const struct mac *macs, size_t n,
                            char ret_first[MAC_STR_LEN], size_t *ret_count)
{
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
                struct machine m;
                int rc = store_machine_get(a->r->store, &macs[i], &m);
                if (rc == -ENOENT)
                        continue;
                if (rc < 0)
                        return rc;
                if (m.state == MACHINE_DISCOVERED && count++ == 0)
                        mac_format(&macs[i], ret_first);
                machine_done(&m);
        }
        *ret_count = count;
        return 0;
}

/* Reads "macs" (a non-empty array of MACs in any spelling) into *ret. */
enum MHD_Result api_parse_macs(struct api_req *a, json_t *arr, struct mac **ret, size_t *ret_n,
                               bool *ok)
{
        *ok = false;
        size_t n = json_array_size(arr);
        struct mac *macs = calloc(n, sizeof(*macs));
        if (!macs)
                return api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
        for (size_t i = 0; i < n; i++) {
                const char *s = json_string_value(json_array_get(arr, i));
                if (!s || mac_parse_str(s, &macs[i]) < 0) {
                        free(macs);
                        return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "macs",
                                         "macs[%zu] is not a MAC address", i);
                }
        }
        *ret = macs;
        *ret_n = n;
        *ok = true;
        return MHD_YES;
}

/* POST /machines/assign {"macs": [...], "image": "name" | null, "adopt": bool}:
 * all or nothing.  Discovered machines among macs are refused (409) unless
 * "adopt" is true: a bulk action never makes them managed by accident. */
static enum MHD_Result machine_assign(struct api_req *a)
{
        static const char *const fields[] = {"macs", "image", "adopt", NULL};
        enum MHD_Result reply;
        json_t *o = api_body(a, fields, &reply);
        if (!o)
                return reply;
        const char *image = NULL;
        bool present, adopt = false, adopt_present;
        struct api_field_err err;
        json_t *arr = json_object_get(o, "macs");
        if (api_str(o, "image", true, &image, &present, &err) < 0 ||
            api_bool(o, "adopt", &adopt, &adopt_present, &err) < 0) {
                json_decref(o);
                return api_field_error(a, &err);
        }
        if (!present || !json_is_array(arr) || json_array_size(arr) == 0) {
                json_decref(o);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, present ? "macs" : "image",
                                 "expected {\"macs\": [MAC, ...], \"image\": NAME or null}");
        }
        struct mac *macs = NULL;
        size_t n = 0;
        bool ok;
        reply = api_parse_macs(a, arr, &macs, &n, &ok);
        if (!ok) {
                json_decref(o);
                return reply;
        }
        char first[MAC_STR_LEN] = "";
        size_t n_disc = 0;
        int rc = adopt ? 0 : count_discovered(a, macs, n, first, &n_disc);
        if (rc == 0 && n_disc > 0) {
                free(macs);
                json_decref(o);
                return api_error(a, MHD_HTTP_CONFLICT, "macs",
                                 "%zu of the machines %s discovered, not managed (first: %s); "
                                 "send \"adopt\": true to adopt them too",
                                 n_disc, n_disc == 1 ? "is" : "are", first);
        }
        store_idle(a->r->store); /* end the read before writing */
        if (rc == 0)
                rc =
                    store_machine_assign_many(a->r->store, macs, n, image && *image ? image : NULL);
        free(macs);
        json_t *j = rc < 0 ? NULL
                           : json_pack("{s:I, s:o}", "assigned", (json_int_t)n, "image",
                                       image && *image ? json_string(image) : json_null());
        json_decref(o);
        if (rc < 0)
                return api_store_error(a, rc, "");
        return api_reply(a, MHD_HTTP_OK, j);
}

static enum MHD_Result machine_script(struct api_req *a, const struct mac *mac)
{
        struct strbuf b;
        strbuf_init(&b);
        char err[SCRIPT_ERR_MAX] = "";
        int rc = routes_boot_render(a->r, BOOT_FORMAT_IPXE_HTTP, mac, NULL, &b, err);
        if (rc < 0 || b.oom) {
                strbuf_free(&b);
                return api_error(a, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "%s", err);
        }
        char m[MAC_STR_LEN];
        mac_format(mac, m);
        json_t *j = json_pack("{s:s, s:s}", "mac", m, "script", b.s ? b.s : "");
        strbuf_free(&b);
        return api_reply(a, MHD_HTTP_OK, j);
}

/* GET /machines/MAC/attempts?limit=N (default 20, at most 100): its newest
 * boot attempts, grouped by core/boot_attempts.c (the CLI's machine show
 * uses the same), newest first, each with its events oldest first; "more":
 * it has older events than those shown. */
static enum MHD_Result machine_attempts(struct api_req *a, const struct mac *mac)
{
        enum MHD_Result reply;
        int64_t limit, offset;
        if (api_paging(a, 20, &limit, &offset, &reply) < 0)
                return reply;
        if (offset || limit > STORE_ATTEMPTS_MAX)
                return api_error(a, MHD_HTTP_BAD_REQUEST, offset ? "offset" : "limit",
                                 "attempts take ?limit= from 1 to %d (no ?offset=)",
                                 STORE_ATTEMPTS_MAX);
        struct machine m;
        int rc = store_machine_get(a->r->store, mac, &m);
        if (rc < 0)
                return api_store_error(a, rc, "mac");
        machine_done(&m);
        struct boot_event *evs;
        struct boot_attempts atts;
        bool more;
        rc = store_attempts_list(a->r->store, mac, (size_t)limit, &evs, &atts, &more);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < atts.n; i++)
                json_array_append_new(arr, attempt_to_json(&atts.v[i]));
        boot_attempts_free(&atts);
        free(evs);
        char ms[MAC_STR_LEN];
        mac_format(mac, ms);
        return api_reply(a, MHD_HTTP_OK,
                         json_pack("{s:s, s:o, s:I, s:b}", "mac", ms, "attempts", arr, "limit",
                                   (json_int_t)limit, "more", more));
}

enum MHD_Result api_machines(struct api_req *a)
{
        const char *m = a->method;
        enum MHD_Result reply;
        if (a->n_seg == 1) {
                if (strcmp(m, "GET") == 0)
                        return api_machine_list(a, -1);
                if (strcmp(m, "POST") == 0)
                        return machine_create(a);
                return api_method_not_allowed(a, "GET, HEAD, POST");
        }
        if (a->n_seg == 2 && strcmp(a->seg[1], "assign") == 0) {
                if (strcmp(m, "POST") == 0)
                        return machine_assign(a);
                return api_method_not_allowed(a, "POST");
        }
        struct mac mac;
        if (a->n_seg > 3 || api_mac(a, a->seg[1], MHD_HTTP_NOT_FOUND, &mac, &reply) < 0)
                return a->n_seg > 3 ? api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource")
                                    : reply;
        if (a->n_seg == 3) {
                bool script = strcmp(a->seg[2], "script") == 0;
                if (!script && strcmp(a->seg[2], "attempts") != 0)
                        return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
                if (strcmp(m, "GET") != 0)
                        return api_method_not_allowed(a, "GET, HEAD");
                return script ? machine_script(a, &mac) : machine_attempts(a, &mac);
        }
        if (strcmp(m, "GET") == 0)
                return reply_machine(a, MHD_HTTP_OK, &mac);
        if (strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0)
                return machine_write(a, &mac);
        if (strcmp(m, "DELETE") == 0)
                return machine_delete(a, &mac);
        return api_method_not_allowed(a, "GET, HEAD, PUT, PATCH, DELETE");
}
