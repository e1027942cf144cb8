/* Users, API tokens and browser sessions.
 *
 * The store only ever sees derived values: argon2id strings for passwords
 * and 32-byte hashes for tokens and session ids (auth.c makes them), so a
 * copy of the database does not let anyone log in or call the API. */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_NAME_MAX 32
/* Writes to last_used are skipped when the stored value is this fresh, so
 * the UI's polling does not turn every read into a write transaction. */
#define TOKEN_TOUCH_MS   60000
#define SESSION_TOUCH_MS 5000

static const char *const role_names[] = {"viewer", "admin"};

const char *auth_role_name(enum auth_role r)
{
        return (unsigned)r < 2 ? role_names[r] : "viewer";
}

int auth_role_parse(const char *s, enum auth_role *ret)
{
        for (int i = 0; i < 2; i++)
                if (s && strcmp(s, role_names[i]) == 0) {
                        *ret = (enum auth_role)i;
                        return 0;
                }
        return -EINVAL;
}

/* User and token names: [a-z_][a-z0-9_.-]{0,31}, like login names. */
static bool name_ok(const char *s)
{
        size_t n = s ? strlen(s) : 0;
        if (n == 0 || n > USER_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool ok = (c >= 'a' && c <= 'z') || c == '_' ||
                          (i > 0 && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
                if (!ok)
                        return false;
        }
        return true;
}

void user_done(struct user *u)
{
        if (!u)
                return;
        free(u->name);
        free(u->password_hash);
        memset(u, 0, sizeof(*u));
}

void user_list_free(struct user *us, size_t n)
{
        for (size_t i = 0; i < n; i++)
                user_done(&us[i]);
        free(us);
}

void api_token_list_free(struct api_token *ts, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(ts[i].name);
        free(ts);
}

void auth_session_done(struct auth_session *ss)
{
        if (!ss)
                return;
        free(ss->user);
        memset(ss, 0, sizeof(*ss));
}

static int role_col(struct store_stmt *st, int col)
{
        enum auth_role r = AUTH_ROLE_VIEWER;
        (void)auth_role_parse(store_col_text(st, col), &r);
        return (int)r;
}

/* Commits a write transaction that went well (r == 0), else rolls it back. */
static int tx_end(struct store *s, int r)
{
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

/* Runs a prepared one-row write; -ENOENT when it changed nothing. */
static int step_write(struct store *s, struct store_stmt *st, const char *what, const char *field,
                      const char *name)
{
        if (store_step(st) < 0)
                return store_db_fail(s, what);
        if (store_changes(st) == 0)
                return store_fail(s, -ENOENT, field, "no %s named %s", field, name);
        return 0;
}

static const char SQL_USER_END_SESSIONS[] = "DELETE FROM session WHERE \"user\" = ?1";

/* Ends name's sessions (inside the caller's transaction): a changed
 * password or role must not leave sessions opened under the old one. */
static int end_sessions(struct store *s, const char *name)
{
        struct store_stmt *st = store_prepare(s, SQL_USER_END_SESSIONS);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, name);
        return store_step(st) < 0 ? store_db_fail(s, "end sessions") : 0;
}

/* ---- users ---- */

static const char SQL_USER_ADD[] =
    "INSERT INTO \"user\" (name, password_hash, role, created) VALUES (?1, ?2, ?3, ?4)";

int store_user_add(struct store *s, const char *name, const char *password_hash,
                   enum auth_role role)
{
        if (!name_ok(name))
                return store_fail(s, -EINVAL, "name",
                                  "invalid user name \"%s\": use [a-z_][a-z0-9_.-]{0,31}",
                                  name ? name : "");
        int r = store_begin(s);
        if (r < 0)
                return r;
        struct store_stmt *st = store_prepare(s, SQL_USER_ADD);
        r = st ? 0 : -EIO;
        if (r == 0) {
                store_bind_text(st, 1, name);
                store_bind_text(st, 2, password_hash);
                store_bind_text(st, 3, auth_role_name(role));
                store_bind_int64(st, 4, store_now_ms());
                int rc = store_step(st);
                if (rc == -EEXIST)
                        r = store_fail(s, -EEXIST, "name", "user %s already exists", name);
                else if (rc < 0)
                        r = store_db_fail(s, "user add");
        }
        if (r == 0)
                r = store_audit_tx(s, "user.create", name, NULL, store_audit_role(s, "user", name));
        return tx_end(s, r);
}

static const char SQL_USER_PASSWD[] = "UPDATE \"user\" SET password_hash = ?2 WHERE name = ?1";

int store_user_set_password(struct store *s, const char *name, const char *password_hash)
{
        int r = store_begin(s);
        if (r < 0)
                return r;
        struct store_stmt *st = store_prepare(s, SQL_USER_PASSWD);
        r = st ? 0 : -EIO;
        if (r == 0) {
                store_bind_text(st, 1, name);
                store_bind_text(st, 2, password_hash);
                r = step_write(s, st, "user password", "user", name);
        }
        if (r == 0)
                r = end_sessions(s, name);
        if (r == 0)
                r = store_audit_tx(s, "user.password", name, NULL,
                                   json_pack("{s:s}", "password", "changed"));
        return tx_end(s, r);
}

static const char SQL_USER_GET[] =
    "SELECT name, password_hash, role, created FROM \"user\" WHERE name = ?1";

int store_user_get(struct store *s, const char *name, struct user *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_USER_GET);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, name);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return store_fail(s, -ENOENT, "user", "no user named %s", name);
        if (rc != STORE_ROW)
                return store_db_fail(s, "user read");
        bool oom = false;
        struct user u = {0};
        u.name = store_col_dup(st, 0, &oom);
        u.password_hash = store_col_dup(st, 1, &oom);
        u.role = (enum auth_role)role_col(st, 2);
        u.created = store_col_int64(st, 3);
        store_reset(st);
        if (oom || !u.name || !u.password_hash) {
                user_done(&u);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        *ret = u;
        return 0;
}

