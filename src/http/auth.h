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
 * Token buckets, refilled one attempt every [auth] login_refill_s seconds:
 * - per (client address, user name): [auth] login_burst failed attempts;
 * - per client address, whatever the user: AUTH_ADDR_BURST_FACTOR times
 *   that (one address spraying many names);
 * - per user name: login_burst, but binding only addresses that have
 *   failed lately (whose own bucket is not full), so that many addresses
 *   guessing one user's password cannot lock its owner out: a correct
 *   password from an address that has not failed always gets in.
 * An attempt takes its tokens before the password is checked (all three
 * under one lock), so concurrent attempts cannot exceed the limits; a
 * correct password gives them back. */
#define AUTH_RL_SLOTS          1024
#define AUTH_ADDR_BURST_FACTOR 4

struct auth;
int auth_new(int64_t login_burst, int64_t login_refill_s, struct auth **ret);
void auth_free(struct auth *a);
/* Takes an attempt for user from address ip (text): 0 when it may go
 * ahead now, else the seconds to wait (nothing taken). */
long auth_login_begin(struct auth *a, const char *ip, const char *user, int64_t now_ms);
/* The outcome of an attempt auth_login_begin() allowed. */
void auth_login_end(struct auth *a, const char *ip, const char *user, bool ok, int64_t now_ms);

/* Logs, at start-up, how to create the first user when there is none
 * (there is no default password). */
void auth_log_setup_hint(struct http_ctx *ctx);
