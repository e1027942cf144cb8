/* Byte ranges (src/http/http_range.c, RFC 9110 §14). */
#include "../test_util.h"

#include "http/http_range.h"

static void expect_ok(const char *v, uint64_t size, uint64_t first, uint64_t len)
{
        uint64_t f = 777, l = 777;
        enum http_range_result r = http_range_parse(v, size, &f, &l);
        if (r != HTTP_RANGE_OK)
                print_error("\"%s\" size %llu: result %d\n", v, (unsigned long long)size, r);
        assert_int_equal(r, HTTP_RANGE_OK);
        assert_int_equal(f, first);
        assert_int_equal(l, len);
        assert_true(l > 0 && f + l <= size);
}

static void expect_result(const char *v, uint64_t size, enum http_range_result want)
{
        uint64_t f = 777, l = 777;
        enum http_range_result r = http_range_parse(v, size, &f, &l);
        if (r != want)
                print_error("\"%s\" size %llu: result %d, want %d\n", v ? v : "(null)",
                            (unsigned long long)size, r, want);
        assert_int_equal(r, want);
        /* Outputs are only written for a satisfiable range. */
        assert_int_equal(f, 777);
        assert_int_equal(l, 777);
}

static void test_closed_ranges(void **state)
{
        expect_ok("bytes=0-0", 100, 0, 1);
        expect_ok("bytes=0-99", 100, 0, 100);
        expect_ok("bytes=10-19", 100, 10, 10);
        expect_ok("bytes=99-99", 100, 99, 1);
        /* Last beyond the end is clipped. */
        expect_ok("bytes=50-1000", 100, 50, 50);
        expect_ok("bytes=0-18446744073709551615", 100, 0, 100);
        /* Optional whitespace. */
        expect_ok(" bytes= 10-19 ", 100, 10, 10);
        expect_ok("bytes=10-19\t", 100, 10, 10);
}

static void test_open_ended(void **state)
{
        expect_ok("bytes=0-", 100, 0, 100);
        expect_ok("bytes=90-", 100, 90, 10);
        expect_ok("bytes=99-", 100, 99, 1);
}

static void test_suffix(void **state)
{
        expect_ok("bytes=-1", 100, 99, 1);
        expect_ok("bytes=-10", 100, 90, 10);
        expect_ok("bytes=-100", 100, 0, 100);
        /* A suffix longer than the file is the whole file (RFC 9110 14.1.2). */
        expect_ok("bytes=-1000", 100, 0, 100);
        expect_result("bytes=-0", 100, HTTP_RANGE_UNSATISFIABLE);
        expect_result("bytes=-5", 0, HTTP_RANGE_UNSATISFIABLE);
}

static void test_unsatisfiable(void **state)
{
        expect_result("bytes=100-", 100, HTTP_RANGE_UNSATISFIABLE);
        expect_result("bytes=100-200", 100, HTTP_RANGE_UNSATISFIABLE);
        expect_result("bytes=1000-2000", 100, HTTP_RANGE_UNSATISFIABLE);
        expect_result("bytes=0-0", 0, HTTP_RANGE_UNSATISFIABLE);
        expect_result("bytes=0-", 0, HTTP_RANGE_UNSATISFIABLE);
}

static void test_ignored(void **state)
{
        /* No header, other units, syntax errors: the whole file (200). */
        expect_result(NULL, 100, HTTP_RANGE_NONE);
        expect_result("", 100, HTTP_RANGE_NONE);
        expect_result("bytes=", 100, HTTP_RANGE_NONE);
        expect_result("bytes=-", 100, HTTP_RANGE_NONE);
        expect_result("bytes=abc", 100, HTTP_RANGE_NONE);
        expect_result("bytes=1", 100, HTTP_RANGE_NONE);
        expect_result("bytes=1-2x", 100, HTTP_RANGE_NONE);
        expect_result("bytes=1--2", 100, HTTP_RANGE_NONE);
        expect_result("bytes=+1-2", 100, HTTP_RANGE_NONE);
        expect_result("bytes=0x10-20", 100, HTTP_RANGE_NONE);
        expect_result("items=0-10", 100, HTTP_RANGE_NONE);
        expect_result("bytes 0-10", 100, HTTP_RANGE_NONE);
        expect_result("bytes=0-10\n", 100, HTTP_RANGE_NONE);
        /* Reversed: invalid, so ignored rather than 416. */
        expect_result("bytes=20-10", 100, HTTP_RANGE_NONE);
        expect_result("bytes=200-10", 100, HTTP_RANGE_NONE);
        /* Several ranges are not honoured (iPXE asks for one). */
        expect_result("bytes=0-10,20-30", 100, HTTP_RANGE_NONE);
        expect_result("bytes=0-10, 20-30", 100, HTTP_RANGE_NONE);
        expect_result("bytes=-5,0-1", 100, HTTP_RANGE_NONE);
        expect_result("bytes=0-10,", 100, HTTP_RANGE_NONE);
}

static void test_overflow_digits(void **state)
{
        /* 2^64 and beyond: never wraps into a small number. */
        expect_result("bytes=18446744073709551616-", 100, HTTP_RANGE_NONE);
        expect_result("bytes=99999999999999999999999999-1", 100, HTTP_RANGE_NONE);
        expect_result("bytes=-18446744073709551616", 100, HTTP_RANGE_NONE);
        expect_result("bytes=0-99999999999999999999999999", 100, HTTP_RANGE_NONE);
        /* Large but valid numbers against a large file. */
        expect_ok("bytes=18446744073709551613-", UINT64_MAX, UINT64_MAX - 2, 2);
        expect_ok("bytes=-18446744073709551615", UINT64_MAX, 0, UINT64_MAX);
        expect_ok("bytes=0000000000000000000000000000010-19", 100, 10, 10);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_closed_ranges), cmocka_unit_test(test_open_ended),
            cmocka_unit_test(test_suffix),        cmocka_unit_test(test_unsatisfiable),
            cmocka_unit_test(test_ignored),       cmocka_unit_test(test_overflow_digits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
