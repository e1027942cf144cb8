/* /api/v1/events: the boot event log, newest first; filtered by machine
 * (?mac= exact, ?q= part of a MAC or host name), ?stage=, ?failed=1,
 * ?since=, and paged back with ?before=ID (the previous page's next_before). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/routes_api.h"
#include "json/inventory_json.h"

/* ?since= takes milliseconds since the epoch or an ISO 8601 UTC time
 * ("2026-11-25T21:28:38Z", optional ".123" fraction), as the API returns. */
int api_parse_time(const char *s, int64_t *ret_ms)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (!errno && end != s && !*end && v >= 0) {
                *ret_ms = v;
                return 0;
        }
        struct tm tm = {0};
        const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return -EINVAL;
        int64_t ms = 0;
        if (*p == '.') {
                int digits = 0;
                for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                        if (digits < 3)
                                ms = ms * 10 + (*p - '0');
                if (digits == 0)
                        return -EINVAL;
                for (; digits < 3; digits++)
                        ms *= 10;
        }
        if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
                return -EINVAL;
        time_t t = timegm(&tm);
        if (t < 0)
                return -EINVAL;
        *ret_ms = (int64_t)t * 1000 + ms;
        return 0;
}

enum MHD_Result api_events(struct api_req *a)
{
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "GET") != 0)
                return api_method_not_allowed(a, "GET, HEAD");
        enum MHD_Result reply;
        int64_t limit, offset;
        if (api_paging(a, 100, &limit, &offset, &reply) < 0)
                return reply;
        if (offset)
                return api_error(a, MHD_HTTP_BAD_REQUEST, "offset",
                                 "events page by id: use ?before= (the previous page's "
                                 "next_before) instead of ?offset=");
        struct event_filter f = {.limit = limit};
        struct mac mac;
        const char *ms = api_query(a, "mac"), *ss = api_query(a, "since");
        const char *bs = api_query(a, "before"), *stage = api_query(a, "stage");
        if (ms && *ms) {
                if (api_mac(a, ms, MHD_HTTP_BAD_REQUEST, &mac, &reply) < 0)
                        return reply;
                f.mac = &mac;
        }
        if (ss && *ss && api_parse_time(ss, &f.since_ms) < 0)
                return api_error(a, MHD_HTTP_BAD_REQUEST, "since",
                                 "?since= takes milliseconds since 1970 or an ISO 8601 UTC "
                                 "time like 2026-11-25T21:28:38Z");
        if (bs && *bs) {
                char *end;
                errno = 0;
                long long v = strtoll(bs, &end, 10);
                if (errno || *end || v < 1)
                        return api_error(a, MHD_HTTP_BAD_REQUEST, "before",
                                         "?before= takes an event id (a positive integer)");
                f.before_id = v;
        }
        if (stage && *stage) {
                if (boot_stage_rank(stage) < 0)
                        return api_error(a, MHD_HTTP_BAD_REQUEST, "stage",
                                         "?stage= is one of dhcp, tftp, script, kernel, initrd");
                f.stage = stage;
        }
        const char *q = api_query(a, "q");
        if (q && strlen(q) > 253)
                return api_error(a, MHD_HTTP_BAD_REQUEST, "q",
                                 "?q= is at most 253 characters (a host name)");
        f.q = q;
        f.failed = api_query_flag(a, "failed");
        struct event_row *rows;
        size_t n;
        int rc = store_events_find(a->r->store, &f, &rows, &n);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
                json_t *j = event_to_json(&rows[i].e);
                json_object_set_new(j, "hostname",
                                    rows[i].hostname ? json_string(rows[i].hostname) : json_null());
                json_array_append_new(arr, j);
        }
        /* A full page may have more behind it; a short one is the end. */
        json_t *next = (int64_t)n == limit && n ? json_integer(rows[n - 1].e.id) : json_null();
        event_rows_free(rows, n);
        return api_reply(a, MHD_HTTP_OK,
                         json_pack("{s:o, s:o, s:I}", "events", arr, "next_before", next, "limit",
                                   (json_int_t)limit));
}
