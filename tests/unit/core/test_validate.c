/* Input validation (src/core/validate.c): values that end up in iPXE
 * scripts, command lines and URLs are restricted at input. */
#include "../test_util.h"

#include <errno.h>

#include "core/validate.h"

#define ACCEPT(fn, s)                                                                              \
        do {                                                                                       \
                if (!fn(s))                                                                        \
                        print_error("%s(\"%s\") rejected\n", #fn, s);                              \
                assert_true(fn(s));                                                                \
        } while (0)
#define REJECT(fn, s)                                                                              \
        do {                                                                                       \
                if (fn(s))                                                                         \
                        print_error("%s(\"%s\") accepted\n", #fn, s);                              \
                assert_false(fn(s));                                                               \
        } while (0)

static char *repeat(char c, size_t n)
{
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static void test_image_name(void **state)
{
        ACCEPT(validate_image_name, "a");
        ACCEPT(validate_image_name, "0");
        ACCEPT(validate_image_name, "debian-12");
        ACCEPT(validate_image_name, "debian12.amd64_netinst-v2");
        ACCEPT(validate_image_name, "9.x");
        char *max = repeat('a', 63);
        ACCEPT(validate_image_name, max);
        free(max);

        char *too_long = repeat('a', 64);
        REJECT(validate_image_name, too_long);
        free(too_long);
        REJECT(validate_image_name, "");
        REJECT(validate_image_name, "-debian");
        REJECT(validate_image_name, ".debian");
        REJECT(validate_image_name, "_debian");
        REJECT(validate_image_name, "Debian");
        REJECT(validate_image_name, "debian 12");
        REJECT(validate_image_name, "debian/12");
        REJECT(validate_image_name, "debian\n");
        REJECT(validate_image_name, "de$bian");
        REJECT(validate_image_name, "de;bian");
        REJECT(validate_image_name, "deb{{ian");
        REJECT(validate_image_name, "d\xc3\xa9"
                                    "bian");
}

static void test_hostname(void **state)
{
        ACCEPT(validate_hostname, "node1");
        ACCEPT(validate_hostname, "Node-1");
        ACCEPT(validate_hostname, "n");
        ACCEPT(validate_hostname, "1");
        ACCEPT(validate_hostname, "rack1.node-07.example.org");
        char *label63 = repeat('a', 63);
        ACCEPT(validate_hostname, label63);
        free(label63);
        /* 253 characters: four 62-char labels, dots, and a 1-char tail. */
        char long_ok[254];
        memset(long_ok, 'a', 253);
        for (int i = 62; i < 253; i += 63)
                long_ok[i] = '.';
        long_ok[253] = '\0';
        ACCEPT(validate_hostname, long_ok);

        char *label64 = repeat('a', 64);
        REJECT(validate_hostname, label64);
        free(label64);
        char long_bad[255];
        memset(long_bad, 'a', 254);
        for (int i = 62; i < 254; i += 63)
                long_bad[i] = '.';
        long_bad[254] = '\0';
        REJECT(validate_hostname, long_bad);

        REJECT(validate_hostname, "");
        REJECT(validate_hostname, "node1\n");
        REJECT(validate_hostname, "node1\nkernel http://evil/x");
        REJECT(validate_hostname, "node 1");
        REJECT(validate_hostname, "node$1");
        REJECT(validate_hostname, "${net0/mac}");
        REJECT(validate_hostname, "node;reboot");
        REJECT(validate_hostname, "node||shell");
        REJECT(validate_hostname, "node#1");
        REJECT(validate_hostname, "node\"1");
        REJECT(validate_hostname, "node'1");
        REJECT(validate_hostname, "node_1");
        REJECT(validate_hostname, "node\t1");
        REJECT(validate_hostname, "node\r");
        REJECT(validate_hostname, "-node");
        REJECT(validate_hostname, "node-");
        REJECT(validate_hostname, "a.-b");
        REJECT(validate_hostname, "a-.b");
        REJECT(validate_hostname, ".node");
        REJECT(validate_hostname, "node.");
        REJECT(validate_hostname, "a..b");
        REJECT(validate_hostname, "n\xc3\xb6"
                                  "de");
}

static void expect_ipv4(const char *s, uint32_t want)
{
        uint32_t got = 0xdeadbeef;
        int r = validate_ipv4(s, &got);
        if (r != 0)
                print_error("validate_ipv4(\"%s\") = %d\n", s, r);
        assert_int_equal(r, 0);
        assert_int_equal(got, want);
        char back[16];
        format_ipv4(got, back);
        assert_string_equal(back, s);
}

static void reject_ipv4(const char *s)
{
        uint32_t got = 0xdeadbeef;
        int r = validate_ipv4(s, &got);
        if (r != -EINVAL)
                print_error("validate_ipv4(\"%s\") accepted\n", s);
        assert_int_equal(r, -EINVAL);
        assert_int_equal(got, 0xdeadbeef);
}

static void test_ipv4(void **state)
{
        expect_ipv4("198.18.0.1", 0xc6120001);
        expect_ipv4("0.0.0.0", 0);
        expect_ipv4("255.255.255.255", 0xffffffff);
        expect_ipv4("10.0.0.10", 0x0a00000a);
        assert_int_equal(validate_ipv4("1.2.3.4", NULL), 0);

        reject_ipv4("");
        reject_ipv4("1.2.3");
        reject_ipv4("1.2.3.4.5");
        reject_ipv4("1.2.3.");
        reject_ipv4(".1.2.3");
        reject_ipv4("1..2.3");
        reject_ipv4("256.1.1.1");
        reject_ipv4("1.2.3.256");
        reject_ipv4("1.2.3.1000");
        reject_ipv4("01.2.3.4");
        reject_ipv4("1.2.3.04");
        reject_ipv4("1.2.3.00");
        reject_ipv4(" 1.2.3.4");
        reject_ipv4("1.2.3.4 ");
        reject_ipv4("1.2.3.4\n");
        reject_ipv4("1.2.3.-4");
        reject_ipv4("1.2.3.+4");
        reject_ipv4("0x1.2.3.4");
        reject_ipv4("1.2.3.4/24");
        reject_ipv4("a.b.c.d");
        reject_ipv4("99999999999.1.1.1");
}

static void test_http_url(void **state)
{
        ACCEPT(validate_http_url, "http://198.18.0.1");
        ACCEPT(validate_http_url, "http://198.18.0.1:8080");
        ACCEPT(validate_http_url, "https://boot.example.org/base");
        REJECT(validate_http_url, "");
        REJECT(validate_http_url, "http://");
        REJECT(validate_http_url, "https://");
        REJECT(validate_http_url, "http:///path");
        REJECT(validate_http_url, "http://host/");
        REJECT(validate_http_url, "ftp://host");
        REJECT(validate_http_url, "HTTP://host");
        REJECT(validate_http_url, "host");
        REJECT(validate_http_url, "http://ho st");
        REJECT(validate_http_url, "http://host\n");
        REJECT(validate_http_url, "http://host\x7f");
        REJECT(validate_http_url, "http://h\xc3\xb6st");
        char *big = repeat('a', 1100);
        memcpy(big, "http://", 7);
        REJECT(validate_http_url, big);
        free(big);
}

static void test_artifact(void **state)
{
        ACCEPT(validate_artifact, "vmlinuz");
        ACCEPT(validate_artifact, "debian/12/linux");
        ACCEPT(validate_artifact, "debian/12/initrd.gz");
        ACCEPT(validate_artifact, "a..b/c...d");
        ACCEPT(validate_artifact, "http://mirror.example.org/debian/linux");
        ACCEPT(validate_artifact, "https://mirror.example.org/debian/linux");

        REJECT(validate_artifact, "");
        REJECT(validate_artifact, "..");
        REJECT(validate_artifact, "../etc/passwd");
        REJECT(validate_artifact, "debian/../../etc/passwd");
        REJECT(validate_artifact, "debian/..");
        REJECT(validate_artifact, "/etc/passwd");
        REJECT(validate_artifact, "//etc/passwd");
        REJECT(validate_artifact, "debian//linux");
        REJECT(validate_artifact, "debian/");
        REJECT(validate_artifact, "deb ian/linux");
        REJECT(validate_artifact, "debian/linux\n");
        REJECT(validate_artifact, "debian/linux\nboot");
        REJECT(validate_artifact, "${root}/linux");
        REJECT(validate_artifact, "linux\"");
        REJECT(validate_artifact, "linux'");
        REJECT(validate_artifact, "linux\\");
        REJECT(validate_artifact, "linux?x=1");
        REJECT(validate_artifact, "linux#frag");
        REJECT(validate_artifact, "http://");
        REJECT(validate_artifact, "https://");
        REJECT(validate_artifact, "http://mirror/has space");
        REJECT(validate_artifact, "http://mirror/\nchain http://evil");
        char *big = repeat('a', 1025);
        REJECT(validate_artifact, big);
        free(big);
}

static void test_listen(void **state)
{
        uint32_t addr = 1;
        uint16_t port = 1;
        assert_int_equal(validate_listen("0.0.0.0:80", &addr, &port), 0);
        assert_int_equal(addr, 0);
        assert_int_equal(port, 80);
        assert_int_equal(validate_listen("127.0.0.1:65535", &addr, &port), 0);
        assert_int_equal(addr, 0x7f000001);
        assert_int_equal(port, 65535);
        assert_int_equal(validate_listen("198.18.0.1:8080", NULL, NULL), 0);

        const char *bad[] = {"",
                             ":80",
                             "0.0.0.0",
                             "0.0.0.0:",
                             "0.0.0.0:x",
                             "0.0.0.0:65536",
                             "0.0.0.0:-1",
                             "localhost:80",
                             "[::]:80",
                             "1.2.3:80",
                             "0.0.0.0:80x",
                             "0.0.0.0:99999999999999999999",
                             "1.2.3.4.5.6.7.8.9:80"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                addr = 7;
                port = 7;
                int r = validate_listen(bad[i], &addr, &port);
                if (r != -EINVAL)
                        print_error("validate_listen(\"%s\") accepted\n", bad[i]);
                assert_int_equal(r, -EINVAL);
                assert_int_equal(addr, 7);
                assert_int_equal(port, 7);
        }
}

static void test_text(void **state)
{
        assert_true(validate_text("", 10));
        assert_true(validate_text("console=ttyS0 quiet", 100));
        assert_true(validate_text("tab\tok", 100));
        assert_true(validate_text("0123456789", 10));
        assert_false(validate_text("01234567890", 10));
        assert_false(validate_text("line\nbreak", 100));
        assert_false(validate_text("cr\r", 100));
        assert_false(validate_text("del\x7f", 100));
        assert_false(validate_text("esc\x1b[31m", 100));
        /* UTF-8 in notes is fine. */
        assert_true(validate_text("salle \xc3\xa9t\xc3\xa9", 100));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_image_name), cmocka_unit_test(test_hostname),
            cmocka_unit_test(test_ipv4),       cmocka_unit_test(test_http_url),
            cmocka_unit_test(test_artifact),   cmocka_unit_test(test_listen),
            cmocka_unit_test(test_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
