/* Response helpers for route handlers (declared in http_server.h): queue a
 * body, text, JSON or a JSON error, read a header, format a date.  Each
 * records status and size for the access log. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http_server.h"

void http_date(int64_t t, char out[32])
{
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

const char *http_header(struct http_req *r, const char *name)
{
        return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

enum MHD_Result http_queue(struct http_req *r, unsigned status, struct MHD_Response *resp,
                           uint64_t body_len)
{
        if (!resp)
                return MHD_NO;
        r->status = status;
        r->bytes = body_len;
        enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
        MHD_destroy_response(resp);
        return ret;
}

enum MHD_Result http_reply_take(struct http_req *r, unsigned status, const char *content_type,
                                char *body, size_t len)
{
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
                free(body);
                return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        return http_queue(r, status, resp, len);
}

enum MHD_Result http_reply_text(struct http_req *r, unsigned status, const char *text)
{
        char *body = NULL;
        if (asprintf(&body, "%s\n", text) < 0)
                return MHD_NO;
        return http_reply_take(r, status, "text/plain; charset=utf-8", body, strlen(body));
}

enum MHD_Result http_reply_json(struct http_req *r, unsigned status, json_t *j)
{
        char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!body)
                return MHD_NO;
        size_t len = strlen(body);
        /* jansson allocates with malloc by default, so MUST_FREE is right. */
        return http_reply_take(r, status, "application/json", body, len);
}

enum MHD_Result http_reply_error(struct http_req *r, unsigned status, const char *field,
                                 const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        json_t *j = json_pack("{s:s}", "error", msg);
        if (j && field)
                json_object_set_new(j, "field", json_string(field));
        return http_reply_json(r, status, j);
}
