/* Authentication for the web UI and the REST API: password hashing,
 * session ids and API tokens, CSRF checks, login rate limiting.
 *
 * - Passwords: argon2id through libsodium's crypto_pwhash_str (salted,
 *   self-describing string; parameters can be raised later without
 *   invalidating stored hashes).
 * - Session ids and API tokens: 256 bits from randombytes_buf(), shown to
 *   the client once, stored only as BLAKE2b-256 (crypto_generichash).  A
 *   lookup by hash never compares secrets byte by byte, so it leaks no
 *   timing about them; CSRF tokens are compared with sodium_memcmp().
 * - Requests are authenticated by `Authorization: Bearer <token>` (scripts)
 *   or the session cookie (the browser).  Cookie-authenticated requests
 *   that change state must carry a matching Origin and the session's CSRF
 *   token in X-CSRF-Token. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct http_ctx;

#define AUTH_PWHASH_MAX   128 /* crypto_pwhash_STRBYTES */
#define AUTH_SECRET_HEX   64  /* 32 random bytes, hex */
#define AUTH_TOKEN_PREFIX "bht_"
#define AUTH_TOKEN_LEN    (4 + AUTH_SECRET_HEX)
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 1024
#define AUTH_COOKIE       "bh_session"
#define AUTH_COOKIE_TLS   "__Host-bh_session" /* Secure, Path=/, no Domain */
#define AUTH_CSRF_HEADER  "X-CSRF-Token"

/* Initialises libsodium (idempotent).  0 or -EIO. */
int auth_init(void);

/* argon2id hash of password into out (a NUL-terminated string).  -EINVAL
 * when the password is shorter than AUTH_PASSWORD_MIN or longer than
 * AUTH_PASSWORD_MAX; -ENOMEM when argon2 cannot get its memory. */
int auth_password_hash(const char *password, char out[AUTH_PWHASH_MAX]);
/* True when password matches hash. */
bool auth_password_verify(const char *hash, const char *password);
/* Spends the time a verification takes, so an unknown user name answers
 * as slowly as a wrong password. */
void auth_password_dummy(const char *password);

/* prefix + 64 hex characters of fresh randomness; cap >= strlen(prefix)+65. */
void auth_new_secret(const char *prefix, char *out, size_t cap);
/* BLAKE2b-256 of the secret string, the form the store keeps. */
void auth_secret_hash(const char *secret, uint8_t out[STORE_SECRET_HASH_LEN]);
/* Constant-time equality of two strings of the same length. */
bool auth_secret_equal(const char *a, const char *b);

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
