/* The REST API (/api/v1): shared request state and helpers for the
 * routes_api_*.c files, one per noun.
 *
 * routes_api() authenticates, checks CSRF, body size and content type, then
 * hands a `struct api_req` to the noun's handler.  Handlers validate input
 * into store structs, call the store, and answer JSON; errors are
 * {"error": "...", "field": "..."} with the status api_store_error() or the
 * handler chose. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "http/http_server.h"
#include "store/store.h"

#define API_PREFIX   "/api/v1"
#define API_BODY_MAX (256 * 1024) /* scripts are at most 64 KiB */
#define API_SEG_MAX  6
#define API_PAGE_MAX 1000 /* largest ?limit= */

enum api_auth_kind { API_AUTH_NONE, API_AUTH_SESSION, API_AUTH_TOKEN };

struct api_identity {
        enum api_auth_kind kind;
        char name[40]; /* user or token name */
        enum auth_role role;
        char csrf[STORE_CSRF_LEN + 1]; /* session only */
};

struct api_req {
        struct http_req *r;
        const char *method;
        const char *seg[API_SEG_MAX]; /* path segments after /api/v1 */
        size_t n_seg;
        char path_buf[512];
        struct api_identity id;
        bool write; /* method changes state (POST, PUT, PATCH, DELETE) */
};

/* ---- replies ---- */

/* JSON body (reference stolen), with Cache-Control: no-store. */
enum MHD_Result api_reply(struct api_req *a, unsigned status, json_t *j);
/* {"error": msg, "field": field?} */
enum MHD_Result api_error(struct api_req *a, unsigned status, const char *field, const char *fmt,
                          ...) __attribute__((format(printf, 4, 5)));
/* Maps the store's last error (rc < 0): -ENOENT 404 (422 when the missing
 * object is a referenced one, i.e. the error's field is not key_field),
 * -EEXIST/-EBUSY 409, -EINVAL 422, -EAGAIN 503, else 500. */
enum MHD_Result api_store_error(struct api_req *a, int rc, const char *key_field);
/* 204 No Content. */
enum MHD_Result api_no_content(struct api_req *a);
/* 405 with an Allow header. */
enum MHD_Result api_method_not_allowed(struct api_req *a, const char *allow);
/* Adds Set-Cookie (and no-store) to a JSON reply. */
enum MHD_Result api_reply_cookie(struct api_req *a, unsigned status, json_t *j,
                                 const char *set_cookie);

/* ---- request bodies ----
 * api_body() parses the request body as one JSON object and checks that
 * every key is in `allowed` (NULL-terminated).  On failure it has queued
 * the error reply: the handler returns *ret_reply. */
json_t *api_body(struct api_req *a, const char *const *allowed, enum MHD_Result *ret_reply);

/* Field readers: on a type error they fill err (status 422, field = key)
 * and return -EINVAL.  Absent keys leave *ret untouched and set *present
 * false.  null is accepted where `nullable` and yields NULL. */
struct api_field_err {
        const char *field;
        char msg[200];
};
int api_str(json_t *o, const char *key, bool nullable, const char **ret, bool *present,
            struct api_field_err *err);
int api_bool(json_t *o, const char *key, bool *ret, bool *present, struct api_field_err *err);
enum MHD_Result api_field_error(struct api_req *a, const struct api_field_err *err);

/* ---- query strings ---- */
const char *api_query(struct api_req *a, const char *key);
/* ?limit=&offset= with bounds; on error queues 400 and returns -EINVAL. */
int api_paging(struct api_req *a, int64_t def_limit, int64_t *ret_limit, int64_t *ret_offset,
               enum MHD_Result *ret_reply);
/* Parses a MAC from a path segment or query value; queues 400/404 text on
 * failure (status given). */
int api_mac(struct api_req *a, const char *s, unsigned status, struct mac *ret,
            enum MHD_Result *ret_reply);
/* "1", "true", "yes" */
bool api_query_flag(struct api_req *a, const char *key);

/* ---- nouns ---- */
enum MHD_Result api_auth_login(struct api_req *a);
enum MHD_Result api_auth_logout(struct api_req *a);
enum MHD_Result api_auth_session(struct api_req *a);
enum MHD_Result api_images(struct api_req *a);
enum MHD_Result api_machines(struct api_req *a);
enum MHD_Result api_discovered(struct api_req *a);
enum MHD_Result api_leases(struct api_req *a);
enum MHD_Result api_events(struct api_req *a);
enum MHD_Result api_status(struct api_req *a);
enum MHD_Result api_preview(struct api_req *a);
enum MHD_Result api_files(struct api_req *a);
/* PUT /files, headers only (routes_api_early, after the role and CSRF
 * checks): true when refused (*reply queued); else the body streams to a
 * temporary file (http_req.body_sink) and api_files() completes it. */
bool api_files_upload_early(struct api_req *a, enum MHD_Result *reply);
enum MHD_Result api_users(struct api_req *a);  /* routes_api_admin.c */
enum MHD_Result api_tokens(struct api_req *a); /* routes_api_admin.c */
enum MHD_Result api_audit(struct api_req *a);  /* routes_api_admin.c */
enum MHD_Result api_stream(struct api_req *a);

/* Shared between images and the preview: reads the image fields present in
 * o over *img (copies; free with image_done()).  Absent fields are kept. */
int api_image_from_json(json_t *o, struct image *img, struct api_field_err *err);

/* Reads the machine admin fields present in o (hostname, image, ip, notes,
 * boot_file, netboot) over *m (copies; free with machine_done()). */
int api_machine_from_json(json_t *o, struct machine *m, struct api_field_err *err);
/* A JSON array of MAC strings ("macs"): *ok false with the reply queued on
 * a bad one; the array is malloc'ed. */
enum MHD_Result api_parse_macs(struct api_req *a, json_t *arr, struct mac **ret, size_t *ret_n,
                               bool *ok);
/* GET list of machines; force_state >= 0 pins ?state= (discovered list). */
enum MHD_Result api_machine_list(struct api_req *a, int force_state);
/* ?since= values: milliseconds since the epoch, or ISO 8601 UTC
 * ("2026-11-25T21:28:38Z", optional fraction).  -EINVAL otherwise. */
int api_parse_time(const char *s, int64_t *ret_ms);
