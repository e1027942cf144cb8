/* Password hashing and secret generation: the credentials both the web
 * layer (http/auth.c, the login and API routes) and the CLI (user and
 * token commands) use, so neither depends on the other.  libsodium.
 *
 * - Passwords: argon2id through crypto_pwhash_str (salted, self-describing
 *   string; parameters can be raised later without invalidating stored
 *   hashes).
 * - Session ids and API tokens: 256 bits from randombytes_buf(), shown to
 *   the client once, stored only as BLAKE2b-256 (crypto_generichash).  A
 *   lookup by hash never compares secrets byte by byte, so it leaks no
 *   timing about them; other secrets are compared with sodium_memcmp(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define AUTH_PWHASH_MAX   128 /* crypto_pwhash_STRBYTES */
#define AUTH_SECRET_HEX   64  /* 32 random bytes, hex */
#define AUTH_TOKEN_PREFIX "bht_"
#define AUTH_TOKEN_LEN    (4 + AUTH_SECRET_HEX)
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 1024

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
