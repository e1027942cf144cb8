/* /api/v1/status: version, uptime and the counters the dashboard shows. */
#include <stdlib.h>
#include <string.h>

#include "http/routes_api.h"
#include "json/inventory_json.h"

enum MHD_Result api_status(struct api_req *a)
{
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "GET") != 0)
                return api_method_not_allowed(a, "GET, HEAD");
        struct http_ctx *ctx = a->r->ctx;
        struct store *s = a->r->store;
        int64_t by_state[3], n_leases = 0;
        struct image *imgs;
        size_t n_images;
        struct lease_subnet_count *subnets;
        size_t n_subnets;
        int64_t now = store_now_ms();
        int rc = store_machine_counts(s, by_state);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        if ((rc = store_image_list(s, &imgs, &n_images)) < 0)
                return api_store_error(a, rc, NULL);
        image_list_free(imgs, n_images);
        if ((rc = store_lease_in_use(s, now, &subnets, &n_subnets)) < 0)
                return api_store_error(a, rc, NULL);
        json_t *jsub = json_object();
        for (size_t i = 0; i < n_subnets; i++) {
                n_leases += subnets[i].in_use;
                json_object_set_new(jsub, subnets[i].subnet, json_integer(subnets[i].in_use));
        }
        free(subnets);
        json_t *machines = json_pack("{s:I, s:I, s:I, s:I}", "discovered",
                                     (json_int_t)by_state[MACHINE_DISCOVERED], "assigned",
                                     (json_int_t)by_state[MACHINE_ASSIGNED], "unassigned",
                                     (json_int_t)by_state[MACHINE_UNASSIGNED], "total",
                                     (json_int_t)(by_state[0] + by_state[1] + by_state[2]));
        json_t *counters = json_pack(
            "{s:o, s:I, s:I, s:o, s:I, s:I}", "machines", machines, "images", (json_int_t)n_images,
            "leases_in_use", (json_int_t)n_leases, "leases_by_subnet", jsub,
            "image_transfers_in_flight", (json_int_t)atomic_load(&ctx->image_transfers),
            "boot_events_dropped", (json_int_t)boot_events_dropped(ctx->events));
        json_t *j = json_pack("{s:s, s:o, s:I, s:o, s:b, s:o, s:{s:s, s:s, s:s}}", "version",
                              BOOTHERD_VERSION, "started", json_time(ctx->started_ms), "uptime_s",
                              (json_int_t)((now - ctx->started_ms) / 1000), "now", json_time(now),
                              "tls", ctx->tls_enabled, "counters", counters, "auth", "name",
                              a->id.name, "role", auth_role_name(a->id.role), "via",
                              a->id.kind == API_AUTH_TOKEN ? "token" : "session");
        return api_reply(a, MHD_HTTP_OK, j);
}
