/* /api/v1/discovered: machines that tried to boot without being known.
 * GET lists them (paging, ?q=); POST /discovered/<mac>/adopt {"image", ...}
 * makes one a managed machine in one step, keeping its boot history. */
#include <stdio.h>
#include <string.h>

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

enum MHD_Result api_discovered(struct api_req *a)
{
        enum MHD_Result reply;
        if (a->n_seg == 1) {
                if (strcmp(a->method, "GET") != 0)
                        return api_method_not_allowed(a, "GET, HEAD");
                return api_machine_list(a, MACHINE_DISCOVERED);
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
