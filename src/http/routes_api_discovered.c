/* /api/v1/discovered: machines that tried to boot without being known.
 * GET lists them (paging, ?q=); POST /discovered/<mac>/adopt {"image", ...}
 * makes one a managed machine in one step, keeping its boot history;
 * POST /discovered/adopt adopts many at once (hostname pattern, address
 * range), all or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ipv4_range.h"
#include "core/validate.h"

#include "http/routes_api.h"
#include "json/inventory_json.h"

static enum MHD_Result adopt(struct api_req *a, const struct mac *mac)
{
        static const char *const fields[] = {"image",     "hostname", "ip", "notes",
                                             "boot_file", "netboot",  NULL};
        enum MHD_Result reply;
        json_t *o = api_body(a, fields, &reply);
        if (!o)
                return reply;
        struct machine cur;
        int rc = store_machine_get(a->r->store, mac, &cur);
        if (rc < 0) {
                json_decref(o);
                return api_store_error(a, rc, "mac");
        }
        bool discovered = cur.state == MACHINE_DISCOVERED;
        machine_done(&cur);
        if (!discovered) {
                json_decref(o);
                char m[MAC_STR_LEN];
                mac_format(mac, m);
                return api_error(a, MHD_HTTP_CONFLICT, "mac",
                                 "machine %s is already managed (edit it under machines)", m);
        }
        struct machine m = {.mac = *mac, .netboot = true};
        struct api_field_err err;
        if (api_machine_from_json(o, &m, &err) < 0) {
                json_decref(o);
                machine_done(&m);
                return api_field_error(a, &err);
        }
        json_decref(o);
        store_idle(a->r->store); /* end the read before writing */
        rc = store_machine_add(a->r->store, &m);
        machine_done(&m);
        if (rc < 0)
                return api_store_error(a, rc, "mac");
        rc = store_machine_get(a->r->store, mac, &cur);
        if (rc < 0)
                return api_store_error(a, rc, "mac");
        json_t *j = machine_to_json(&cur);
        machine_done(&cur);
        return api_reply(a, MHD_HTTP_OK, j);
}

/* An optional dotted-quad field: 0 when absent or null. */
static int ip_field(json_t *o, const char *key, uint32_t *ret, struct api_field_err *err)
{
        const char *s = NULL;
        bool present;
        *ret = 0;
        if (api_str(o, key, true, &s, &present, err) < 0)
                return -EINVAL;
        if (s && *s && validate_ipv4(s, ret) < 0) {
                err->field = key;
                snprintf(err->msg, sizeof(err->msg), "%s: expected an IPv4 address A.B.C.D", key);
                return -EINVAL;
        }
        return 0;
}

/* POST /discovered/adopt {"macs": [...] | "all": true, "q", "image",
 * "hostname_pattern", "start", "ip_from", "ip_to"}: store_discovered_adopt(). */
