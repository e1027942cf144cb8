/* The boot resolver (boot_resolve.c) over an in-memory inventory provider
 * (the interface is not the store's alone): each format, the one fallback
 * on a render failure, an unreadable inventory, the GRUB format, the event
 * detail; and the boot URLs (boot_endpoints.c). */
#include <errno.h>
#include <stdio.h>

#include "../test_util.h"

#include "boot/boot_resolve.h"

/* ---- a fake inventory: a few records in arrays ---- */

struct fake {
        const struct machine *machines;
        size_t n_machines;
        const struct image *images;
        size_t n_images;
        int fail; /* nonzero: every read fails with this */
        int begun, ended;
};

static int fake_machine(void *ctx, const struct mac *mac, const struct machine **ret)
{
        struct fake *f = ctx;
        if (f->fail)
                return f->fail;
        for (size_t i = 0; i < f->n_machines; i++)
                if (mac_equal(&f->machines[i].mac, mac)) {
                        *ret = &f->machines[i];
                        return 0;
                }
        return -ENOENT;
}

static int fake_image(void *ctx, const char *name, const struct image **ret)
{
        struct fake *f = ctx;
        if (f->fail)
                return f->fail;
        for (size_t i = 0; i < f->n_images; i++)
                if (strcmp(f->images[i].name, name) == 0) {
                        *ret = &f->images[i];
                        return 0;
                }
        return -ENOENT;
}

static int fake_reservation(void *ctx, uint32_t ip, struct mac *ret)
{
        return -ENOENT;
}

static const char *fake_errmsg(void *ctx)
{
        return "the fake database is down";
}

static const struct boot_inventory_ops fake_ops = {
    .machine = fake_machine,
    .image = fake_image,
    .reservation = fake_reservation,
    .errmsg = fake_errmsg,
};

static char *initrds[] = {"deb/initrd"};
static const struct image IMAGES[] = {
    {.name = "deb",
     .kernel = "deb/linux",
     .initrds = initrds,
     .n_initrds = 1,
     .cmdline = "console=ttyS0 host={{hostname}}"},
    /* A template the API refuses today, as an older row could hold. */
    {.name = "bad", .kernel = "deb/linux", .cmdline = "x={{nope}}"},
    /* A broken GRUB template: only GRUB falls back. */
    {.name = "gbad", .kernel = "deb/linux", .grub_script = "linux {{nope}}"},
};
static struct machine MACHINES[4];
static struct fake F;
static struct boot_inventory INV = {.ops = &fake_ops, .ctx = &F};
static struct boot_endpoints *EP; /* 198.18.0.1, HTTP 8080, TFTP 69 */
static const struct boot_resolver RES = {.default_image = "", .retry_s = 9};

static struct mac mac_n(int n)
{
        return (struct mac){{0x52, 0x54, 0, 0, 0, (uint8_t)n}};
}

static int setup(void **state)
{
        MACHINES[0] =
            (struct machine){.mac = mac_n(1), .image = "deb", .hostname = "n1", .netboot = true};
        MACHINES[1] = (struct machine){.mac = mac_n(2), .image = "bad", .netboot = true};
        MACHINES[2] = (struct machine){.mac = mac_n(3), .image = "deb", .netboot = false};
        MACHINES[3] = (struct machine){.mac = mac_n(4), .image = "gbad", .netboot = true};
        F = (struct fake){.machines = MACHINES, .n_machines = 4, .images = IMAGES, .n_images = 3};
        struct boot_endpoints_conf c = {.http_port = 8080, .tftp_port = 69};
        return boot_endpoints_new(&c, 0xc6120001, &EP);
}

static int teardown(void **state)
{
        boot_endpoints_free(EP);
        return 0;
}

