/* /api/v1/leases: the DHCP lease table, read-only (?mac=, ?state=, paging). */
#include <string.h>

#include "core/validate.h"
#include "http/routes_api.h"
#include "json/inventory_json.h"

static json_t *lease_to_json(const struct lease_row *l)
{
        char ip[16], mac[MAC_STR_LEN];
        format_ipv4(l->ip, ip);
        mac_format(&l->mac, mac);
        return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "ip", ip, "mac", mac, "subnet",
                         l->subnet, "state", l->state, "starts", json_time(l->starts), "ends",
                         json_time(l->ends), "hostname",
                         l->hostname ? json_string(l->hostname) : json_null());
}

enum MHD_Result api_leases(struct api_req *a)
{
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "GET") != 0)
                return api_method_not_allowed(a, "GET, HEAD");
        enum MHD_Result reply;
        int64_t limit, offset;
        if (api_paging(a, 100, &limit, &offset, &reply) < 0)
                return reply;
        struct mac mac;
        const char *ms = api_query(a, "mac"), *state = api_query(a, "state");
        if (ms && *ms && api_mac(a, ms, MHD_HTTP_BAD_REQUEST, &mac, &reply) < 0)
                return reply;
        static const char *const states[] = {"offered", "bound", "released", "declined", "expired"};
        bool state_ok = !state || !*state;
        for (size_t i = 0; !state_ok && i < 5; i++)
                state_ok = strcmp(state, states[i]) == 0;
        if (!state_ok)
                return api_error(a, MHD_HTTP_BAD_REQUEST, "state",
                                 "?state= is offered, bound, released, declined or expired");
        struct lease_row *ls;
        size_t n;
        int64_t total;
        int rc = store_lease_rows(a->r->store, ms && *ms ? &mac : NULL,
                                  state && *state ? state : NULL, offset, limit, &ls, &n, &total);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, lease_to_json(&ls[i]));
        lease_row_list_free(ls, n);
        return api_reply(a, MHD_HTTP_OK,
                         json_pack("{s:o, s:I, s:I, s:I}", "leases", arr, "total",
                                   (json_int_t)total, "limit", (json_int_t)limit, "offset",
                                   (json_int_t)offset));
}
