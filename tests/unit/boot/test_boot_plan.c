/* The per-MAC boot decision (src/boot/boot_plan.c). */
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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_unknown_mac),
            cmocka_unit_test(test_assigned),
            cmocka_unit_test(test_without_image),
            cmocka_unit_test(test_netboot_off),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
