/* Password hashing and secret generation; see auth_secret.h. */
#include "auth/auth_secret.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int auth_init(void)
{
        return sodium_init() < 0 ? -EIO : 0;
}

int auth_password_hash(const char *password, char out[AUTH_PWHASH_MAX])
{
        size_t n = strlen(password);
        if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX)
                return -EINVAL;
        if (auth_init() < 0)
                return -EIO;
        _Static_assert(AUTH_PWHASH_MAX == crypto_pwhash_STRBYTES, "argon2 string size");
        /* INTERACTIVE limits (64 MiB, 2 passes): well under a second on a
         * small server, and the login rate limit bounds how often. */
        if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
                return -ENOMEM;
        return 0;
}

bool auth_password_verify(const char *hash, const char *password)
{
        if (auth_init() < 0 || strlen(password) > AUTH_PASSWORD_MAX)
                return false;
        /* libsodium takes a crypto_pwhash_STRBYTES array; stored hashes are
         * plain strings of their own length. */
        char buf[crypto_pwhash_STRBYTES] = {0};
        if (strlen(hash) >= sizeof(buf))
                return false;
        memcpy(buf, hash, strlen(hash));
        return crypto_pwhash_str_verify(buf, password, strlen(password)) == 0;
}

static char dummy_hash[AUTH_PWHASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
        char pw[AUTH_SECRET_HEX + 1];
        auth_new_secret("", pw, sizeof(pw));
        if (auth_password_hash(pw, dummy_hash) < 0)
                dummy_hash[0] = '\0';
}

void auth_password_dummy(const char *password)
{
        pthread_once(&dummy_once, dummy_make);
        if (dummy_hash[0])
                (void)auth_password_verify(dummy_hash, password);
}

void auth_new_secret(const char *prefix, char *out, size_t cap)
{
        uint8_t raw[AUTH_SECRET_HEX / 2];
        size_t plen = strlen(prefix);
        if (auth_init() < 0 || cap < plen + AUTH_SECRET_HEX + 1)
                abort(); /* programmer error or no entropy source: never issue a weak secret */
        randombytes_buf(raw, sizeof(raw));
        memcpy(out, prefix, plen);
        sodium_bin2hex(out + plen, cap - plen, raw, sizeof(raw));
        sodium_memzero(raw, sizeof(raw));
}

void auth_secret_hash(const char *secret, uint8_t out[STORE_SECRET_HASH_LEN])
{
        crypto_generichash(out, STORE_SECRET_HASH_LEN, (const unsigned char *)secret,
                           strlen(secret), NULL, 0);
}

bool auth_secret_equal(const char *a, const char *b)
{
        size_t n = strlen(a);
        if (n == 0 || n != strlen(b))
                return false;
        return sodium_memcmp(a, b, n) == 0;
}