static enum MHD_Result adopt_many(struct api_req *a)
{
        static const char *const fields[] = {
            "macs", "all", "q", "image", "hostname_pattern", "start", "ip_from", "ip_to", NULL};
        enum MHD_Result reply;
        json_t *o = api_body(a, fields, &reply);
        if (!o)
                return reply;
        struct adopt_request req = {.start = 1};
        struct api_field_err err;
        bool present, all_present;
        const char *image = NULL, *pattern = NULL, *q = NULL;
        json_t *start = json_object_get(o, "start"), *arr = json_object_get(o, "macs");
        if (api_str(o, "image", false, &image, &present, &err) < 0 ||
            api_str(o, "hostname_pattern", true, &pattern, &present, &err) < 0 ||
            api_str(o, "q", true, &q, &present, &err) < 0 ||
            api_bool(o, "all", &req.all, &all_present, &err) < 0 ||
            ip_field(o, "ip_from", &req.ip_from, &err) < 0 ||
            ip_field(o, "ip_to", &req.ip_to, &err) < 0) {
                json_decref(o);
                return api_field_error(a, &err);
        }
        if (start && (!json_is_integer(start) || json_integer_value(start) < 0 ||
                      json_integer_value(start) > 999999999)) {
                json_decref(o);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "start",
                                 "start: an integer from 0 to 999999999");
        }
        if (start)
                req.start = (uint64_t)json_integer_value(start);
        if (!req.ip_from != !req.ip_to) {
                json_decref(o);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT,
                                 req.ip_from ? "ip_to" : "ip_from",
                                 "an address range needs both ip_from and ip_to");
        }
        if (req.all == (arr != NULL) || (arr && !json_is_array(arr))) {
                json_decref(o);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "macs",
                                 "name the machines: \"macs\": [MAC, ...], or \"all\": true "
                                 "(with an optional \"q\" filter)");
        }
        struct mac *macs = NULL;
        if (arr) {
                bool ok;
                reply = api_parse_macs(a, arr, &macs, &req.n, &ok);
                if (!ok) {
                        json_decref(o);
                        return reply;
                }
        }
        req.macs = macs;
        req.image = image;
        req.hostname_pattern = pattern && *pattern ? pattern : NULL;
        req.text = q && *q ? q : NULL;
        store_idle(a->r->store); /* end the read before writing */
        struct adopt_result res;
        int rc = store_discovered_adopt(a->r->store, &req, &res);
        free(macs);
        if (rc < 0)
                json_decref(o);
        if (rc == -ENOSPC) {
                json_t *j = json_pack("{s:s, s:s, s:I, s:I}", "error", store_errmsg(a->r->store),
                                      "field", "ip_to", "needed", (json_int_t)res.needed,
                                      "available", (json_int_t)res.ips_free);
                return api_reply(a, MHD_HTTP_CONFLICT, j);
        }
        if (rc < 0)
                return api_store_error(a, rc, "");
        json_t *rows = json_array();
        for (size_t i = 0; i < res.n && rows; i++) {
                char m[MAC_STR_LEN], ip[16];
                mac_format(&res.rows[i].mac, m);
                format_ipv4(res.rows[i].ipv4, ip);
                json_array_append_new(
                    rows, json_pack("{s:s, s:o, s:o}", "mac", m, "hostname",
                                    res.rows[i].hostname[0] ? json_string(res.rows[i].hostname)
                                                            : json_null(),
                                    "ip", res.rows[i].ipv4 ? json_string(ip) : json_null()));
        }
        free(res.rows);
        json_t *j =
            json_pack("{s:I, s:o, s:s, s:I, s:I}", "adopted", (json_int_t)res.n, "machines",
                      rows ? rows : json_array(), "image", image, "hostnames_skipped",
                      (json_int_t)res.names_skipped, "ips_skipped", (json_int_t)res.ips_skipped);
        json_decref(o); /* image points into it */
        return api_reply(a, MHD_HTTP_OK, j);
}

enum MHD_Result api_discovered(struct api_req *a)
{
        enum MHD_Result reply;
        if (a->n_seg == 1) {
                if (strcmp(a->method, "GET") != 0)
                        return api_method_not_allowed(a, "GET, HEAD");
                return api_machine_list(a, MACHINE_DISCOVERED);
        }
        if (a->n_seg == 2 && strcmp(a->seg[1], "adopt") == 0) {
                if (strcmp(a->method, "POST") != 0)
                        return api_method_not_allowed(a, "POST");
                return adopt_many(a);
        }
        struct mac mac;
        if (a->n_seg != 3 || strcmp(a->seg[2], "adopt") != 0)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (api_mac(a, a->seg[1], MHD_HTTP_NOT_FOUND, &mac, &reply) < 0)
                return reply;
        if (strcmp(a->method, "POST") != 0)
                return api_method_not_allowed(a, "POST");
        return adopt(a, &mac);
}
