/* /api/v1/users, /api/v1/tokens, /api/v1/audit: administration, admin role
 * only, reads included (the gate refuses others with 403).
 *
 *   GET    /users                    [{name, role, created}]
 *   POST   /users {name, password, role?}          201 the user
 *   PATCH  /users/NAME {role?, password?}          200 the user
 *   DELETE /users/NAME                             204 (409 for the last admin)
 *   GET    /tokens                   [{name, role, created, last_used}]
 *   POST   /tokens {name, role?}     201 {name, role, token}: the secret, only now
 *   DELETE /tokens/NAME                            204
 *   GET    /audit?since=&actor=&object=&limit=&offset=   newest first
 *
 * Every change is recorded in the audit log by the store (the gate set the
 * connection's actor). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "http/routes_api.h"
#include "json/inventory_json.h"

static json_t *user_json(const struct user *u)
{
        return json_pack("{s:s, s:s, s:o}", "name", u->name, "role", auth_role_name(u->role),
                         "created", json_time(u->created));
}

/* The user as stored now (after a change). */
static enum MHD_Result reply_user(struct api_req *a, unsigned status, const char *name)
{
        struct user u;
        int rc = store_user_get(a->r->store, name, &u);
        if (rc < 0)
                return api_store_error(a, rc, "user");
        json_t *j = user_json(&u);
        user_done(&u);
        return api_reply(a, status, j);
}

/* The body's "role": absent keeps *ret. */
static int body_role(json_t *o, enum auth_role *ret, bool *present, struct api_field_err *err)
{
        const char *s = NULL;
        if (api_str(o, "role", false, &s, present, err) < 0)
                return -EINVAL;
        if (*present && auth_role_parse(s, ret) < 0) {
                err->field = "role";
                snprintf(err->msg, sizeof(err->msg), "role is admin or viewer");
                return -EINVAL;
        }
        return 0;
}

/* Hashes the body's password into hash (absent: *present false). */
static int body_password(json_t *o, char hash[AUTH_PWHASH_MAX], bool *present,
                         struct api_field_err *err)
{
        const char *pw = NULL;
        if (api_str(o, "password", false, &pw, present, err) < 0)
                return -EINVAL;
        if (!*present)
                return 0;
        int r = auth_password_hash(pw, hash);
        if (r < 0) {
                err->field = "password";
                snprintf(err->msg, sizeof(err->msg),
                         r == -EINVAL ? "the password must be %d to %d characters"
                                      : "cannot hash the password",
                         AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
                return -EINVAL;
        }
        return 0;
}

static enum MHD_Result users_list(struct api_req *a)
{
        struct user *us;
        size_t n;
        int rc = store_user_list(a->r->store, &us, &n);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, user_json(&us[i]));
        user_list_free(us, n);
        return api_reply(a, MHD_HTTP_OK, json_pack("{s:o}", "users", arr));
}

static enum MHD_Result users_create(struct api_req *a)
{
        static const char *const fields[] = {"name", "password", "role", NULL};
        enum MHD_Result reply;
        json_t *o = api_body(a, fields, &reply);
        if (!o)
                return reply;
        const char *name = NULL;
        bool has_name, has_pw, has_role;
        enum auth_role role = AUTH_ROLE_VIEWER;
        char hash[AUTH_PWHASH_MAX];
        struct api_field_err err;
        int r = api_str(o, "name", false, &name, &has_name, &err);
        if (r == 0)
                r = body_role(o, &role, &has_role, &err);
        if (r == 0)
                r = body_password(o, hash, &has_pw, &err);
        if (r == 0 && (!has_name || !has_pw)) {
                err.field = has_name ? "password" : "name";
                snprintf(err.msg, sizeof(err.msg), "name and password are required");
                r = -EINVAL;
        }
        if (r < 0) {
                json_decref(o);
                return api_field_error(a, &err);
        }
        char copy[64];
        snprintf(copy, sizeof(copy), "%s", name);
        json_decref(o);
        int rc = store_user_add(a->r->store, copy, hash, role);
        sodium_memzero(hash, sizeof(hash));
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        return reply_user(a, MHD_HTTP_CREATED, copy);
}

static enum MHD_Result users_patch(struct api_req *a, const char *name)
{
        static const char *const fields[] = {"password", "role", NULL};
        enum MHD_Result reply;
        json_t *o = api_body(a, fields, &reply);
        if (!o)
                return reply;
        bool has_pw = false, has_role = false;
        enum auth_role role = AUTH_ROLE_VIEWER;
        char hash[AUTH_PWHASH_MAX];
        struct api_field_err err;
        int r = body_role(o, &role, &has_role, &err);
        if (r == 0)
                r = body_password(o, hash, &has_pw, &err);
        json_decref(o);
        if (r < 0)
                return api_field_error(a, &err);
        struct store *s = a->r->store;
        int rc = 0;
        if (has_role)
                rc = store_user_set_role(s, name, role);
        if (rc == 0 && has_pw)
                rc = store_user_set_password(s, name, hash);
        sodium_memzero(hash, sizeof(hash));
        if (rc < 0)
                return api_store_error(a, rc, "user");
        return reply_user(a, MHD_HTTP_OK, name);
}