static const char SQL_USER_LIST[] = "SELECT name, role, created FROM \"user\" ORDER BY name";

int store_user_list(struct store *s, struct user **ret, size_t *ret_n)
{
        struct store_stmt *st = store_prepare(s, SQL_USER_LIST);
        if (!st)
                return -EIO;
        struct user *v = NULL;
        size_t n = 0;
        int rc, r = 0;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct user *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                bool oom = false;
                v[n] = (struct user){.name = store_col_dup(st, 0, &oom),
                                     .role = (enum auth_role)role_col(st, 1),
                                     .created = store_col_int64(st, 2)};
                n++;
                if (oom || !v[n - 1].name) {
                        r = -ENOMEM;
                        break;
                }
        }
        store_reset(st);
        if (r == 0 && rc != STORE_DONE && rc != STORE_ROW)
                r = store_db_fail(s, "user list");
        if (r < 0) {
                user_list_free(v, n);
                return r == -ENOMEM ? store_fail(s, r, NULL, "out of memory") : r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static const char SQL_USER_DELETE[] = "DELETE FROM \"user\" WHERE name = ?1";
static const char SQL_USER_SET_ROLE[] = "UPDATE \"user\" SET role = ?2 WHERE name = ?1";
/* Locks every admin row (PostgreSQL READ COMMITTED: a concurrent demotion
 * waits for this transaction, then counts again; SQLite: the writer lock
 * already serialises), then counts the admins other than ?1. */
static const char SQL_LOCK_ADMINS[] = "UPDATE \"user\" SET role = role WHERE role = 'admin'";
static const char SQL_OTHER_ADMINS[] =
    "SELECT count(*) FROM \"user\" WHERE role = 'admin' AND name <> ?1";

/* -EBUSY when taking admin away from name (an admin) leaves the server
 * with none: two admins demoting each other at once cannot both succeed. */
static int keep_an_admin(struct store *s, const char *name, const char *what)
{
        int r = store_run(s, SQL_LOCK_ADMINS, "lock admins");
        if (r < 0)
                return r;
        struct store_stmt *st = store_prepare(s, SQL_OTHER_ADMINS);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, name);
        if (store_step(st) != STORE_ROW)
                return store_db_fail(s, "admin count");
        int64_t others = store_col_int64(st, 0);
        store_reset(st);
        return others == 0 ? store_fail(s, -EBUSY, "name",
                                        "cannot %s %s: it is the last admin (make another "
                                        "user admin first)",
                                        what, name)
                           : 0;
}

