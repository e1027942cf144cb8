/* script_cache: per-MAC entries keyed by server URL, dropped wholesale on a
 * new store generation or when full; libmicrohttpd responses kept alive by
 * reference while a connection still holds them. */
#include <errno.h>

#include "../test_util.h"

#include "http/script_cache.h"

static struct MHD_Response *resp_of(const char *body)
{
        struct MHD_Response *r =
            MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
        assert_non_null(r);
        return r;
}

static struct mac mac_n(unsigned n)
{
        struct mac m = {.b = {0x52, 0x54, 0, 0, (uint8_t)(n >> 8), (uint8_t)n}};
        return m;
}

static void test_get_put_replace(void **state)
{
        (void)state;
        struct script_cache *c;
        assert_int_equal(script_cache_new(8, &c), 0);
        script_cache_sync(c, 1);
        struct mac a = mac_n(1), b = mac_n(2);
        assert_null(script_cache_get(c, &a, "http://198.18.0.1"));
        assert_int_equal(script_cache_put(c, &a, "http://198.18.0.1", "img", resp_of("A1"), 2), 0);
        const struct script_cache_entry *e = script_cache_get(c, &a, "http://198.18.0.1");
        assert_non_null(e);
        assert_string_equal(e->detail, "img");
        assert_int_equal(e->len, 2);
        /* Another server URL (another interface): a miss, then it replaces. */
        assert_null(script_cache_get(c, &a, "http://198.19.0.1"));
        assert_null(script_cache_get(c, &b, "http://198.18.0.1"));
        assert_int_equal(script_cache_put(c, &a, "http://198.19.0.1", "img2", resp_of("A2"), 2), 0);
        assert_int_equal(script_cache_count(c), 1);
        e = script_cache_get(c, &a, "http://198.19.0.1");
        assert_non_null(e);
        assert_string_equal(e->detail, "img2");
        script_cache_free(c);
}

static void test_generation_drops_all(void **state)
{
        (void)state;
        struct script_cache *c;
        assert_int_equal(script_cache_new(8, &c), 0);
        script_cache_sync(c, 5);
        struct mac a = mac_n(1);
        assert_int_equal(script_cache_put(c, &a, "s", "d", resp_of("x"), 1), 0);
        script_cache_sync(c, 5);
        assert_non_null(script_cache_get(c, &a, "s"));
        script_cache_sync(c, 6);
        assert_null(script_cache_get(c, &a, "s"));
        assert_int_equal(script_cache_count(c), 0);
        script_cache_free(c);
}

static void test_full_starts_over(void **state)
{
        (void)state;
        struct script_cache *c;
        assert_int_equal(script_cache_new(4, &c), 0);
        script_cache_sync(c, 1);
        for (unsigned i = 0; i < 4; i++) {
                struct mac m = mac_n(i);
                assert_int_equal(script_cache_put(c, &m, "s", "d", resp_of("x"), 1), 0);
        }
        assert_int_equal(script_cache_count(c), 4);
        struct mac m = mac_n(100);
        assert_int_equal(script_cache_put(c, &m, "s", "d", resp_of("y"), 1), 0);
        assert_int_equal(script_cache_count(c), 1);
        assert_non_null(script_cache_get(c, &m, "s"));
        struct mac m0 = mac_n(0);
        assert_null(script_cache_get(c, &m0, "s"));
        /* Many MACs through a small cache: never more than max kept. */
        for (unsigned i = 0; i < 1000; i++) {
                struct mac x = mac_n(i);
                assert_int_equal(script_cache_put(c, &x, "s", "d", resp_of("z"), 1), 0);
                assert_true(script_cache_count(c) <= 4);
                assert_non_null(script_cache_get(c, &x, "s"));
        }
        script_cache_free(c);
}

static void test_too_long_refused(void **state)
{
        (void)state;
        struct script_cache *c;
        assert_int_equal(script_cache_new(4, &c), 0);
        char server[SCRIPT_CACHE_SERVER_MAX + 1];
        memset(server, 'a', sizeof(server) - 1);
        server[sizeof(server) - 1] = '\0';
        struct mac a = mac_n(1);
        struct MHD_Response *r = resp_of("x");
        assert_int_equal(script_cache_put(c, &a, server, "d", r, 1), -EINVAL);
        MHD_destroy_response(r); /* still the caller's */
        assert_int_equal(script_cache_count(c), 0);
        assert_int_equal(script_cache_new(0, &c), -EINVAL);
        script_cache_free(c);
        script_cache_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_get_put_replace),
            cmocka_unit_test(test_generation_drops_all),
            cmocka_unit_test(test_full_starts_over),
            cmocka_unit_test(test_too_long_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