enum MHD_Result api_users(struct api_req *a)
{
        if (a->n_seg == 1) {
                if (strcmp(a->method, "GET") == 0)
                        return users_list(a);
                if (strcmp(a->method, "POST") == 0)
                        return users_create(a);
                return api_method_not_allowed(a, "GET, HEAD, POST");
        }
        if (a->n_seg != 2)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        const char *name = a->seg[1];
        if (strcmp(a->method, "GET") == 0)
                return reply_user(a, MHD_HTTP_OK, name);
        if (strcmp(a->method, "PATCH") == 0)
                return users_patch(a, name);
        if (strcmp(a->method, "DELETE") == 0) {
                int rc = store_user_remove(a->r->store, name);
                return rc < 0 ? api_store_error(a, rc, "user") : api_no_content(a);
        }
        return api_method_not_allowed(a, "GET, HEAD, PATCH, DELETE");
}

static enum MHD_Result tokens_list(struct api_req *a)
{
        struct api_token *ts;
        size_t n;
        int rc = store_token_list(a->r->store, &ts, &n);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:o}", "name", ts[i].name,
                                                     "role", auth_role_name(ts[i].role), "created",
                                                     json_time(ts[i].created), "last_used",
                                                     json_time(ts[i].last_used)));
        api_token_list_free(ts, n);
        return api_reply(a, MHD_HTTP_OK, json_pack("{s:o}", "tokens", arr));
}

static enum MHD_Result tokens_create(struct api_req *a)
{
        static const char *const fields[] = {"name", "role", NULL};
        enum MHD_Result reply;
        json_t *o = api_body(a, fields, &reply);
        if (!o)
                return reply;
        const char *name = NULL;
        bool has_name, has_role;
        enum auth_role role = AUTH_ROLE_VIEWER;
        struct api_field_err err;
        int r = api_str(o, "name", false, &name, &has_name, &err);
        if (r == 0)
                r = body_role(o, &role, &has_role, &err);
        if (r == 0 && !has_name) {
                err.field = "name";
                snprintf(err.msg, sizeof(err.msg), "name is required");
                r = -EINVAL;
        }
        if (r < 0) {
                json_decref(o);
                return api_field_error(a, &err);
        }
        char copy[64];
        snprintf(copy, sizeof(copy), "%s", name);
        json_decref(o);
        char tok[AUTH_TOKEN_LEN + 1];
        auth_new_secret(AUTH_TOKEN_PREFIX, tok, sizeof(tok));
        uint8_t h[STORE_SECRET_HASH_LEN];
        auth_secret_hash(tok, h);
        int rc = store_token_add(a->r->store, copy, h, role);
        if (rc < 0) {
                sodium_memzero(tok, sizeof(tok));
                return api_store_error(a, rc, NULL);
        }
        /* The only time the secret leaves the server: the store keeps its hash. */
        json_t *j =
            json_pack("{s:s, s:s, s:s}", "name", copy, "role", auth_role_name(role), "token", tok);
        sodium_memzero(tok, sizeof(tok));
        return api_reply(a, MHD_HTTP_CREATED, j);
}

enum MHD_Result api_tokens(struct api_req *a)
{
        if (a->n_seg == 1) {
                if (strcmp(a->method, "GET") == 0)
                        return tokens_list(a);
                if (strcmp(a->method, "POST") == 0)
                        return tokens_create(a);
                return api_method_not_allowed(a, "GET, HEAD, POST");
        }
        if (a->n_seg != 2)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "DELETE") != 0)
                return api_method_not_allowed(a, "DELETE");
        int rc = store_token_remove(a->r->store, a->seg[1]);
        return rc < 0 ? api_store_error(a, rc, "token") : api_no_content(a);
}

enum MHD_Result api_audit(struct api_req *a)
{
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "GET") != 0)
                return api_method_not_allowed(a, "GET, HEAD");
        enum MHD_Result reply;
        struct audit_filter f = {.actor = api_query(a, "actor"), .object = api_query(a, "object")};
        if (api_paging(a, 100, &f.limit, &f.offset, &reply) < 0)
                return reply;
        const char *since = api_query(a, "since");
        if (since && *since && api_parse_time(since, &f.since_ms) < 0)
                return api_error(a, MHD_HTTP_BAD_REQUEST, "since",
                                 "?since= takes milliseconds since 1970 or an ISO 8601 UTC "
                                 "time like 2026-11-25T21:28:38Z");
        struct audit_entry *es;
        size_t n;
        int64_t total;
        int rc = store_audit_list(a->r->store, &f, &es, &n, &total);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, audit_to_json(&es[i]));
        audit_list_free(es, n);
        return api_reply(a, MHD_HTTP_OK,
                         json_pack("{s:o, s:I, s:I, s:I}", "entries", arr, "total",
                                   (json_int_t)total, "limit", (json_int_t)f.limit, "offset",
                                   (json_int_t)f.offset));
}