static bool is_admin(struct store *s, const char *name)
{
        struct user u;
        if (store_user_get(s, name, &u) < 0)
                return false; /* the write that follows says "no user" */
        bool admin = u.role == AUTH_ROLE_ADMIN;
        user_done(&u);
        return admin;
}

int store_user_remove(struct store *s, const char *name)
{
        int r = store_begin(s);
        if (r < 0)
                return r;
        json_t *before = store_audit_role(s, "user", name);
        struct store_stmt *st = NULL;
        if (is_admin(s, name))
                r = keep_an_admin(s, name, "remove");
        if (r == 0 && !(st = store_prepare(s, SQL_USER_DELETE)))
                r = -EIO;
        if (r == 0) {
                store_bind_text(st, 1, name);
                r = step_write(s, st, "user remove", "user", name);
        }
        if (r == 0)
                r = store_audit_tx(s, "user.delete", name, before, NULL);
        else
                json_decref(before);
        return tx_end(s, r);
}

int store_user_set_role(struct store *s, const char *name, enum auth_role role)
{
        int r = store_begin(s);
        if (r < 0)
                return r;
        json_t *before = store_audit_role(s, "user", name);
        struct store_stmt *st = NULL;
        if (role != AUTH_ROLE_ADMIN && is_admin(s, name))
                r = keep_an_admin(s, name, "demote");
        if (r == 0 && !(st = store_prepare(s, SQL_USER_SET_ROLE)))
                r = -EIO;
        if (r == 0) {
                store_bind_text(st, 1, name);
                store_bind_text(st, 2, auth_role_name(role));
                r = step_write(s, st, "user role", "user", name);
        }
        /* Sessions carry the role they were opened with. */
        if (r == 0)
                r = end_sessions(s, name);
        if (r == 0)
                r = store_audit_tx(s, "user.role", name, before, store_audit_role(s, "user", name));
        else
                json_decref(before);
        return tx_end(s, r);
}

static const char SQL_USER_COUNT[] = "SELECT count(*) FROM \"user\"";

int store_user_count(struct store *s, int64_t *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_USER_COUNT);
        if (!st)
                return -EIO;
        if (store_step(st) != STORE_ROW)
                return store_db_fail(s, "user count");
        *ret = store_col_int64(st, 0);
        store_reset(st);
        return 0;
}

/* ---- API tokens ---- */

static const char SQL_TOKEN_ADD[] =
    "INSERT INTO token (name, hash, role, created) VALUES (?1, ?2, ?3, ?4)";

int store_token_add(struct store *s, const char *name, const uint8_t hash[STORE_SECRET_HASH_LEN],
                    enum auth_role role)
{
        if (!name_ok(name))
                return store_fail(s, -EINVAL, "name",
                                  "invalid token name \"%s\": use [a-z_][a-z0-9_.-]{0,31}",
                                  name ? name : "");
        int r = store_begin(s);
        if (r < 0)
                return r;
        struct store_stmt *st = store_prepare(s, SQL_TOKEN_ADD);
        r = st ? 0 : -EIO;
        if (r == 0) {
                store_bind_text(st, 1, name);
                store_bind_blob(st, 2, hash, STORE_SECRET_HASH_LEN);
                store_bind_text(st, 3, auth_role_name(role));
                store_bind_int64(st, 4, store_now_ms());
                int rc = store_step(st);
                if (rc == -EEXIST)
                        r = store_fail(s, -EEXIST, "name", "token %s already exists", name);
                else if (rc < 0)
                        r = store_db_fail(s, "token add");
        }
        if (r == 0)
                r = store_audit_tx(s, "token.create", name, NULL,
                                   store_audit_role(s, "token", name));
        return tx_end(s, r);
}

