/* REST API helpers: JSON replies and errors, body parsing with unknown-field
 * rejection, typed field readers, query strings, paging, MACs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/routes_api.h"

static enum MHD_Result reply_with(struct api_req *a, unsigned status, json_t *j,
                                  const char *set_cookie, const char *allow)
{
        char *body = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_decref(j);
        if (!body)
                return MHD_NO;
        size_t len = strlen(body);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
                free(body);
                return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        /* API answers carry inventory and session data: never cache them. */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        if (set_cookie)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, set_cookie);
        if (allow)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
        if (status == MHD_HTTP_UNAUTHORIZED)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                        "Bearer realm=\"bootherd\"");
        return http_queue(a->r, status, resp, len);
}

enum MHD_Result api_reply(struct api_req *a, unsigned status, json_t *j)
{
        return reply_with(a, status, j, NULL, NULL);
}

enum MHD_Result api_reply_cookie(struct api_req *a, unsigned status, json_t *j,
                                 const char *set_cookie)
{
        return reply_with(a, status, j, set_cookie, NULL);
}

static json_t *error_json(const char *field, const char *msg)
{
        json_t *j = json_pack("{s:s}", "error", msg);
        if (j && field)
                json_object_set_new(j, "field", json_string(field));
        return j;
}

enum MHD_Result api_error(struct api_req *a, unsigned status, const char *field, const char *fmt,
                          ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return reply_with(a, status, error_json(field, msg), NULL, NULL);
}

enum MHD_Result api_method_not_allowed(struct api_req *a, const char *allow)
{
        return reply_with(a, MHD_HTTP_METHOD_NOT_ALLOWED,
                          error_json(NULL, "method not allowed on this resource"), NULL, allow);
}

enum MHD_Result api_store_error(struct api_req *a, int rc, const char *key_field)
{
        const char *field = store_errfield(a->r->store);
        unsigned status;
        switch (rc) {
        case -ENOENT:
                status = (field && key_field && strcmp(field, key_field) != 0)
                             ? MHD_HTTP_UNPROCESSABLE_CONTENT
                             : MHD_HTTP_NOT_FOUND;
                break;
        case -EEXIST:
        case -EBUSY:
                status = MHD_HTTP_CONFLICT;
                break;
        case -EINVAL:
                status = MHD_HTTP_UNPROCESSABLE_CONTENT;
                break;
        case -EAGAIN:
                status = MHD_HTTP_SERVICE_UNAVAILABLE;
                break;
        default:
                status = MHD_HTTP_INTERNAL_SERVER_ERROR;
                break;
        }
        return reply_with(a, status, error_json(field, store_errmsg(a->r->store)), NULL, NULL);
}

enum MHD_Result api_no_content(struct api_req *a)
{
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        return http_queue(a->r, MHD_HTTP_NO_CONTENT, resp, 0);
}

json_t *api_body(struct api_req *a, const char *const *allowed, enum MHD_Result *ret_reply)
{
        struct http_req *r = a->r;
        if (!r->body || r->body_len == 0) {
                *ret_reply =
                    api_error(a, MHD_HTTP_BAD_REQUEST, NULL, "a JSON object body is required");
                return NULL;
        }
        json_error_t jerr;
        /* JSON_REJECT_DUPLICATES: {"image":"a","image":"b"} is ambiguous. */
        json_t *o = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!o) {
                *ret_reply = api_error(a, MHD_HTTP_BAD_REQUEST, NULL,
                                       "malformed JSON at line %d column %d: %s", jerr.line,
                                       jerr.column, jerr.text);
                return NULL;
        }
        if (!json_is_object(o)) {
                json_decref(o);
                *ret_reply =
                    api_error(a, MHD_HTTP_BAD_REQUEST, NULL, "the body must be a JSON object");
                return NULL;
        }
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v)
        {
                bool known = false;
                for (const char *const *k = allowed; *k && !known; k++)
                        known = strcmp(*k, key) == 0;
                if (!known) {
                        /* Copy the name out before the object (and key) go. */
                        char name[64];
                        snprintf(name, sizeof(name), "%s", key);
                        json_decref(o);
                        *ret_reply = api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, name,
                                               "unknown field \"%s\"", name);
                        return NULL;
                }
        }
        return o;
}

static int type_error(struct api_field_err *err, const char *key, const char *want)
{
        err->field = key;
        snprintf(err->msg, sizeof(err->msg), "%s: expected %s", key, want);
        return -EINVAL;
}

int api_str(json_t *o, const char *key, bool nullable, const char **ret, bool *present,
            struct api_field_err *err)
{
        json_t *v = json_object_get(o, key);
        *present = v != NULL;
        if (!v)
                return 0;
        if (json_is_null(v) && nullable) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v))
                return type_error(err, key, nullable ? "a string or null" : "a string");
        /* jansson strings may hold NUL bytes ("\u0000"); C strings cannot. */
        if (strlen(json_string_value(v)) != json_string_length(v))
                return type_error(err, key, "a string without NUL characters");
        *ret = json_string_value(v);
        return 0;
}

int api_bool(json_t *o, const char *key, bool *ret, bool *present, struct api_field_err *err)
{
        json_t *v = json_object_get(o, key);
        *present = v != NULL;
        if (!v)
                return 0;
        if (!json_is_boolean(v))
                return type_error(err, key, "true or false");
        *ret = json_is_true(v);
        return 0;
}

enum MHD_Result api_field_error(struct api_req *a, const struct api_field_err *err)
{
        return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, err->field, "%s", err->msg);
}

const char *api_query(struct api_req *a, const char *key)
{
        return MHD_lookup_connection_value(a->r->conn, MHD_GET_ARGUMENT_KIND, key);
}

bool api_query_flag(struct api_req *a, const char *key)
{
        const char *v = api_query(a, key);
        return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
}

static int query_int(struct api_req *a, const char *key, int64_t min, int64_t max, int64_t *ret,
                     enum MHD_Result *ret_reply)
{
        const char *v = api_query(a, key);
        if (!v)
                return 0;
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || end == v || *end || n < min || n > max) {
                *ret_reply = api_error(a, MHD_HTTP_BAD_REQUEST, key,
                                       "?%s= takes a whole number from %lld to %lld", key,
                                       (long long)min, (long long)max);
                return -EINVAL;
        }
        *ret = n;
        return 0;
}

int api_paging(struct api_req *a, int64_t def_limit, int64_t *ret_limit, int64_t *ret_offset,
               enum MHD_Result *ret_reply)
{
        int64_t limit = def_limit, offset = 0;
        if (query_int(a, "limit", 1, API_PAGE_MAX, &limit, ret_reply) < 0 ||
            query_int(a, "offset", 0, INT64_MAX / 2, &offset, ret_reply) < 0)
                return -EINVAL;
        *ret_limit = limit;
        *ret_offset = offset;
        return 0;
}

int api_mac(struct api_req *a, const char *s, unsigned status, struct mac *ret,
            enum MHD_Result *ret_reply)
{
        if (s && mac_parse_str(s, ret) == 0)
                return 0;
        *ret_reply = api_error(a, status, "mac",
                               "\"%s\" is not a MAC address (e.g. 52:54:00:ab:cd:01, "
                               "52-54-00-ab-cd-01, 525400abcd01)",
                               s ? s : "");
        return -EINVAL;
}