/* Resolves mac in fmt; returns the file (caller frees), *ret the result. */
static char *resolve(const struct boot_resolver *res, enum boot_format fmt, int n,
                     struct boot_result *ret, int want)
{
        struct strbuf b;
        strbuf_init(&b);
        struct mac m = mac_n(n);
        int r = boot_resolve(res, &INV, EP, fmt, &m, &b, ret);
        if (r != want)
                fail_msg("boot_resolve: %d, wanted %d (%s)", r, want, ret->err);
        return strbuf_steal(&b);
}

static void test_image_in_every_format(void **state)
{
        struct boot_result r;
        char detail[BOOT_DETAIL_LEN];
        char *s = resolve(&RES, BOOT_FORMAT_IPXE_HTTP, 1, &r, 0);
        assert_non_null(strstr(s, "kernel http://198.18.0.1:8080/images/deb/linux initrd=initrd "
                                  "console=ttyS0 host=n1 || goto failed\n"));
        assert_int_equal(r.outcome, BOOT_OUTCOME_IMAGE);
        assert_true(r.cacheable);
        boot_result_detail(&r, detail);
        assert_string_equal(detail, "deb");
        free(s);
        s = resolve(&RES, BOOT_FORMAT_IPXE_TFTP, 1, &r, 0);
        assert_non_null(strstr(s, "kernel tftp://198.18.0.1/images/deb/linux "));
        free(s);
        s = resolve(&RES, BOOT_FORMAT_PXELINUX, 1, &r, 0);
        assert_non_null(strstr(s, "  KERNEL http://198.18.0.1:8080/images/deb/linux\n"));
        assert_non_null(strstr(s, "  APPEND console=ttyS0 host=n1\n"));
        free(s);
        struct boot_resolver tftp_paths = RES;
        tftp_paths.pxelinux_tftp_paths = true;
        s = resolve(&tftp_paths, BOOT_FORMAT_PXELINUX, 1, &r, 0);
        assert_non_null(strstr(s, "  KERNEL /images/deb/linux\n"));
        free(s);
        /* GRUB: files over the protocol of the format. */
        s = resolve(&RES, BOOT_FORMAT_GRUB_TFTP, 1, &r, 0);
        assert_int_equal(r.outcome, BOOT_OUTCOME_IMAGE);
        assert_true(r.cacheable);
        assert_non_null(strstr(s, "set bootherd_images='(tftp,198.18.0.1)/images'\n"));
        free(s);
        s = resolve(&RES, BOOT_FORMAT_GRUB, 1, &r, 0);
        assert_non_null(strstr(s, "set bootherd_images='(http,198.18.0.1:8080)/images'\n"));
        assert_non_null(strstr(s, "\nlinux \"$bootherd_images\"'/deb/linux' 'console=ttyS0' "
                                  "'host=n1'\ninitrd \"$bootherd_images\"'/deb/initrd'\nboot\n"));
        free(s);
}

static void test_wait_netboot_off_default(void **state)
{
        struct boot_result r;
        char detail[BOOT_DETAIL_LEN];
        char *s = resolve(&RES, BOOT_FORMAT_IPXE_TFTP, 9, &r, 0);
        assert_int_equal(r.outcome, BOOT_OUTCOME_WAIT);
        /* tftp:// URLs, but an administrator assigns at the web UI. */
        assert_non_null(strstr(s, "Assign one at http://198.18.0.1:8080/ "));
        assert_non_null(strstr(s, "chain --autofree --replace tftp://198.18.0.1/boot/"));
        assert_non_null(strstr(s, "sleep 9\n"));
        boot_result_detail(&r, detail);
        assert_string_equal(detail, "no image");
        free(s);
        s = resolve(&RES, BOOT_FORMAT_PXELINUX, 3, &r, 0);
        assert_int_equal(r.outcome, BOOT_OUTCOME_NETBOOT_OFF);
        assert_non_null(strstr(s, "LOCALBOOT -1"));
        free(s);
        s = resolve(&RES, BOOT_FORMAT_GRUB, 3, &r, 0);
        assert_int_equal(r.outcome, BOOT_OUTCOME_NETBOOT_OFF);
        assert_non_null(strstr(s, "\nexit\n"));
        free(s);
        /* An unknown MAC on GRUB: wait and read its file again. */
        s = resolve(&RES, BOOT_FORMAT_GRUB, 9, &r, 0);
        assert_int_equal(r.outcome, BOOT_OUTCOME_WAIT);
        assert_non_null(strstr(s, "Assign one at http://198.18.0.1:8080/ "));
        assert_non_null(
            strstr(s, "\nsleep 9\nconfigfile \"$prefix\"'/grub.cfg-01-52-54-00-00-00-09'\n"));
        boot_result_detail(&r, detail);
        assert_string_equal(detail, "no image");
        free(s);
        struct boot_resolver def = RES;
        def.default_image = "deb";
        s = resolve(&def, BOOT_FORMAT_IPXE_HTTP, 9, &r, 0);
        assert_int_equal(r.outcome, BOOT_OUTCOME_DEFAULT_IMAGE);
        boot_result_detail(&r, detail);
        assert_string_equal(detail, "deb (default image)");
        free(s);
}

