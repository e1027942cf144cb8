/* GET /api/v1/stream: the live stream (Server-Sent Events) of boot events
 * and the machines they touch; see http/live.h and docs/api.md.  It is
 * authenticated like the rest of the API (routes_api.c): a browser's
 * EventSource sends the session cookie, a script a bearer token. */
#include <errno.h>
#include <string.h>

#include "http/live.h"
#include "http/routes_api.h"

enum MHD_Result api_stream(struct api_req *a)
{
        struct http_req *r = a->r;
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "GET") != 0)
                return api_method_not_allowed(a, "GET, HEAD");
        struct live *l = r->ctx->live;
        if (!l)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL,
                                 "the live stream is off ([http] stream_max = 0): poll instead");
        /* EventSource sends Last-Event-ID when it reconnects; ?last_id= lets
         * a new page (or curl) resume too. */
        const char *last = http_header(r, "Last-Event-ID");
        if (!last)
                last = api_query(a, "last_id");
        struct live_sub *sub;
        int rc = live_subscribe(l, r->peer_ip, last, r->conn, &sub);
        if (rc == -EUSERS)
                return api_error(a, MHD_HTTP_TOO_MANY_REQUESTS, NULL,
                                 "too many live streams from your address ([http] "
                                 "stream_max_per_address = %lld): close another tab",
                                 (long long)r->ctx->http->stream_max_per_address);
        if (rc == -EBUSY || rc == -ESHUTDOWN)
                return api_error(a, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                                 "too many live streams on this server ([http] stream_max = "
                                 "%lld): poll instead",
                                 (long long)r->ctx->http->stream_max);
        if (rc < 0)
                return api_error(a, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory");
        struct MHD_Response *resp = MHD_create_response_from_callback(
            MHD_SIZE_UNKNOWN, 8192, live_read, sub, live_sub_free);
        if (!resp) {
                live_sub_free(sub);
                return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* nginx: do not buffer */
        http_stream_begin(r);
        return http_queue(r, MHD_HTTP_OK, resp, 0);
}
