/* The DHCP side of the boot decision, per client type (pxe-facts.md). */
#include <stdio.h>

#include "../test_util.h"

#include "boot/boot_plan.h"

static const char *files[BOOT_ARCH_N] = {
    [BOOT_ARCH_BIOS] = "undionly.kpxe",
    [BOOT_ARCH_EFI_X64] = "ipxe.efi",
    [BOOT_ARCH_HTTP_X64] = "ipxe.efi",
    [BOOT_ARCH_EFI_ARM64] = "snp-arm64.efi",
};

static struct boot_endpoints *EP; /* http://198.18.0.1 */

static int setup(void **state)
{
        struct boot_endpoints_conf c = {.http_port = 80};
        return boot_endpoints_new(&c, 0xc6120001, &EP);
}

static int teardown(void **state)
{
        boot_endpoints_free(EP);
        return 0;
}

static struct boot_dhcp_ctx ctx(bool authoritative)
{
        return (struct boot_dhcp_ctx){.ep = EP, .files = files, .authoritative = authoritative};
}

/* The plan's whole boot file. */
static const char *file_of(const struct boot_dhcp_plan *p)
{
        static char buf[2048];
        boot_dhcp_plan_file(p, buf, sizeof(buf));
        assert_int_equal(strlen(buf), p->kind == BOOT_DHCP_NONE ? 0 : p->file_len);
        return buf;
}

static struct boot_dhcp_facts pxe(uint16_t arch)
{
        return (struct boot_dhcp_facts){.has_arch = true, .arch = arch, .vendor = BOOT_VENDOR_PXE};
}

static void test_bios_pxe(void **state)
{
        struct boot_dhcp_facts f = pxe(0);
        struct boot_dhcp_ctx c = ctx(true);
        struct boot_dhcp_plan p;
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_int_equal(p.client, BOOT_CLIENT_PXE);
        assert_int_equal(p.kind, BOOT_DHCP_TFTP);
        assert_string_equal(file_of(&p), "undionly.kpxe");
        assert_string_equal(p.vendor_echo, "PXEClient");
        assert_true(p.pxe_discovery_control);
        assert_false(p.ipxe_no_pxedhcp);
}

static void test_uefi_pxe_and_override(void **state)
{
        struct boot_dhcp_ctx c = ctx(true);
        struct boot_dhcp_plan p;
        for (uint16_t arch = 7; arch <= 9; arch += 2) {
                struct boot_dhcp_facts f = pxe(arch);
                boot_plan_dhcp(&f, NULL, &c, &p);
                assert_string_equal(file_of(&p), "ipxe.efi");
                assert_int_equal(p.slot, BOOT_ARCH_EFI_X64);
                /* pitfall 3: OVMF needs 43 with 60 PXEClient when authoritative */
                assert_true(p.pxe_discovery_control);
        }
        struct machine m = {.netboot = true, .boot_file = "snponly.efi"};
        struct boot_dhcp_facts f = pxe(7);
        boot_plan_dhcp(&f, &m, &c, &p);
        assert_string_equal(file_of(&p), "snponly.efi");
}

/* snponly.efi by default, ipxe.efi once the machine fell back (this
 * server's verdict or the recorded one); boot_file still wins. */
static void test_snponly_fallback(void **state)
{
        static const char *snp[BOOT_ARCH_N] = {
            [BOOT_ARCH_EFI_X64] = "snponly.efi",
            [BOOT_ARCH_HTTP_X64] = "snponly.efi",
        };
        struct boot_dhcp_ctx c = {.ep = EP, .files = snp, .authoritative = true};
        struct boot_dhcp_plan p;
        struct boot_dhcp_facts f = pxe(7);
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_string_equal(file_of(&p), "snponly.efi");
        assert_true(p.snponly);
        assert_false(p.fallback);
        c.snponly_fallback = true;
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_string_equal(file_of(&p), "ipxe.efi");
        assert_true(p.fallback);
        assert_false(p.snponly);
        c.snponly_fallback = false;
        struct machine m = {.netboot = true, .snponly_fallback_at = 1};
        boot_plan_dhcp(&f, &m, &c, &p);
        assert_string_equal(file_of(&p), "ipxe.efi");
        struct boot_dhcp_facts h = {.has_arch = true, .arch = 16, .vendor = BOOT_VENDOR_HTTP};
        boot_plan_dhcp(&h, &m, &c, &p);
        assert_string_equal(file_of(&p), "http://198.18.0.1/ipxe.efi");
        m.boot_file = "snponly.efi"; /* the override wins over the fallback */
        boot_plan_dhcp(&f, &m, &c, &p);
        assert_string_equal(file_of(&p), "snponly.efi");
        assert_false(p.snponly);
        assert_false(p.fallback);
}

