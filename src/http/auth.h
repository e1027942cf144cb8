/* Authentication for the web UI and the REST API: cookies, bearer tokens,
 * CSRF checks, login rate limiting.  Password hashing and session/token
 * secrets live in auth/auth_secret.h (shared with the CLI).
 *
 * - Requests are authenticated by `Authorization: Bearer <token>` (scripts)
 *   or the session cookie (the browser).  Cookie-authenticated requests
 *   that change state must carry a matching Origin and the session's CSRF
 *   token in X-CSRF-Token. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth_secret.h" /* password hashing, secrets: shared with the CLI */
#include "store/store.h"

struct http_ctx;

#define AUTH_COOKIE      "bh_session"
#define AUTH_COOKIE_TLS  "__Host-bh_session" /* Secure, Path=/, no Domain */
#define AUTH_CSRF_HEADER "X-CSRF-Token"

/* Finds cookie `name` in a Cookie header; copies its value (at most cap-1
 * bytes, else -E2BIG).  -ENOENT when absent. */
int auth_cookie_get(const char *header, const char *name, char *out, size_t cap);
/* The token of "Bearer <token>" (case-insensitive scheme), else NULL. */
const char *auth_bearer(const char *authorization);

/* Is the Origin (or, without one, the Referer's origin) of a state-changing
 * browser request this server?  Expected: <scheme>://<Host header>, or the
 * origin of [server] public_url.  A request naming neither is refused. */
bool auth_origin_ok(const char *origin, const char *referer, const char *host, bool tls,
                    const char *public_url);

/* ---- login rate limiting ----
 * A token bucket per client address and per user name: [auth] login_burst
 * failed attempts, then one more every [auth] login_refill_s seconds.  A
 * successful login refills the client's bucket. */
#define AUTH_RL_SLOTS 1024

struct auth;
int auth_new(int64_t login_burst, int64_t login_refill_s, struct auth **ret);
void auth_free(struct auth *a);
/* 0 when an attempt for key may go ahead now, else the seconds to wait. */
long auth_login_wait(struct auth *a, const char *key, int64_t now_ms);
void auth_login_failed(struct auth *a, const char *key, int64_t now_ms);
void auth_login_succeeded(struct auth *a, const char *key);

/* Logs, at start-up, how to create the first user when there is none
 * (there is no default password). */
void auth_log_setup_hint(struct http_ctx *ctx);
