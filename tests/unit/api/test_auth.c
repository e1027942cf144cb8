/* Unit tests for http/auth.c: password hashing, secrets, cookie and bearer
 * parsing, the Origin check and the login rate limiter. */
#include <stdio.h>

#include "../test_util.h"

#include "http/auth.c"

#define AUTH_LOGIN_BURST    5 /* as passed to auth_new() in these tests */
#define AUTH_LOGIN_REFILL_S 12

static void test_password_hash_verify(void **state)
{
        char hash[AUTH_PWHASH_MAX];
        assert_int_equal(auth_password_hash("correct horse", hash), 0);
        assert_true(strncmp(hash, "$argon2id$", 10) == 0);
        assert_true(auth_password_verify(hash, "correct horse"));
        assert_false(auth_password_verify(hash, "correct horsE"));
        assert_false(auth_password_verify(hash, ""));
        char hash2[AUTH_PWHASH_MAX];
        assert_int_equal(auth_password_hash("correct horse", hash2), 0);
        assert_string_not_equal(hash, hash2); /* salted */
        auth_password_dummy("anything");      /* must not crash, any result */
}

static void test_password_length_limits(void **state)
{
        char hash[AUTH_PWHASH_MAX];
        assert_int_equal(auth_password_hash("1234567", hash), -EINVAL);
        char big[AUTH_PASSWORD_MAX + 2];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(auth_password_hash(big, hash), -EINVAL);
        assert_false(auth_password_verify("$argon2id$v=19$m=65536,t=2,p=1$x$y", big));
}

static void test_secrets(void **state)
{
        char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];
        auth_new_secret(AUTH_TOKEN_PREFIX, a, sizeof(a));
        auth_new_secret(AUTH_TOKEN_PREFIX, b, sizeof(b));
        assert_int_equal(strlen(a), AUTH_TOKEN_LEN);
        assert_true(strncmp(a, "bht_", 4) == 0);
        assert_int_equal(strspn(a + 4, "0123456789abcdef"), 64);
        assert_string_not_equal(a, b);
        uint8_t h1[32], h2[32], h3[32];
        auth_secret_hash(a, h1);
        auth_secret_hash(a, h2);
        auth_secret_hash(b, h3);
        assert_memory_equal(h1, h2, 32);
        assert_memory_not_equal(h1, h3, 32);
        assert_true(auth_secret_equal(a, a));
        assert_false(auth_secret_equal(a, b));
        assert_false(auth_secret_equal(a, "bht_"));
        assert_false(auth_secret_equal("", ""));
}

static void test_cookie_get(void **state)
{
        char v[80];
        assert_int_equal(auth_cookie_get("bh_session=abc", "bh_session", v, sizeof(v)), 0);
        assert_string_equal(v, "abc");
        assert_int_equal(auth_cookie_get("x=1; bh_session=def; y=2", "bh_session", v, sizeof(v)),
                         0);
        assert_string_equal(v, "def");
        assert_int_equal(auth_cookie_get("x=1;bh_session=ghi", "bh_session", v, sizeof(v)), 0);
        assert_string_equal(v, "ghi");
        /* A longer name that starts with ours is not ours. */
        assert_int_equal(auth_cookie_get("bh_session2=zzz", "bh_session", v, sizeof(v)), -ENOENT);
        assert_int_equal(auth_cookie_get("xbh_session=zzz", "bh_session", v, sizeof(v)), -ENOENT);
        assert_int_equal(auth_cookie_get("", "bh_session", v, sizeof(v)), -ENOENT);
        assert_int_equal(auth_cookie_get(NULL, "bh_session", v, sizeof(v)), -ENOENT);
        assert_int_equal(auth_cookie_get("bh_session=0123456789", "bh_session", v, 5), -E2BIG);
        assert_int_equal(auth_cookie_get("bh_session=", "bh_session", v, sizeof(v)), -ENOENT);
}

static void test_bearer(void **state)
{
        assert_string_equal(auth_bearer("Bearer bht_x"), "bht_x");
        assert_string_equal(auth_bearer("bearer   bht_y"), "bht_y");
        assert_null(auth_bearer("Basic YWRtaW4="));
        assert_null(auth_bearer("Bearer "));
        assert_null(auth_bearer("Bearer"));
        assert_null(auth_bearer(NULL));
}

static void test_origin(void **state)
{
        const char *host = "198.18.0.1:8080";
        assert_true(auth_origin_ok("http://198.18.0.1:8080", NULL, host, false, ""));
        assert_true(auth_origin_ok("HTTP://198.18.0.1:8080", NULL, host, false, ""));
        assert_false(auth_origin_ok("https://198.18.0.1:8080", NULL, host, false, ""));
        assert_true(auth_origin_ok("https://198.18.0.1:8080", NULL, host, true, ""));
        assert_false(auth_origin_ok("http://evil.example", NULL, host, false, ""));
        assert_false(auth_origin_ok("http://198.18.0.1:8080.evil", NULL, host, false, ""));
        assert_false(auth_origin_ok("null", NULL, host, false, ""));
        assert_false(auth_origin_ok(NULL, NULL, host, false, ""));
        /* Referer stands in for a missing Origin, path ignored. */
        assert_true(auth_origin_ok(NULL, "http://198.18.0.1:8080/#/images", host, false, ""));
        assert_false(auth_origin_ok(NULL, "http://evil.example/198.18.0.1:8080", host, false, ""));
        /* An Origin wins over the Referer. */
        assert_false(
            auth_origin_ok("http://evil.example", "http://198.18.0.1:8080/", host, false, ""));
        /* public_url (a name behind a proxy) is accepted too. */
        assert_true(auth_origin_ok("https://boot.example.org", NULL, "10.0.0.1", false,
                                   "https://boot.example.org"));
        assert_true(auth_origin_ok("https://boot.example.org", NULL, NULL, false,
                                   "https://boot.example.org/base"));
        assert_false(auth_origin_ok("https://boot.example.org.evil", NULL, NULL, false,
                                    "https://boot.example.org"));
        assert_false(auth_origin_ok("http://x", NULL, "", false, ""));
        assert_false(auth_origin_ok("http://a/b", NULL, "a/b", false, ""));
}