static void test_ipxe_raw_and_rfc3004(void **state)
{
        struct boot_dhcp_ctx c = ctx(true);
        struct boot_dhcp_plan p;
        struct boot_dhcp_facts f = pxe(0);
        f.user_class = (const uint8_t *)"iPXE";
        f.user_class_len = 4;
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_int_equal(p.client, BOOT_CLIENT_IPXE);
        assert_int_equal(p.kind, BOOT_DHCP_URL);
        assert_string_equal(file_of(&p), "http://198.18.0.1/boot.ipxe");
        assert_string_equal(p.vendor_echo, "PXEClient");
        assert_true(p.ipxe_no_pxedhcp);
        assert_false(p.pxe_discovery_control);
        /* RFC 3004 encoding: two classes, the second gPXE. */
        static const uint8_t enc[] = {3, 'f', 'o', 'o', 4, 'g', 'P', 'X', 'E'};
        f.user_class = enc;
        f.user_class_len = sizeof(enc);
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_int_equal(p.client, BOOT_CLIENT_IPXE);
        /* Proxy: no 175.176 (we are not the address server). */
        c = ctx(false);
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_false(p.ipxe_no_pxedhcp);
}

static void test_option_175_means_ipxe(void **state)
{
        struct boot_dhcp_ctx c = ctx(true);
        struct boot_dhcp_plan p;
        struct boot_dhcp_facts f = pxe(7);
        f.has_etherboot = true;
        f.user_class = (const uint8_t *)"bootherd"; /* changed by a script */
        f.user_class_len = 8;
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_int_equal(p.client, BOOT_CLIENT_IPXE);
        assert_string_equal(file_of(&p), "http://198.18.0.1/boot.ipxe");
}

static void test_user_class_parsing(void **state)
{
        static const uint8_t bad[] = {9, 'i', 'P'};
        assert_false(boot_user_class_has(bad, sizeof(bad), "iPXE"));
        static const uint8_t zero[] = {0, 4, 'i', 'P', 'X', 'E'};
        assert_false(boot_user_class_has(zero, sizeof(zero), "iPXE"));
        assert_false(boot_user_class_has((const uint8_t *)"iPXE2", 5, "iPXE"));
        assert_false(boot_user_class_has(NULL, 0, "iPXE"));
        static const uint8_t one[] = {4, 'i', 'P', 'X', 'E'};
        assert_true(boot_user_class_has(one, sizeof(one), "iPXE"));
}

static void test_http_boot(void **state)
{
        struct boot_dhcp_ctx c = ctx(true);
        struct boot_dhcp_plan p;
        struct boot_dhcp_facts f = {.has_arch = true, .arch = 16, .vendor = BOOT_VENDOR_HTTP};
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_int_equal(p.client, BOOT_CLIENT_HTTP_BOOT);
        assert_int_equal(p.kind, BOOT_DHCP_URL);
        assert_string_equal(file_of(&p), "http://198.18.0.1/ipxe.efi");
        assert_string_equal(p.vendor_echo, "HTTPClient");
        assert_false(p.pxe_discovery_control);
        /* ARM64 HTTP Boot (19): nothing configured for it here → no file. */
        f.arch = 19;
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_int_equal(p.kind, BOOT_DHCP_NONE);
        /* Per-machine override goes into the URL too. */
        struct machine m = {.netboot = true, .boot_file = "snponly.efi"};
        f.arch = 16;
        boot_plan_dhcp(&f, &m, &c, &p);
        assert_string_equal(file_of(&p), "http://198.18.0.1/snponly.efi");
}

static void test_proxy_option_43(void **state)
{
        struct boot_dhcp_ctx c = ctx(false);
        struct boot_dhcp_plan p;
        struct boot_dhcp_facts f = pxe(0);
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_true(p.pxe_discovery_control); /* BIOS: 43 {6:8} */
        f = pxe(7);
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_false(p.pxe_discovery_control); /* UEFI: none, comes to 4011 */
        assert_string_equal(file_of(&p), "ipxe.efi");
        c.boot_server = true;
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_int_equal(p.kind, BOOT_DHCP_TFTP);
}

