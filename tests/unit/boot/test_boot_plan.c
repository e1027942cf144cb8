/* The per-MAC boot decision (src/boot/boot_plan.c), and the Secure Boot
 * first stage (boot_plan_dhcp()). */
#include "../test_util.h"

#include "boot/boot_plan.h"

static void expect_plan(const struct machine *m, const char *def, enum boot_script_kind kind,
                        const char *image, bool via_default)
{
        struct boot_script_plan p;
        memset(&p, 0x5a, sizeof(p));
        boot_plan_script(m, def, &p);
        assert_int_equal(p.kind, kind);
        if (image) {
                assert_non_null(p.image);
                assert_string_equal(p.image, image);
        } else {
                assert_null(p.image);
        }
        assert_int_equal(p.via_default, via_default);
}

static void test_unknown_mac(void **state)
{
        expect_plan(NULL, NULL, BOOT_SCRIPT_WAIT, NULL, false);
        expect_plan(NULL, "", BOOT_SCRIPT_WAIT, NULL, false);
        expect_plan(NULL, "rescue", BOOT_SCRIPT_IMAGE, "rescue", true);
}

static void test_assigned(void **state)
{
        struct machine m = {.image = "debian-12", .netboot = true, .state = MACHINE_ASSIGNED};
        expect_plan(&m, NULL, BOOT_SCRIPT_IMAGE, "debian-12", false);
        /* The assignment wins over the default. */
        expect_plan(&m, "rescue", BOOT_SCRIPT_IMAGE, "debian-12", false);
        struct boot_script_plan p;
        boot_plan_script(&m, "rescue", &p);
        assert_ptr_equal(p.image, m.image);
}

static void test_without_image(void **state)
{
        struct machine disc = {.netboot = true, .state = MACHINE_DISCOVERED};
        struct machine unas = {.netboot = true, .state = MACHINE_UNASSIGNED};
        expect_plan(&disc, NULL, BOOT_SCRIPT_WAIT, NULL, false);
        expect_plan(&unas, "", BOOT_SCRIPT_WAIT, NULL, false);
        expect_plan(&disc, "rescue", BOOT_SCRIPT_IMAGE, "rescue", true);
        expect_plan(&unas, "rescue", BOOT_SCRIPT_IMAGE, "rescue", true);
}

static void test_netboot_off(void **state)
{
        /* Netboot off beats an assignment and the default. */
        struct machine m = {.image = "debian-12", .netboot = false, .state = MACHINE_ASSIGNED};
        expect_plan(&m, "rescue", BOOT_SCRIPT_EXIT, NULL, false);
        struct machine n = {.netboot = false, .state = MACHINE_UNASSIGNED};
        expect_plan(&n, "rescue", BOOT_SCRIPT_EXIT, NULL, false);
        expect_plan(&n, NULL, BOOT_SCRIPT_EXIT, NULL, false);
}

/* Secure Boot: UEFI x86-64 PXE (7 and 9) gets shim; BIOS, HTTP Boot, iPXE
 * and other architectures are unchanged; an explicit boot_file wins. */
static void test_secure_boot_dhcp(void **state)
{
        static const char *files[BOOT_ARCH_N] = {
            [BOOT_ARCH_BIOS] = "undionly.kpxe",
            [BOOT_ARCH_EFI_X64] = "ipxe.efi",
            [BOOT_ARCH_HTTP_X64] = "ipxe.efi",
            [BOOT_ARCH_EFI_ARM64] = "grubaa64.efi",
        };
        struct boot_endpoints *ep;
        struct boot_endpoints_conf ec = {.http_port = 80};
        assert_int_equal(boot_endpoints_new(&ec, 0xc6120001, &ep), 0);
        struct boot_dhcp_ctx c = {.ep = ep, .files = files, .authoritative = true};
        struct machine sb = {.netboot = true, .secure_boot = true};
        struct machine plain = {.netboot = true};
        struct boot_dhcp_plan p;
        const uint16_t x64[] = {7, 9};
        for (size_t i = 0; i < 2; i++) {
                struct boot_dhcp_facts f = {
                    .has_arch = true, .arch = x64[i], .vendor = BOOT_VENDOR_PXE};
                boot_plan_dhcp(&f, &sb, &c, &p);
                assert_int_equal(p.kind, BOOT_DHCP_TFTP);
                assert_string_equal(p.file, "shimx64.efi");
                assert_int_equal(p.file_len, strlen("shimx64.efi"));
                assert_true(p.secure_boot);
                assert_string_equal(p.vendor_echo, "PXEClient");
                assert_true(p.pxe_discovery_control);
                boot_plan_dhcp(&f, &plain, &c, &p);
                assert_string_equal(p.file, "ipxe.efi");
                assert_false(p.secure_boot);
                boot_plan_dhcp(&f, NULL, &c, &p);
                assert_string_equal(p.file, "ipxe.efi");
        }
        /* Not x86-64 UEFI PXE: unchanged. */
        struct boot_dhcp_facts bios = {.has_arch = true, .arch = 0, .vendor = BOOT_VENDOR_PXE};
        boot_plan_dhcp(&bios, &sb, &c, &p);
        assert_string_equal(p.file, "undionly.kpxe");
        struct boot_dhcp_facts arm = {.has_arch = true, .arch = 11, .vendor = BOOT_VENDOR_PXE};
        boot_plan_dhcp(&arm, &sb, &c, &p);
        assert_string_equal(p.file, "grubaa64.efi");
        struct boot_dhcp_facts http = {.has_arch = true, .arch = 16, .vendor = BOOT_VENDOR_HTTP};
        boot_plan_dhcp(&http, &sb, &c, &p);
        assert_int_equal(p.kind, BOOT_DHCP_URL);
        assert_string_equal(p.file, "ipxe.efi");
        struct boot_dhcp_facts ipxe = {.has_arch = true,
                                       .arch = 7,
                                       .vendor = BOOT_VENDOR_PXE,
                                       .user_class = (const uint8_t *)"iPXE",
                                       .user_class_len = 4};
        boot_plan_dhcp(&ipxe, &sb, &c, &p);
        assert_string_equal(p.file, "boot.ipxe");
        /* The per-machine boot_file override wins; netboot off still wins. */
        struct machine both = {.netboot = true, .secure_boot = true, .boot_file = "snponly.efi"};
        struct boot_dhcp_facts f7 = {.has_arch = true, .arch = 7, .vendor = BOOT_VENDOR_PXE};
        boot_plan_dhcp(&f7, &both, &c, &p);
        assert_string_equal(p.file, "snponly.efi");
        assert_false(p.secure_boot);
        struct machine off = {.netboot = false, .secure_boot = true};
        boot_plan_dhcp(&f7, &off, &c, &p);
        assert_int_equal(p.kind, BOOT_DHCP_NONE);
        boot_endpoints_free(ep);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_unknown_mac),      cmocka_unit_test(test_assigned),
            cmocka_unit_test(test_without_image),    cmocka_unit_test(test_netboot_off),
            cmocka_unit_test(test_secure_boot_dhcp),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
