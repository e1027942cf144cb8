/* /api/v1/login, /logout, /session: the browser's session cookie.
 *
 * POST /login {"username", "password"} sets the cookie (256-bit random id,
 * HttpOnly, SameSite=Strict, Secure under TLS) and returns the session's
 * CSRF token; GET /session returns who is logged in (and the CSRF token
 * again, for a reloaded page), or 401 with a hint when nobody can log in
 * yet; POST /logout ends the session. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/auth.h"
#include "http/routes_api.h"

#define SETUP_HINT                                                                                 \
        "no users exist yet: on the server run \"bootherd user add NAME\" (it reads the "          \
        "password from stdin), then log in"

static json_t *session_json(const char *user, enum auth_role role, const char *csrf,
                            const char *via)
{
        return json_pack("{s:s, s:s, s:s, s:s}", "user", user, "role", auth_role_name(role), "csrf",
                         csrf, "auth", via);
}

static void cookie_header(struct api_req *a, const char *value, long max_age, char *out, size_t cap)
{
        bool tls = a->r->tls;
        snprintf(out, cap, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
                 tls ? AUTH_COOKIE_TLS : AUTH_COOKIE, value, max_age, tls ? "; Secure" : "");
}

static enum MHD_Result reply_too_many(struct api_req *a, long wait)
{
        char retry[24];
        snprintf(retry, sizeof(retry), "%ld", wait);
        json_t *j = json_pack("{s:s}", "error", "too many failed logins; try again later");
        char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        struct MHD_Response *resp =
            body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE)
                 : NULL;
        if (!resp) {
                free(body);
                return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
        return http_queue(a->r, MHD_HTTP_TOO_MANY_REQUESTS, resp, strlen(body));
}

static enum MHD_Result start_session(struct api_req *a, const struct user *u)
{
        struct http_req *r = a->r;
        char sid[AUTH_SECRET_HEX + 1], csrf[STORE_CSRF_LEN + 1];
        auth_new_secret("", sid, sizeof(sid));
        auth_new_secret("", csrf, sizeof(csrf));
        uint8_t h[STORE_SECRET_HASH_LEN];
        auth_secret_hash(sid, h);
        int64_t now = store_now_ms();
        const struct config *c = r->ctx->cfg;
        (void)store_session_purge(r->store, now, c->auth_session_idle_s * 1000,
                                  c->auth_session_max_s * 1000);
        int rc = store_session_add(r->store, h, u->name, csrf, now);
        if (rc < 0) {
                sodium_memzero(sid, sizeof(sid));
                return api_store_error(a, rc, NULL);
        }
        char cookie[256];
        cookie_header(a, sid, (long)c->auth_session_max_s, cookie, sizeof(cookie));
        sodium_memzero(sid, sizeof(sid));
        log_info("auth peer=%s user=%s: logged in", r->peer, u->name);
        enum MHD_Result res = api_reply_cookie(
            a, MHD_HTTP_OK, session_json(u->name, u->role, csrf, "session"), cookie);
        sodium_memzero(cookie, sizeof(cookie));
        return res;
}

enum MHD_Result api_auth_login(struct api_req *a)
{
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "POST") != 0)
                return api_method_not_allowed(a, "POST");
        static const char *const fields[] = {"username", "password", NULL};
        enum MHD_Result reply;
        json_t *o = api_body(a, fields, &reply);
        if (!o)
                return reply;
        const char *user = NULL, *pw = NULL;
        bool has_user, has_pw;
        struct api_field_err err;
        if (api_str(o, "username", false, &user, &has_user, &err) < 0 ||
            api_str(o, "password", false, &pw, &has_pw, &err) < 0) {
                json_decref(o);
                return api_field_error(a, &err);
        }
        if (!has_user || !*user || !has_pw || !*pw) {
                json_decref(o);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT,
                                 has_user ? "password" : "username",
                                 "username and password are required");
        }
        struct http_req *r = a->r;
        /* The client's identity is its address, not its port. */
        char ip[48];
        snprintf(ip, sizeof(ip), "%s", r->peer_ip ? r->peer : "?");
        char *colon = strrchr(ip, ':');
        if (colon && colon > ip)
                *colon = '\0';
        int64_t now = store_now_ms();
        long wait = auth_login_begin(r->ctx->auth, ip, user, now);
        if (wait > 0) {
                log_info("auth peer=%s: login throttled (%ld s)", r->peer, wait);
                json_decref(o);
                return reply_too_many(a, wait);
        }
        char name[80];
        snprintf(name, sizeof(name), "%s", user); /* user lives in o */
        struct user u;
        int rc = store_user_get(r->store, user, &u);
        bool ok;
        if (rc == 0) {
                ok = auth_password_verify(u.password_hash, pw);
        } else {
                auth_password_dummy(pw);
                ok = false;
        }
        json_decref(o);
        if (rc < 0 && rc != -ENOENT) {
                /* Not a wrong guess: the attempt is given back. */
                auth_login_end(r->ctx->auth, ip, name, true, store_now_ms());
                return api_store_error(a, rc, NULL);
        }
        auth_login_end(r->ctx->auth, ip, name, ok, store_now_ms());
        if (!ok) {
                if (rc == 0)
                        user_done(&u);
                log_warn("auth peer=%s: failed login", r->peer);
                int64_t n_users = 1;
                (void)store_user_count(r->store, &n_users);
                return api_error(a, MHD_HTTP_UNAUTHORIZED, NULL, "%s",
                                 n_users == 0 ? SETUP_HINT : "wrong user name or password");
        }
        enum MHD_Result res = start_session(a, &u);
        user_done(&u);
        return res;
}

enum MHD_Result api_auth_logout(struct api_req *a)
{
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "POST") != 0)
                return api_method_not_allowed(a, "POST");
        struct http_req *r = a->r;
        char sid[AUTH_SECRET_HEX + 8], cookie[200];
        if (auth_cookie_get(http_header(r, MHD_HTTP_HEADER_COOKIE),
                            r->tls ? AUTH_COOKIE_TLS : AUTH_COOKIE, sid, sizeof(sid)) == 0) {
                uint8_t h[STORE_SECRET_HASH_LEN];
                auth_secret_hash(sid, h);
                sodium_memzero(sid, sizeof(sid));
                (void)store_session_remove(r->store, h);
                if (a->id.kind == API_AUTH_SESSION)
                        log_info("auth peer=%s user=%s: logged out", r->peer, a->id.name);
        }
        cookie_header(a, "", 0, cookie, sizeof(cookie));
        return api_reply_cookie(a, MHD_HTTP_OK, json_pack("{s:b}", "logged_out", 1), cookie);
}

enum MHD_Result api_auth_session(struct api_req *a)
{
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "GET") != 0)
                return api_method_not_allowed(a, "GET, HEAD");
        if (a->id.kind == API_AUTH_SESSION)
                return api_reply(a, MHD_HTTP_OK,
                                 session_json(a->id.name, a->id.role, a->id.csrf, "session"));
        if (a->id.kind == API_AUTH_TOKEN)
                return api_reply(a, MHD_HTTP_OK,
                                 json_pack("{s:s, s:s, s:s}", "user", a->id.name, "role",
                                           auth_role_name(a->id.role), "auth", "token"));
        int64_t n_users = 1;
        (void)store_user_count(a->r->store, &n_users);
        json_t *j = json_pack("{s:s, s:b}", "error", n_users == 0 ? SETUP_HINT : "not logged in",
                              "setup_needed", n_users == 0);
        return api_reply(a, MHD_HTTP_UNAUTHORIZED, j);
}