static void test_netboot_off_and_plain(void **state)
{
        struct boot_dhcp_ctx c = ctx(true);
        struct boot_dhcp_plan p;
        struct machine m = {.netboot = false};
        struct boot_dhcp_facts f = pxe(7);
        boot_plan_dhcp(&f, &m, &c, &p);
        assert_int_equal(p.kind, BOOT_DHCP_NONE);
        assert_true(p.netboot_off);
        assert_null(p.vendor_echo);
        struct boot_dhcp_facts plain = {0};
        boot_plan_dhcp(&plain, NULL, &c, &p);
        assert_int_equal(p.client, BOOT_CLIENT_PLAIN);
        assert_int_equal(p.kind, BOOT_DHCP_NONE);
}

static void test_unknown_arch_default(void **state)
{
        const char *f2[BOOT_ARCH_N] = {[BOOT_ARCH_DEFAULT] = "fallback.efi"};
        struct boot_dhcp_ctx c = {.ep = EP, .files = f2, .authoritative = true};
        struct boot_dhcp_plan p;
        struct boot_dhcp_facts f = pxe(0x4242);
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_true(p.unknown_arch);
        assert_string_equal(file_of(&p), "fallback.efi");
        /* Without a default: logged by the caller, no file. */
        c.files = files;
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_true(p.unknown_arch);
        assert_int_equal(p.kind, BOOT_DHCP_NONE);
        assert_int_equal(boot_arch_slot_of(0x29), BOOT_ARCH_RPI);
        assert_int_equal(boot_arch_slot_of(0x1b), BOOT_ARCH_RISCV64);
        assert_string_equal(boot_arch_slot_name(BOOT_ARCH_EFI_X64), "efi_x64");
}

static void test_vendor_of(void **state)
{
        assert_int_equal(boot_vendor_of((const uint8_t *)"PXEClient:Arch:00000:UNDI:002001", 32),
                         BOOT_VENDOR_PXE);
        assert_int_equal(boot_vendor_of((const uint8_t *)"HTTPClient:Arch:00016", 21),
                         BOOT_VENDOR_HTTP);
        assert_int_equal(boot_vendor_of((const uint8_t *)"PXEClien", 8), BOOT_VENDOR_NONE);
        assert_int_equal(boot_vendor_of((const uint8_t *)"udhcp 1.35", 10), BOOT_VENDOR_NONE);
        assert_int_equal(boot_vendor_of(NULL, 0), BOOT_VENDOR_NONE);
}

/* A long public_url is handed out whole: no length limit in the plan
 * (DHCP sends a value over 255 bytes as RFC 3396 instances). */
static void test_long_url_whole(void **state)
{
        char url[1001];
        memset(url, 'a', sizeof(url) - 1);
        memcpy(url, "http://", 7);
        url[sizeof(url) - 1] = 0;
        struct boot_endpoints_conf ec = {.public_url = url, .http_port = 80};
        struct boot_endpoints *ep;
        assert_int_equal(boot_endpoints_new(&ec, 0, &ep), 0);
        struct boot_dhcp_ctx c = {.ep = ep, .files = files, .authoritative = true};
        struct boot_dhcp_facts f = pxe(0);
        f.has_etherboot = true;
        struct boot_dhcp_plan p;
        boot_plan_dhcp(&f, NULL, &c, &p);
        assert_int_equal(p.kind, BOOT_DHCP_URL);
        assert_int_equal(p.file_len, 1000 + strlen("/boot.ipxe"));
        assert_int_equal(strncmp(file_of(&p), url, 1000), 0);
        assert_string_equal(file_of(&p) + 1000, "/boot.ipxe");
        boot_endpoints_free(ep);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_bios_pxe),
            cmocka_unit_test(test_uefi_pxe_and_override),
            cmocka_unit_test(test_ipxe_raw_and_rfc3004),
            cmocka_unit_test(test_option_175_means_ipxe),
            cmocka_unit_test(test_user_class_parsing),
            cmocka_unit_test(test_http_boot),
            cmocka_unit_test(test_proxy_option_43),
            cmocka_unit_test(test_netboot_off_and_plain),
            cmocka_unit_test(test_unknown_arch_default),
            cmocka_unit_test(test_vendor_of),
            cmocka_unit_test(test_snponly_fallback),
            cmocka_unit_test(test_long_url_whole),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