/* The one fallback: the format's wait-and-retry file, not cached, with
 * the reason; the same for a broken template and a missing image. */
static void test_fallback_every_format(void **state)
{
        const enum boot_format fmts[] = {BOOT_FORMAT_IPXE_HTTP, BOOT_FORMAT_IPXE_TFTP,
                                         BOOT_FORMAT_PXELINUX, BOOT_FORMAT_GRUB,
                                         BOOT_FORMAT_GRUB_TFTP};
        const char *wait[] = {"Retrying in 9 seconds", "Retrying in 9 seconds", "TIMEOUT 90",
                              "has no image assigned.'\necho 'Assign one at",
                              "has no image assigned.'\necho 'Assign one at"};
        struct boot_resolver ghost = RES;
        ghost.default_image = "ghost";
        char detail[BOOT_DETAIL_LEN];
        for (size_t i = 0; i < 5; i++) {
                struct boot_result r;
                char *s = resolve(&RES, fmts[i], 2, &r, 0);
                assert_int_equal(r.outcome, BOOT_OUTCOME_FALLBACK);
                assert_int_equal(r.failure, BOOT_FAILURE_TEMPLATE_ERROR);
                assert_false(r.cacheable);
                assert_string_equal(r.image, "bad");
                assert_non_null(strstr(r.err, "{{nope}}"));
                assert_non_null(strstr(s, wait[i]));
                assert_null(strstr(s, "deb/linux"));
                boot_result_detail(&r, detail);
                assert_string_equal(detail, "script error");
                free(s);
                s = resolve(&ghost, fmts[i], 9, &r, 0);
                assert_int_equal(r.failure, BOOT_FAILURE_IMAGE_MISSING);
                assert_non_null(strstr(s, wait[i]));
                boot_result_detail(&r, detail);
                assert_string_equal(detail, "script error (default image)");
                free(s);
        }
}

/* A broken grub_script: GRUB gets the same wait-and-retry fallback; iPXE,
 * which does not use it, boots the image. */
static void test_grub_template_fallback(void **state)
{
        struct boot_result r;
        char *s = resolve(&RES, BOOT_FORMAT_GRUB_TFTP, 4, &r, 0);
        assert_int_equal(r.outcome, BOOT_OUTCOME_FALLBACK);
        assert_int_equal(r.failure, BOOT_FAILURE_TEMPLATE_ERROR);
        assert_false(r.cacheable);
        assert_non_null(strstr(r.err, "{{nope}}"));
        assert_non_null(strstr(s, "has no image assigned.'\necho 'Assign one at"));
        assert_null(strstr(s, "linux"));
        free(s);
        s = resolve(&RES, BOOT_FORMAT_IPXE_HTTP, 4, &r, 0);
        assert_int_equal(r.outcome, BOOT_OUTCOME_IMAGE);
        assert_non_null(strstr(s, "deb/linux"));
        free(s);
}