static const char SQL_TOKEN_LIST[] =
    "SELECT name, role, created, last_used FROM token ORDER BY name";

int store_token_list(struct store *s, struct api_token **ret, size_t *ret_n)
{
        struct store_stmt *st = store_prepare(s, SQL_TOKEN_LIST);
        if (!st)
                return -EIO;
        struct api_token *v = NULL;
        size_t n = 0;
        int rc, r = 0;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct api_token *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                bool oom = false;
                v[n] = (struct api_token){.name = store_col_dup(st, 0, &oom),
                                          .role = (enum auth_role)role_col(st, 1),
                                          .created = store_col_int64(st, 2),
                                          .last_used = store_col_int64(st, 3)};
                n++;
                if (oom || !v[n - 1].name) {
                        r = -ENOMEM;
                        break;
                }
        }
        store_reset(st);
        if (r == 0 && rc != STORE_DONE)
                r = store_db_fail(s, "token list");
        if (r < 0) {
                api_token_list_free(v, n);
                return r == -ENOMEM ? store_fail(s, r, NULL, "out of memory") : r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static const char SQL_TOKEN_DELETE[] = "DELETE FROM token WHERE name = ?1";

int store_token_remove(struct store *s, const char *name)
{
        int r = store_begin(s);
        if (r < 0)
                return r;
        json_t *before = store_audit_role(s, "token", name);
        struct store_stmt *st = store_prepare(s, SQL_TOKEN_DELETE);
        r = st ? 0 : -EIO;
        if (r == 0) {
                store_bind_text(st, 1, name);
                r = step_write(s, st, "token revoke", "token", name);
        }
        if (r == 0)
                r = store_audit_tx(s, "token.revoke", name, before, NULL);
        else
                json_decref(before);
        return tx_end(s, r);
}

static const char SQL_TOKEN_FIND[] =
    "SELECT name, role, created, coalesce(last_used, 0) FROM token WHERE hash = ?1";
static const char SQL_TOKEN_TOUCH[] = "UPDATE token SET last_used = ?2 WHERE name = ?1";

int store_token_lookup(struct store *s, const uint8_t hash[STORE_SECRET_HASH_LEN], int64_t now,
                       struct api_token *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_TOKEN_FIND);
        if (!st)
                return -EIO;
        store_bind_blob(st, 1, hash, STORE_SECRET_HASH_LEN);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return store_fail(s, -ENOENT, NULL, "unknown token");
        if (rc != STORE_ROW)
                return store_db_fail(s, "token lookup");
        bool oom = false;
        struct api_token t = {.name = store_col_dup(st, 0, &oom),
                              .role = (enum auth_role)role_col(st, 1),
                              .created = store_col_int64(st, 2),
                              .last_used = store_col_int64(st, 3)};
        store_reset(st);
        if (oom || !t.name) {
                free(t.name);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        if (now - t.last_used >= TOKEN_TOUCH_MS && (st = store_prepare(s, SQL_TOKEN_TOUCH))) {
                store_bind_text(st, 1, t.name);
                store_bind_int64(st, 2, now);
                /* Best effort: a busy database must not fail the request. */
                (void)store_step(st);
                store_reset(st);
                t.last_used = now;
        }
        *ret = t;
        return 0;
}

/* ---- sessions ---- */

static const char SQL_SESSION_ADD[] =
    "INSERT INTO session (hash, \"user\", csrf, created, last_used) VALUES (?1, ?2, ?3, ?4, ?4)";

int store_session_add(struct store *s, const uint8_t hash[STORE_SECRET_HASH_LEN], const char *user,
                      const char *csrf, int64_t now)
{
        struct store_stmt *st = store_prepare(s, SQL_SESSION_ADD);
        if (!st)
                return -EIO;
        store_bind_blob(st, 1, hash, STORE_SECRET_HASH_LEN);
        store_bind_text(st, 2, user);
        store_bind_text(st, 3, csrf);
        store_bind_int64(st, 4, now);
        if (store_step(st) < 0)
                return store_db_fail(s, "session add");
        return 0;
}

static const char SQL_SESSION_FIND[] =
    "SELECT s.\"user\", u.role, s.csrf, s.created, s.last_used FROM session s "
    "JOIN \"user\" u ON u.name = s.\"user\" WHERE s.hash = ?1";
static const char SQL_SESSION_TOUCH[] = "UPDATE session SET last_used = ?2 WHERE hash = ?1";
static const char SQL_SESSION_DELETE[] = "DELETE FROM session WHERE hash = ?1";

static void session_exec_hash(struct store *s, const char *sql,
                              const uint8_t hash[STORE_SECRET_HASH_LEN], int64_t now)
{
        struct store_stmt *st = store_prepare(s, sql);
        if (!st)
                return;
        store_bind_blob(st, 1, hash, STORE_SECRET_HASH_LEN);
        if (now)
                store_bind_int64(st, 2, now);
        (void)store_step(st);
        store_reset(st);
}

int store_session_lookup(struct store *s, const uint8_t hash[STORE_SECRET_HASH_LEN], int64_t now,
                         int64_t idle_ms, int64_t max_ms, struct auth_session *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_SESSION_FIND);
        if (!st)
                return -EIO;
        store_bind_blob(st, 1, hash, STORE_SECRET_HASH_LEN);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return store_fail(s, -ENOENT, NULL, "no such session");
        if (rc != STORE_ROW)
                return store_db_fail(s, "session lookup");
        bool oom = false;
        struct auth_session ss = {.user = store_col_dup(st, 0, &oom),
                                  .role = (enum auth_role)role_col(st, 1),
                                  .created = store_col_int64(st, 3),
                                  .last_used = store_col_int64(st, 4)};
        store_col_copy(st, 2, ss.csrf, sizeof(ss.csrf));
        store_reset(st);
        if (oom || !ss.user) {
                auth_session_done(&ss);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        if (now - ss.last_used > idle_ms || now - ss.created > max_ms) {
                auth_session_done(&ss);
                session_exec_hash(s, SQL_SESSION_DELETE, hash, 0);
                return store_fail(s, -ENOENT, NULL, "session expired");
        }
        if (now - ss.last_used >= SESSION_TOUCH_MS) {
                session_exec_hash(s, SQL_SESSION_TOUCH, hash, now);
                ss.last_used = now;
        }
        *ret = ss;
        return 0;
}

int store_session_remove(struct store *s, const uint8_t hash[STORE_SECRET_HASH_LEN])
{
        struct store_stmt *st = store_prepare(s, SQL_SESSION_DELETE);
        if (!st)
                return -EIO;
        store_bind_blob(st, 1, hash, STORE_SECRET_HASH_LEN);
        if (store_step(st) < 0)
                return store_db_fail(s, "session remove");
        if (store_changes(st) == 0)
                return store_fail(s, -ENOENT, NULL, "no such session");
        return 0;
}

static const char SQL_SESSION_PURGE[] = "DELETE FROM session WHERE last_used < CAST(?1 AS BIGINT) "
                                        "- ?2 OR created < CAST(?1 AS BIGINT) - ?3";

int store_session_purge(struct store *s, int64_t now, int64_t idle_ms, int64_t max_ms)
{
        struct store_stmt *st = store_prepare(s, SQL_SESSION_PURGE);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, now);
        store_bind_int64(st, 2, idle_ms);
        store_bind_int64(st, 3, max_ms);
        if (store_step(st) < 0)
                return store_db_fail(s, "session purge");
        return (int)store_changes(st);
}
