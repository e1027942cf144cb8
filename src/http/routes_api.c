/* /api/v1: the gate every API request passes (authentication, CSRF, body
 * size and type, roles), then dispatch to the noun's handler in
 * routes_api_<noun>.c.  See docs/api.md for the resource reference and
 * docs/security.md for the rules enforced here. */
#include "http/routes_api.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "http/auth.h"
#include "http/routes.h"

static bool method_writes(const char *m)
{
        return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* Splits the path after /api/v1 into segments ("" segments are dropped,
 * so /images/ and /images are the same). */
static int split_path(struct api_req *a, const char *rest)
{
        if (strlen(rest) >= sizeof(a->path_buf))
                return -E2BIG;
        strcpy(a->path_buf, rest);
        char *save = NULL;
        for (char *tok = strtok_r(a->path_buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
                if (a->n_seg == API_SEG_MAX)
                        return -E2BIG;
                a->seg[a->n_seg++] = tok;
        }
        return 0;
}

static bool json_content_type(const char *ct)
{
        if (!ct)
                return false;
        size_t n = strlen("application/json");
        return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

/* Authorization: Bearer wins over a cookie; a bad bearer token is an error
 * (a script with a revoked token must hear so, not fall back). */
static int authenticate(struct api_req *a, enum MHD_Result *reply)
{
        struct http_req *r = a->r;
        const char *authz = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
        int64_t now = store_now_ms();
        if (authz) {
                const char *tok = auth_bearer(authz);
                if (!tok || strlen(tok) != AUTH_TOKEN_LEN ||
                    strncmp(tok, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX)) != 0) {
                        *reply = api_error(a, MHD_HTTP_UNAUTHORIZED, NULL,
                                           "invalid Authorization header: expected "
                                           "\"Bearer bht_...\"");
                        return -EACCES;
                }
                uint8_t h[STORE_SECRET_HASH_LEN];
                auth_secret_hash(tok, h);
                struct api_token t;
                int rc = store_token_lookup(r->store, h, now, &t);
                if (rc == -ENOENT) {
                        *reply = api_error(a, MHD_HTTP_UNAUTHORIZED, NULL,
                                           "unknown or revoked API token");
                        return -EACCES;
                }
                if (rc < 0) {
                        *reply = api_store_error(a, rc, NULL);
                        return rc;
                }
                a->id.kind = API_AUTH_TOKEN;
                snprintf(a->id.name, sizeof(a->id.name), "%s", t.name);
                a->id.role = t.role;
                free(t.name);
                return 0;
        }
        char sid[AUTH_SECRET_HEX + 8];
        const char *cookie = http_header(r, MHD_HTTP_HEADER_COOKIE);
        if (auth_cookie_get(cookie, r->tls ? AUTH_COOKIE_TLS : AUTH_COOKIE, sid, sizeof(sid)) < 0)
                return 0; /* anonymous */
        uint8_t h[STORE_SECRET_HASH_LEN];
        auth_secret_hash(sid, h);
        sodium_memzero(sid, sizeof(sid));
        const struct config *c = r->ctx->cfg;
        struct auth_session ss;
        int rc = store_session_lookup(r->store, h, now, c->auth_session_idle_s * 1000,
                                      c->auth_session_max_s * 1000, &ss);
        if (rc == -ENOENT)
                return 0; /* expired or logged out: treated as anonymous */
        if (rc < 0) {
                *reply = api_store_error(a, rc, NULL);
                return rc;
        }
        a->id.kind = API_AUTH_SESSION;
        snprintf(a->id.name, sizeof(a->id.name), "%s", ss.user);
        a->id.role = ss.role;
        memcpy(a->id.csrf, ss.csrf, sizeof(a->id.csrf));
        auth_session_done(&ss);
        return 0;
}

/* Cookie-authenticated writes: the page must be ours (Origin) and know the
 * session's CSRF token, which only our own script can read. */
static bool csrf_ok(struct api_req *a)
{
        struct http_req *r = a->r;
        if (!auth_origin_ok(http_header(r, "Origin"), http_header(r, "Referer"),
                            http_header(r, MHD_HTTP_HEADER_HOST), r->tls, r->ctx->cfg->public_url))
                return false;
        const char *tok = http_header(r, AUTH_CSRF_HEADER);
        return tok && auth_secret_equal(tok, a->id.csrf);
}

typedef enum MHD_Result (*api_fn)(struct api_req *a);

struct api_noun {
        const char *name;
        const char *label; /* route label for logs and metrics */
        api_fn fn;
        bool public;     /* reachable without credentials */
        bool read_only;  /* viewers may POST here (no state change) */
        size_t body_max; /* largest request body taken */
        bool admin;      /* admin role only, reads included */
};

/* Login is reachable without credentials: its small limit is all an
 * anonymous client can make the server hold per connection. */
#define API_LOGIN_BODY_MAX (4 * 1024)

static const struct api_noun nouns[] = {
    {"login", "api_login", api_auth_login, true, true, API_LOGIN_BODY_MAX},
    {"logout", "api_logout", api_auth_logout, true, true, API_LOGIN_BODY_MAX},
    {"session", "api_session", api_auth_session, true, true, API_LOGIN_BODY_MAX},
    {"status", "api_status", api_status, false, false, API_BODY_MAX},
    {"images", "api_images", api_images, false, false, API_BODY_MAX},
    {"machines", "api_machines", api_machines, false, false, API_BODY_MAX},
    {"discovered", "api_discovered", api_discovered, false, false, API_BODY_MAX},
    {"leases", "api_leases", api_leases, false, false, API_BODY_MAX},
    {"events", "api_events", api_events, false, false, API_BODY_MAX},
    {"preview", "api_preview", api_preview, false, true, API_BODY_MAX},
    /* Uploads stream to disk (routes_api_files.c): their limit is
     * [images] upload_max, checked there; no body is held in memory. */
    {"files", "api_files", api_files, false, false, API_BODY_MAX},
    {"users", "api_users", api_users, false, false, API_LOGIN_BODY_MAX, true},
    {"tokens", "api_tokens", api_tokens, false, false, API_LOGIN_BODY_MAX, true},
    {"audit", "api_audit", api_audit, false, false, API_LOGIN_BODY_MAX, true},
    {"stream", "api_stream", api_stream, false, false, 0},
};

/* Refuses the API on plain HTTP when HTTPS is configured: passwords and
 * session cookies must not cross the network in the clear. */
static bool plain_refused(struct http_req *r)
{
        return r->ctx->tls_enabled && !r->tls;
}

/* Login has no session yet, so only the Origin can be checked (login CSRF);
 * clients that send neither Origin nor Referer (curl, scripts) are not
 * browsers acting for someone else. */
static bool login_origin_ok(struct http_req *r)
{
        const char *origin = http_header(r, "Origin"), *referer = http_header(r, "Referer");
        if (!origin && !referer)
                return true;
        return auth_origin_ok(origin, referer, http_header(r, MHD_HTTP_HEADER_HOST), r->tls,
                              r->ctx->cfg->public_url);
}

/* A state-changing request: CSRF for browser sessions, admin unless the
 * noun is read-only.  false with *reply queued when refused. */
static bool write_allowed(struct api_req *a, const struct api_noun *n, enum MHD_Result *reply)
{
        struct http_req *r = a->r;
        bool ok = strcmp(n->name, "login") == 0    ? login_origin_ok(r)
                  : a->id.kind == API_AUTH_SESSION ? csrf_ok(a)
                                                   : true;
        if (!ok) {
                *reply = api_error(a, MHD_HTTP_FORBIDDEN, NULL,
                                   "CSRF check failed: state-changing browser requests "
                                   "need a same-origin Origin and the X-CSRF-Token header");
                return false;
        }
        if (!n->read_only && a->id.role != AUTH_ROLE_ADMIN) {
                *reply = api_error(a, MHD_HTTP_FORBIDDEN, NULL,
                                   "%s %s has the viewer role: changes need admin",
                                   a->id.kind == API_AUTH_TOKEN ? "token" : "user", a->id.name);
                return false;
        }
        return true;
}

static enum MHD_Result gate(struct api_req *a, const struct api_noun *n)
{
        struct http_req *r = a->r;
        enum MHD_Result reply = MHD_NO;
        if (plain_refused(r))
                return api_error(a, MHD_HTTP_FORBIDDEN, NULL,
                                 "this server's API is served over HTTPS only (port %u)",
                                 (unsigned)r->ctx->tls_port);
        if (r->body_len > n->body_max)
                return api_error(a, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                 "request body larger than %zu bytes", n->body_max);
        if (r->body_len > 0 && !json_content_type(http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE)))
                return api_error(a, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
                                 "request bodies must be Content-Type: application/json");
        if (authenticate(a, &reply) < 0)
                return reply;
        if (a->id.kind == API_AUTH_NONE && !n->public)
                return api_error(a, MHD_HTTP_UNAUTHORIZED, NULL,
                                 "authentication required: log in, or send "
                                 "Authorization: Bearer <token>");
        if (a->write && !write_allowed(a, n, &reply))
                return reply;
        if (n->admin && a->id.role != AUTH_ROLE_ADMIN)
                return api_error(
                    a, MHD_HTTP_FORBIDDEN, NULL, "%s %s has the viewer role: %s needs admin",
                    a->id.kind == API_AUTH_TOKEN ? "token" : "user", a->id.name, n->name);
        /* Whatever the handler changes is recorded as this identity's
         * doing (store_audit.c); the connection serves other clients next. */
        char actor[64];
        snprintf(actor, sizeof(actor), "%s%s", a->id.kind == API_AUTH_TOKEN ? "token:" : "",
                 a->id.name);
        store_set_actor(r->store, a->id.kind == API_AUTH_NONE ? NULL : actor);
        enum MHD_Result res = n->fn(a);
        store_set_actor(r->store, NULL);
        return res;
}

/* The noun a's path names (a->r->route set), else NULL with *reply set. */
static const struct api_noun *find_noun(struct api_req *a, enum MHD_Result *reply)
{
        struct http_req *r = a->r;
        r->route = "api";
        const char *path = r->path;
        size_t plen = strlen(API_PREFIX);
        if (strncmp(path, API_PREFIX, plen) != 0 || (path[plen] != '/' && path[plen] != '\0')) {
                *reply = api_error(a, MHD_HTTP_NOT_FOUND, NULL,
                                   "no such API version (this server speaks " API_PREFIX ")");
                return NULL;
        }
        if (split_path(a, path + plen) < 0 || a->n_seg == 0) {
                *reply = api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
                return NULL;
        }
        for (size_t i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++)
                if (strcmp(a->seg[0], nouns[i].name) == 0) {
                        r->route = nouns[i].label;
                        return &nouns[i];
                }
        *reply = api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource: %s", a->seg[0]);
        return NULL;
}

bool routes_api_early(struct http_req *r, enum MHD_Result *reply)
{
        struct api_req a = {
            .r = r, .method = r->is_head ? "GET" : r->method, .write = method_writes(r->method)};
        const struct api_noun *n = find_noun(&a, reply);
        if (!n)
                return true;
        if (plain_refused(r)) {
                *reply = api_error(&a, MHD_HTTP_FORBIDDEN, NULL,
                                   "this server's API is served over HTTPS only (port %u)",
                                   (unsigned)r->ctx->tls_port);
                return true;
        }
        /* Credentials before the body: an anonymous client gets no further
         * than the public resources' small limit. */
        if (authenticate(&a, reply) < 0)
                return true;
        if (a.id.kind == API_AUTH_NONE && !n->public) {
                *reply = api_error(&a, MHD_HTTP_UNAUTHORIZED, NULL,
                                   "authentication required: log in, or send "
                                   "Authorization: Bearer <token>");
                return true;
        }
        /* An upload: role and CSRF now, then its own checks; its body goes
         * to disk, not here. */
        if (n->fn == api_files && strcmp(r->method, "PUT") == 0)
                return a.write && !write_allowed(&a, n, reply) ? true
                                                               : api_files_upload_early(&a, reply);
        /* The limit is checked against what the client announces; a chunked
         * body is counted as it comes (http_server.c closes at the limit). */
        const char *cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
                char *end;
                errno = 0;
                unsigned long long len = strtoull(cl, &end, 10);
                if (errno || *end || len > n->body_max) {
                        *reply = api_error(&a, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                           "request body larger than %zu bytes", n->body_max);
                        return true;
                }
        }
        if (!json_content_type(http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
                *reply = api_error(&a, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
                                   "request bodies must be Content-Type: application/json");
                return true;
        }
        r->body_max = n->body_max;
        return false;
}

enum MHD_Result routes_api(struct http_req *r)
{
        /* HEAD is GET without the body (libmicrohttpd drops it). */
        struct api_req a = {
            .r = r, .method = r->is_head ? "GET" : r->method, .write = method_writes(r->method)};
        enum MHD_Result reply = MHD_NO;
        const struct api_noun *n = find_noun(&a, &reply);
        return n ? gate(&a, n) : reply;
}