static void test_inventory_down_and_grub(void **state)
{
        struct boot_result r;
        F.fail = -EIO;
        char *s = resolve(&RES, BOOT_FORMAT_IPXE_HTTP, 1, &r, -EIO);
        assert_string_equal(r.err, "the fake database is down");
        free(s);
        s = resolve(&RES, BOOT_FORMAT_GRUB, 1, &r, -EIO);
        free(s);
        F.fail = 0;
        s = resolve(&RES, BOOT_FORMAT_N, 1, &r, -EOPNOTSUPP);
        free(s);
        assert_string_equal(boot_format_name(BOOT_FORMAT_GRUB), "grub");
        assert_string_equal(boot_format_name(BOOT_FORMAT_GRUB_TFTP), "grub-tftp");
}

static void test_preview(void **state)
{
        struct strbuf b;
        strbuf_init(&b);
        char err[SCRIPT_ERR_MAX] = "";
        struct mac m = mac_n(1);
        assert_int_equal(
            boot_resolve_image(&RES, &INV, EP, BOOT_FORMAT_IPXE_HTTP, &m, &IMAGES[0], &b, err), 0);
        assert_non_null(strstr(b.s, "host=n1"));
        strbuf_free(&b);
        assert_int_equal(
            boot_resolve_image(&RES, &INV, EP, BOOT_FORMAT_IPXE_HTTP, &m, &IMAGES[1], &b, err),
            -EINVAL);
        assert_non_null(strstr(err, "{{nope}}"));
        strbuf_free(&b);
}

static void test_endpoints(void **state)
{
        struct boot_endpoints_conf c = {.http_port = 80, .https_port = 8443};
        struct boot_endpoints_table *t;
        assert_int_equal(boot_endpoints_table_new(&c, &t), 0);
        struct boot_endpoints *tmp;
        const struct boot_endpoints *a = boot_endpoints_get(t, 0xc6120001, &tmp);
        assert_null(tmp);
        assert_string_equal(a->http, "http://198.18.0.1");
        assert_string_equal(a->https, "https://198.18.0.1:8443");
        assert_string_equal(a->http_images, "http://198.18.0.1/images");
        assert_null(a->tftp);
        assert_true(a->stable);
        assert_ptr_equal(boot_endpoints_get(t, 0xc6120001, &tmp), a);
        /* More local addresses than the table keeps: one-off sets. */
        for (uint32_t i = 2; i <= BOOT_ENDPOINTS_MAX; i++)
                assert_non_null(boot_endpoints_get(t, 0xc6120000 + i, &tmp));
        const struct boot_endpoints *x = boot_endpoints_get(t, 0xc6130001, &tmp);
        assert_non_null(tmp);
        assert_ptr_equal(x, tmp);
        assert_false(x->stable);
        assert_string_equal(x->http, "http://198.19.0.1");
        boot_endpoints_free(tmp);
        boot_endpoints_table_free(t);

        /* public_url: one set for every address, built with the table. */
        c.public_url = "https://boot.example.net/pxe";
        assert_int_equal(boot_endpoints_table_new(&c, &t), 0);
        a = boot_endpoints_get(t, 0xc6120001, &tmp);
        assert_ptr_equal(boot_endpoints_get(t, 0xc6130001, &tmp), a);
        assert_string_equal(a->http, "https://boot.example.net/pxe");
        assert_string_equal(a->https, "https://boot.example.net/pxe");
        assert_int_equal(a->http_len, strlen(a->http));
        boot_endpoints_table_free(t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_image_in_every_format),
            cmocka_unit_test(test_wait_netboot_off_default),
            cmocka_unit_test(test_fallback_every_format),
            cmocka_unit_test(test_inventory_down_and_grub),
            cmocka_unit_test(test_grub_template_fallback),
            cmocka_unit_test(test_preview),
            cmocka_unit_test(test_endpoints),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
