/* Unit tests: pxelinux.cfg/01-<mac> rendering. */
#include <errno.h>
#include <stdio.h>

#include "test_util.h"

#include "boot/pxelinux_cfg.h"

static const struct script_vars V = {
    .mac = "52:54:00:ab:cd:01",
    .mac_hyphen = "52-54-00-ab-cd-01",
    .hostname = "node1",
    .ip = "198.18.0.10",
    .image = "debian",
    .server = "http://198.18.0.1",
    .images_url = "http://198.18.0.1/images",
};

static char *render(const struct boot_script_plan *plan, const struct image *img, bool tftp)
{
        struct pxelinux_opts o = {.tftp_paths = tftp, .retry_s = 30};
        struct strbuf b;
        char err[SCRIPT_ERR_MAX];
        strbuf_init(&b);
        assert_int_equal(pxelinux_cfg_render(plan, img, &V, &o, &b, err), 0);
        return strbuf_steal(&b);
}

static void test_image_http(void **state)
{
        char *initrds[] = {"debian/initrd.gz", "https://cdn.example/fw.cpio"};
        struct image img = {.name = "debian",
                            .kernel = "debian/linux",
                            .initrds = initrds,
                            .n_initrds = 2,
                            .cmdline = "console=ttyS0 hostname={{hostname}}"};
        struct boot_script_plan plan = {.kind = BOOT_SCRIPT_IMAGE, .image = "debian"};
        char *s = render(&plan, &img, false);
        assert_string_equal(s, "# bootherd: image debian for 52:54:00:ab:cd:01\n"
                               "DEFAULT bootherd\n"
                               "PROMPT 0\n"
                               "LABEL bootherd\n"
                               "  KERNEL http://198.18.0.1/images/debian/linux\n"
                               "  INITRD http://198.18.0.1/images/debian/initrd.gz,"
                               "https://cdn.example/fw.cpio\n"
                               "  APPEND console=ttyS0 hostname=node1\n");
        free(s);
}

static void test_image_tftp_paths(void **state)
{
        char *initrds[] = {"debian/initrd.gz"};
        struct image img = {.name = "debian",
                            .kernel = "debian/linux",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .cmdline = ""};
        struct boot_script_plan plan = {.kind = BOOT_SCRIPT_IMAGE, .image = "debian"};
        char *s = render(&plan, &img, true);
        assert_non_null(strstr(s, "  KERNEL /images/debian/linux\n"));
        assert_non_null(strstr(s, "  INITRD /images/debian/initrd.gz\n"));
        assert_null(strstr(s, "APPEND"));
        free(s);
}

static void test_escaping(void **state)
{
        /* A value with spaces and a newline cannot add a directive. */
        struct script_vars v = V;
        v.hostname = "x\nKERNEL evil";
        struct image img = {
            .name = "debian", .kernel = "debian/linux", .cmdline = "h={{hostname}}"};
        struct boot_script_plan plan = {.kind = BOOT_SCRIPT_IMAGE, .image = "debian"};
        struct pxelinux_opts o = {.retry_s = 30};
        struct strbuf b;
        char err[SCRIPT_ERR_MAX];
        strbuf_init(&b);
        assert_int_equal(pxelinux_cfg_render(&plan, &img, &v, &o, &b, err), 0);
        assert_non_null(strstr(b.s, "APPEND h=x%0AKERNEL%20evil\n"));
        strbuf_free(&b);

        img.cmdline = "bad {{nosuch}}";
        strbuf_init(&b);
        assert_int_equal(pxelinux_cfg_render(&plan, &img, &v, &o, &b, err), -EINVAL);
        strbuf_free(&b);
}

static void test_wait_and_exit(void **state)
{
        struct boot_script_plan plan = {.kind = BOOT_SCRIPT_WAIT};
        char *s = render(&plan, NULL, false);
        assert_non_null(strstr(s, "has no image assigned"));
        assert_non_null(strstr(s, "TIMEOUT 300\n"));
        assert_non_null(strstr(s, "COM32 reboot.c32"));
        free(s);
        plan.kind = BOOT_SCRIPT_EXIT;
        s = render(&plan, NULL, false);
        assert_non_null(strstr(s, "LOCALBOOT -1"));
        free(s);
}

static void test_script_only_image(void **state)
{
        struct image img = {.name = "debian", .kernel = "", .script = "#!ipxe\nshell\n"};
        struct boot_script_plan plan = {.kind = BOOT_SCRIPT_IMAGE, .image = "debian"};
        char *s = render(&plan, &img, false);
        assert_non_null(strstr(s, "is an iPXE script"));
        assert_non_null(strstr(s, "LOCALBOOT -1"));
        assert_null(strstr(s, "KERNEL"));
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_image_http),        cmocka_unit_test(test_image_tftp_paths),
            cmocka_unit_test(test_escaping),          cmocka_unit_test(test_wait_and_exit),
            cmocka_unit_test(test_script_only_image),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