static void test_ratelimit(void **state)
{
        struct auth *a = NULL;
        assert_int_equal(auth_new(AUTH_LOGIN_BURST, AUTH_LOGIN_REFILL_S, &a), 0);
        int64_t t = 1000000;
        for (int i = 0; i < AUTH_LOGIN_BURST; i++) {
                assert_int_equal(auth_login_begin(a, "198.18.0.9", "admin", t), 0);
                auth_login_end(a, "198.18.0.9", "admin", false, t);
        }
        long w = auth_login_begin(a, "198.18.0.9", "admin", t);
        assert_true(w > 0 && w <= AUTH_LOGIN_REFILL_S + 1);
        /* The same address may still try another user (its own bucket is
         * larger); another address that has not failed may try admin. */
        assert_int_equal(auth_login_begin(a, "198.18.0.9", "bob", t), 0);
        auth_login_end(a, "198.18.0.9", "bob", false, t);
        assert_int_equal(auth_login_begin(a, "198.18.0.10", "admin", t), 0);
        auth_login_end(a, "198.18.0.10", "admin", true, t);
        /* One attempt comes back after the refill interval. */
        int64_t t2 = t + AUTH_LOGIN_REFILL_S * 1000;
        assert_int_equal(auth_login_begin(a, "198.18.0.9", "admin", t2), 0);
        auth_login_end(a, "198.18.0.9", "admin", false, t2);
        assert_true(auth_login_begin(a, "198.18.0.9", "admin", t2) > 0);
        auth_free(a);
}

/* The tokens are taken before the password check: attempts in flight
 * count, so N concurrent attempts get no more than the burst. */
static void test_ratelimit_in_flight(void **state)
{
        struct auth *a = NULL;
        assert_int_equal(auth_new(AUTH_LOGIN_BURST, AUTH_LOGIN_REFILL_S, &a), 0);
        int allowed = 0;
        for (int i = 0; i < 20; i++)
                allowed += auth_login_begin(a, "198.18.0.9", "admin", 0) == 0;
        assert_int_equal(allowed, AUTH_LOGIN_BURST);
        auth_free(a);
}

/* An address spraying user names runs out of its own (larger) bucket. */
static void test_ratelimit_per_address(void **state)
{
        struct auth *a = NULL;
        assert_int_equal(auth_new(AUTH_LOGIN_BURST, AUTH_LOGIN_REFILL_S, &a), 0);
        char user[32];
        int allowed = 0;
        for (int i = 0; i < AUTH_LOGIN_BURST * AUTH_ADDR_BURST_FACTOR * 2; i++) {
                snprintf(user, sizeof(user), "u%d", i);
                if (auth_login_begin(a, "198.18.0.9", user, 0) == 0) {
                        allowed++;
                        auth_login_end(a, "198.18.0.9", user, false, 0);
                }
        }
        assert_int_equal(allowed, AUTH_LOGIN_BURST * AUTH_ADDR_BURST_FACTOR);
        auth_free(a);
}

static void test_ratelimit_table_full(void **state)
{
        struct auth *a = NULL;
        assert_int_equal(auth_new(AUTH_LOGIN_BURST, AUTH_LOGIN_REFILL_S, &a), 0);
        char ip[32];
        /* A blocked key survives a flood of single failures from others:
         * eviction takes the fullest buckets first. */
        for (int i = 0; i < AUTH_LOGIN_BURST; i++)
                assert_int_equal(auth_login_begin(a, "198.18.0.9", "admin", 0), 0);
        for (int i = 0; i < AUTH_RL_SLOTS * 2; i++) {
                snprintf(ip, sizeof(ip), "198.19.%d.%d", i / 256, i % 256);
                (void)auth_login_begin(a, ip, "x", 0);
        }
        assert_true(auth_login_begin(a, "198.18.0.9", "admin", 0) > 0);
        auth_free(a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_password_hash_verify),
            cmocka_unit_test(test_password_length_limits),
            cmocka_unit_test(test_secrets),
            cmocka_unit_test(test_cookie_get),
            cmocka_unit_test(test_bearer),
            cmocka_unit_test(test_origin),
            cmocka_unit_test(test_ratelimit),
            cmocka_unit_test(test_ratelimit_in_flight),
            cmocka_unit_test(test_ratelimit_per_address),
            cmocka_unit_test(test_ratelimit_table_full),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
