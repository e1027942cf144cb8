/* Unit tests: TFTP file name normalisation and classification. */
#include <stdio.h>

#include "test_util.h"

#include <errno.h>

#include "tftp/tftp_path.h"

static int norm(const char *in, char out[TFTP_PATH_MAX + 1])
{
        return tftp_path_normalize(in, strlen(in), out, TFTP_PATH_MAX + 1);
}

static void test_normalize(void **state)
{
        char out[TFTP_PATH_MAX + 1];
        static const struct {
                const char *in, *out;
        } ok[] = {
            {"ipxe.efi", "ipxe.efi"},
            {"/ipxe.efi", "ipxe.efi"},
            {"///pxelinux.cfg//01-aa", "pxelinux.cfg/01-aa"},
            {"\\boot\\x64\\wdsnbp.com", "boot/x64/wdsnbp.com"},
            {"./a/./b/", "a/b"},
            {"a..b/c..", "a..b/c.."},
            {"...", "..."},
        };
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                assert_int_equal(norm(ok[i].in, out), (int)strlen(ok[i].out));
                assert_string_equal(out, ok[i].out);
        }
}

static void test_normalize_refused(void **state)
{
        char out[TFTP_PATH_MAX + 1];
        assert_int_equal(norm("", out), -ENOENT);
        assert_int_equal(norm("/", out), -ENOENT);
        assert_int_equal(norm("./", out), -ENOENT);
        assert_int_equal(norm("..", out), -EACCES);
        assert_int_equal(norm("../etc/passwd", out), -EACCES);
        assert_int_equal(norm("a/../../etc/passwd", out), -EACCES);
        assert_int_equal(norm("a\\..\\..\\x", out), -EACCES);
        assert_int_equal(norm("/a/..", out), -EACCES);
        assert_int_equal(norm("a\nb", out), -EACCES);
        assert_int_equal(norm("a\x7f", out), -EACCES);
        char longname[TFTP_PATH_MAX + 2];
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        assert_int_equal(norm(longname, out), -ENAMETOOLONG);
        longname[TFTP_PATH_MAX] = 0;
        assert_int_equal(norm(longname, out), TFTP_PATH_MAX);
        /* A small output buffer bounds too. */
        char small[8];
        assert_int_equal(tftp_path_normalize("abcdefgh", 8, small, sizeof(small)), -ENAMETOOLONG);
        assert_int_equal(tftp_path_normalize("abcdefg", 7, small, sizeof(small)), 7);
}

static void test_classify(void **state)
{
        struct tftp_path_class c;
        struct mac m;
        assert_int_equal(mac_parse_str("52:54:00:ab:cd:01", &m), 0);

        tftp_path_classify("pxelinux.cfg/01-52-54-00-ab-cd-01", &c);
        assert_int_equal(c.kind, TFTP_PATH_PXELINUX_MAC);
        assert_true(mac_equal(&c.mac, &m));
        tftp_path_classify("pxelinux.cfg/01-52-54-00-AB-CD-01", &c);
        assert_int_equal(c.kind, TFTP_PATH_PXELINUX_MAC);
        /* Other pxelinux names are plain files (default, C0A80001, UUIDs). */
        tftp_path_classify("pxelinux.cfg/default", &c);
        assert_int_equal(c.kind, TFTP_PATH_FILE);
        tftp_path_classify("pxelinux.cfg/01-525400abcd01", &c);
        assert_int_equal(c.kind, TFTP_PATH_FILE);
        tftp_path_classify("pxelinux.cfg/01-52-54-00-ab-cd-01x", &c);
        assert_int_equal(c.kind, TFTP_PATH_FILE);

        tftp_path_classify("boot.ipxe", &c);
        assert_int_equal(c.kind, TFTP_PATH_BOOT_IPXE);
        tftp_path_classify("52:54:00:ab:cd:01.ipxe", &c);
        assert_int_equal(c.kind, TFTP_PATH_MAC_IPXE);
        assert_true(mac_equal(&c.mac, &m));
        tftp_path_classify("boot/52-54-00-AB-CD-01.ipxe", &c);
        assert_int_equal(c.kind, TFTP_PATH_MAC_IPXE);
        assert_true(mac_equal(&c.mac, &m));
        tftp_path_classify("boot/525400abcd01.gpxe", &c);
        assert_int_equal(c.kind, TFTP_PATH_MAC_IPXE);
        tftp_path_classify("x/52:54:00:ab:cd:01.ipxe", &c);
        assert_int_equal(c.kind, TFTP_PATH_FILE);
        tftp_path_classify("notamac.ipxe", &c);
        assert_int_equal(c.kind, TFTP_PATH_FILE);
        tftp_path_classify(".ipxe", &c);
        assert_int_equal(c.kind, TFTP_PATH_FILE);

        tftp_path_classify("images/debian/linux", &c);
        assert_int_equal(c.kind, TFTP_PATH_IMAGES);
        assert_string_equal(c.rest, "debian/linux");
        tftp_path_classify("images", &c);
        assert_int_equal(c.kind, TFTP_PATH_FILE);
        tftp_path_classify("undionly.kpxe", &c);
        assert_int_equal(c.kind, TFTP_PATH_FILE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_normalize),
            cmocka_unit_test(test_normalize_refused),
            cmocka_unit_test(test_classify),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
