/* The per-file-version digest cache (src/core/sha_cache.c): a digest counts
 * only for the (device, inode, size, mtime) it was computed for. */
#include "../test_util.h"

#include "core/sha_cache.h"

static struct stat version(dev_t dev, ino_t ino, off_t size, time_t sec, long nsec)
{
        struct stat st;
        memset(&st, 0, sizeof(st));
        st.st_dev = dev;
        st.st_ino = ino;
        st.st_size = size;
        st.st_mtim.tv_sec = sec;
        st.st_mtim.tv_nsec = nsec;
        return st;
}

static void test_hit_and_misses(void **state)
{
        (void)state;
        struct sha_cache *c;
        assert_int_equal(sha_cache_new(64, &c), 0);
        uint8_t sha[SHA_CACHE_LEN], got[SHA_CACHE_LEN];
        memset(sha, 0xab, sizeof(sha));
        struct stat st = version(8, 1234, 4096, 1700000000, 5);
        assert_false(sha_cache_get(c, &st, got));
        sha_cache_put(c, &st, sha);
        memset(got, 0, sizeof(got));
        assert_true(sha_cache_get(c, &st, got));
        assert_memory_equal(got, sha, SHA_CACHE_LEN);
        /* Any change of the version is a miss: size, mtime (to the ns), inode, device. */
        struct stat v = st;
        v.st_size++;
        assert_false(sha_cache_get(c, &v, got));
        v = st;
        v.st_mtim.tv_nsec++;
        assert_false(sha_cache_get(c, &v, got));
        v = st;
        v.st_mtim.tv_sec--;
        assert_false(sha_cache_get(c, &v, got));
        v = st;
        v.st_ino++;
        assert_false(sha_cache_get(c, &v, got));
        v = st;
        v.st_dev++;
        assert_false(sha_cache_get(c, &v, got));
        /* A new version replaces the old one. */
        v = st;
        v.st_size = 10;
        uint8_t sha2[SHA_CACHE_LEN];
        memset(sha2, 0x11, sizeof(sha2));
        sha_cache_put(c, &v, sha2);
        assert_true(sha_cache_get(c, &v, got));
        assert_memory_equal(got, sha2, SHA_CACHE_LEN);
        assert_false(sha_cache_get(c, &st, got));
        sha_cache_free(c);
}

/* Bounded: more files than slots evict, never grow; what stays is right. */
static void test_bounded(void **state)
{
        (void)state;
        struct sha_cache *c;
        assert_int_equal(sha_cache_new(16, &c), 0);
        uint8_t sha[SHA_CACHE_LEN], got[SHA_CACHE_LEN];
        for (ino_t i = 1; i <= 1000; i++) {
                struct stat st = version(1, i, (off_t)i, 1, 0);
                memset(sha, (int)(i & 0xff), sizeof(sha));
                sha_cache_put(c, &st, sha);
        }
        int hits = 0;
        for (ino_t i = 1; i <= 1000; i++) {
                struct stat st = version(1, i, (off_t)i, 1, 0);
                if (sha_cache_get(c, &st, got)) {
                        hits++;
                        assert_int_equal(got[0], (uint8_t)(i & 0xff));
                }
        }
        assert_true(hits > 0 && hits <= 16);
        sha_cache_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hit_and_misses),
            cmocka_unit_test(test_bounded),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
