/* [dhcp] and [subnet NAME] configuration through the real config loader. */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>

#include "boot/boot_plan.h"
#include "core/config.h"
#include "dhcp/dhcp_config.h"

/* The loader with the sections the DHCP module registers. */
struct conf {
        struct config cfg;
        struct dhcp_config dhcp;
};

static int conf_init(struct conf *c)
{
        assert_int_equal(config_init(&c->cfg), 0);
        assert_int_equal(dhcp_config_init(&c->dhcp), 0);
        assert_int_equal(config_register(&c->cfg, &c->dhcp.section), 0);
        assert_int_equal(config_register(&c->cfg, &c->dhcp.subnet_section), 0);
        return 0;
}

static void conf_done(struct conf *c)
{
        dhcp_config_done(&c->dhcp);
        config_done(&c->cfg);
}

static int load(struct conf *c, const char *text, char *err)
{
        char *dir = tu_tmpdir();
        char path[256];
        snprintf(path, sizeof(path), "%s/b.conf", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        conf_init(c);
        int r = config_load(&c->cfg, path, err);
        tu_rmdir(dir);
        return r;
}

static void test_full_example(void **state)
{
        struct conf c;
        char err[CONFIG_ERR_MAX] = "";
        int r = load(&c,
                     "[dhcp]\n"
                     "mode = server\n"
                     "interface = eth1, eth2\n"
                     "subnet = 198.18.0.0/24\n"
                     "range = 198.18.0.100 198.18.0.200\n"
                     "router = 198.18.0.1\n"
                     "dns = 198.18.0.1 198.18.0.2\n"
                     "domain = lab.test\n"
                     "lease_time = 7200\n"
                     "server_address = 198.18.0.1\n"
                     "durability = fsync\n"
                     "boot_efi_x64 = snponly.efi\n"
                     "boot_efi_arm64 = http://198.18.0.1/arm64.efi\n"
                     "[subnet far]\n"
                     "network = 198.19.4.0/22\n"
                     "range = 198.19.4.10 198.19.7.250\n"
                     "router = 198.19.4.1\n",
                     err);
        if (r < 0)
                fail_msg("%s", err);
        const struct dhcp_config *d = &c.dhcp;
        assert_int_equal(d->mode, DHCP_MODE_SERVER);
        assert_int_equal(d->n_interfaces, 2);
        assert_string_equal(d->interfaces[1], "eth2");
        assert_int_equal(d->local.network, 0xc6120000u);
        assert_int_equal(d->local.mask, 0xffffff00u);
        assert_int_equal(d->local.range_first, 0xc6120064u);
        assert_int_equal(d->local.n_dns, 2);
        assert_int_equal(d->local.lease_time_s, 7200);
        assert_string_equal(d->local.domain, "lab.test");
        assert_int_equal(d->durability, DHCP_DURABLE_FSYNC);
        assert_string_equal(d->boot_files[BOOT_ARCH_EFI_X64], "snponly.efi");
        assert_string_equal(d->boot_files[BOOT_ARCH_BIOS], "undionly.kpxe");
        assert_string_equal(d->boot_files[BOOT_ARCH_EFI_ARM64], "http://198.18.0.1/arm64.efi");
        assert_int_equal(d->n_subnets, 1);
        assert_string_equal(d->subnets[0].name, "far");
        assert_int_equal(d->subnets[0].mask, 0xfffffc00u);
        assert_int_equal(d->subnets[0].lease_time_s, 3600);
        assert_int_equal(dhcp_config_check(d, err), 0);
        conf_done(&c);
}

static void expect_error(const char *text, const char *part)
{
        struct conf c;
        char err[CONFIG_ERR_MAX] = "";
        assert_true(load(&c, text, err) < 0);
        if (!strstr(err, part))
                fail_msg("error \"%s\" does not mention \"%s\"", err, part);
        conf_done(&c);
}

static void test_bad_values(void **state)
{
        expect_error("[dhcp]\nmode = maybe\n", "b.conf:2");
        expect_error("[dhcp]\nrange = 198.18.0.200 198.18.0.100\n", "FIRST <= LAST");
        expect_error("[dhcp]\nrange = 198.18.0.1\n", "range");
        expect_error("[dhcp]\nsubnet = 198.18.0.1/24\n", "host bits");
        expect_error("[dhcp]\ndns = 1.2.3.4 1.2.3.5 1.2.3.6 1.2.3.7 1.2.3.8\n", "dns");
        expect_error("[dhcp]\nlease_time = 5\n", "lease_time");
        expect_error("[dhcp]\nboot_efi_x64 = ../etc/passwd\n", "boot_efi_x64");
        expect_error("[dhcp]\nboot_nonsense = x.efi\n", "unknown key");
        expect_error("[dhcp]\ncolour = blue\n", "unknown key \"colour\"");
        expect_error("[subnet bad/name]\nnetwork = 10.0.0.0/8\n", "subnet name");
        expect_error("[subnet a]\nrouter = x\n", "router");
        expect_error("[dhcp]\ndurability = sometimes\n", "process or fsync");
        expect_error("[dhcp]\ninterface = a b c d e f g h i\n", "interface");
}

static void test_cross_checks(void **state)
{
        struct conf c;
        char err[CONFIG_ERR_MAX] = "";
        assert_int_equal(
            load(&c, "[dhcp]\nsubnet = 198.18.0.0/24\nrange = 198.18.0.10 198.18.1.10\n", err), 0);
        assert_int_equal(dhcp_config_check(&c.dhcp, err), -EINVAL);
        assert_non_null(strstr(err, "inside the subnet"));
        conf_done(&c);
        assert_int_equal(load(&c, "[subnet a]\nrange = 198.18.0.10 198.18.0.20\n", err), 0);
        assert_int_equal(dhcp_config_check(&c.dhcp, err), -EINVAL);
        assert_non_null(strstr(err, "network"));
        conf_done(&c);
        assert_int_equal(load(&c,
                              "[subnet a]\nnetwork = 198.18.0.0/16\n"
                              "[subnet b]\nnetwork = 198.18.4.0/24\n",
                              err),
                         0);
        assert_int_equal(dhcp_config_check(&c.dhcp, err), -EINVAL);
        assert_non_null(strstr(err, "overlaps"));
        conf_done(&c);
}

static void test_defaults(void **state)
{
        struct conf c;
        conf_init(&c);
        assert_int_equal(c.dhcp.mode, DHCP_MODE_OFF);
        assert_int_equal(c.dhcp.local.lease_time_s, 3600);
        assert_int_equal(c.dhcp.durability, DHCP_DURABLE_PROCESS);
        assert_string_equal(c.dhcp.boot_files[BOOT_ARCH_EFI_X64], "snponly.efi");
        assert_string_equal(c.dhcp.boot_files[BOOT_ARCH_HTTP_X64], "snponly.efi");
        assert_int_equal(c.dhcp.snponly_fallback_s, 60);
        assert_string_equal(c.dhcp.boot_files[BOOT_ARCH_EFI_ARM64], "grubaa64.efi");
        assert_string_equal(c.dhcp.boot_files[BOOT_ARCH_HTTP_ARM64], "grubaa64-http.efi");
        assert_string_equal(c.dhcp.boot_files[BOOT_ARCH_DEFAULT], "");
        char err[CONFIG_ERR_MAX];
        assert_int_equal(config_set(&c.cfg, "dhcp", "mode", "proxy", "--set", err), 0);
        assert_int_equal(c.dhcp.mode, DHCP_MODE_PROXY);
        conf_done(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_full_example),
            cmocka_unit_test(test_bad_values),
            cmocka_unit_test(test_cross_checks),
            cmocka_unit_test(test_defaults),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
