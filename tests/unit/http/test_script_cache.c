/* script_cache: per-MAC entries keyed by the boot URLs they were rendered
 * with (a table's endpoints, by identity), dropped wholesale on a new store
 * generation or when full; libmicrohttpd responses kept alive by reference
 * while a connection still holds them. */
#include <errno.h>

#include "../test_util.h"

#include "http/script_cache.h"

static struct boot_endpoints_table *table;
static const struct boot_endpoints *EP1, *EP2; /* 198.18.0.1, 198.19.0.1 */

static int setup(void **state)
{
        struct boot_endpoints_conf conf = {.http_port = 80};
        struct boot_endpoints *tmp;
        if (boot_endpoints_table_new(&conf, &table) < 0)
                return -1;
        EP1 = boot_endpoints_get(table, 0xc6120001, &tmp);
        EP2 = boot_endpoints_get(table, 0xc6130001, &tmp);
        return EP1 && EP2 ? 0 : -1;
}

static int teardown(void **state)
{
        boot_endpoints_table_free(table);
        return 0;
}

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
        assert_null(script_cache_get(c, &a, EP1));
        assert_int_equal(script_cache_put(c, &a, EP1, "img", resp_of("A1"), 2), 0);
        const struct script_cache_entry *e = script_cache_get(c, &a, EP1);
        assert_non_null(e);
        assert_string_equal(e->detail, "img");
        assert_int_equal(e->len, 2);
        /* Other URLs (another local address): a miss, then it replaces. */
        assert_null(script_cache_get(c, &a, EP2));
        assert_null(script_cache_get(c, &b, EP1));
        assert_int_equal(script_cache_put(c, &a, EP2, "img2", resp_of("A2"), 2), 0);
        assert_int_equal(script_cache_count(c), 1);
        e = script_cache_get(c, &a, EP2);
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
        assert_int_equal(script_cache_put(c, &a, EP1, "d", resp_of("x"), 1), 0);
        script_cache_sync(c, 5);
        assert_non_null(script_cache_get(c, &a, EP1));
        script_cache_sync(c, 6);
        assert_null(script_cache_get(c, &a, EP1));
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
                assert_int_equal(script_cache_put(c, &m, EP1, "d", resp_of("x"), 1), 0);
        }
        assert_int_equal(script_cache_count(c), 4);
        struct mac m = mac_n(100);
        assert_int_equal(script_cache_put(c, &m, EP1, "d", resp_of("y"), 1), 0);
        assert_int_equal(script_cache_count(c), 1);
        assert_non_null(script_cache_get(c, &m, EP1));
        struct mac m0 = mac_n(0);
        assert_null(script_cache_get(c, &m0, EP1));
        /* Many MACs through a small cache: never more than max kept. */
        for (unsigned i = 0; i < 1000; i++) {
                struct mac x = mac_n(i);
                assert_int_equal(script_cache_put(c, &x, EP1, "d", resp_of("z"), 1), 0);
                assert_true(script_cache_count(c) <= 4);
                assert_non_null(script_cache_get(c, &x, EP1));
        }
        script_cache_free(c);
}

static void test_unstable_refused_long_kept(void **state)
{
        (void)state;
        struct script_cache *c;
        assert_int_equal(script_cache_new(4, &c), 0);
        /* One-off endpoints (a full table's) may be freed and their
         * address reused: never cached. */
        struct boot_endpoints_conf conf = {.http_port = 80};
        struct boot_endpoints *once;
        assert_int_equal(boot_endpoints_new(&conf, 0xc6120002, &once), 0);
        struct mac a = mac_n(1);
        struct MHD_Response *r = resp_of("x");
        assert_int_equal(script_cache_put(c, &a, once, "d", r, 1), -EINVAL);
        MHD_destroy_response(r); /* still the caller's */
        assert_int_equal(script_cache_count(c), 0);
        boot_endpoints_free(once);

        /* No length limit on the URLs: a 1,000-character public_url is
         * cached like any other. */
        char url[1001];
        memcpy(url, "http://h/", 9);
        memset(url + 9, 'p', sizeof(url) - 10);
        url[1000] = '\0';
        struct boot_endpoints_table *t;
        struct boot_endpoints *tmp;
        conf.public_url = url;
        assert_int_equal(boot_endpoints_table_new(&conf, &t), 0);
        const struct boot_endpoints *ep = boot_endpoints_get(t, 0xc6120001, &tmp);
        assert_null(tmp);
        assert_string_equal(ep->http, url);
        assert_int_equal(script_cache_put(c, &a, ep, "d", resp_of("y"), 1), 0);
        assert_non_null(script_cache_get(c, &a, ep));
        script_cache_free(c);
        boot_endpoints_table_free(t);

        assert_int_equal(script_cache_new(0, &c), -EINVAL);
        script_cache_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_get_put_replace),
            cmocka_unit_test(test_generation_drops_all),
            cmocka_unit_test(test_full_starts_over),
            cmocka_unit_test(test_unstable_refused_long_kept),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
