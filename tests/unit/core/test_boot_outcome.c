/* Boot step outcomes (src/core/boot_outcome.c): which outcomes fail, the
 * stage order, and how a machine's steps fold into setting or clearing its
 * failure. */
#include "../test_util.h"

#include "core/boot_outcome.h"

static void test_failed(void **state)
{
        assert_false(boot_outcome_failed(NULL));
        assert_false(boot_outcome_failed(""));
        assert_false(boot_outcome_failed(BOOT_OK));
        assert_true(boot_outcome_failed(BOOT_NOT_FOUND));
        assert_true(boot_outcome_failed(BOOT_POOL_EXHAUSTED));
}

static void test_rank(void **state)
{
        assert_int_equal(boot_stage_rank("dhcp"), 0);
        assert_int_equal(boot_stage_rank("tftp"), 1);
        assert_int_equal(boot_stage_rank("script"), 2);
        assert_int_equal(boot_stage_rank("kernel"), 3);
        assert_int_equal(boot_stage_rank("initrd"), 4);
        assert_int_equal(boot_stage_rank("other"), -1);
}

struct step {
        const char *stage, *outcome;
};

static struct boot_fold fold(const struct step *s, int n)
{
        struct boot_fold f;
        boot_fold_init(&f);
        for (int i = 0; i < n; i++)
                boot_fold_add(&f, i, 1000 + i, s[i].stage, s[i].outcome);
        return f;
}

static void test_fold(void **state)
{
        /* Only successes: clears a stored failure up to the furthest stage. */
        const struct step ok[] = {{"dhcp", ""}, {"script", "ok"}, {"tftp", ""}};
        struct boot_fold f = fold(ok, 3);
        assert_int_equal(f.fail, -1);
        assert_int_equal(f.clear_rank, 2);

        /* A failure, then earlier stages of the next attempt: it stands. */
        const struct step loop[] = {{"kernel", ""},
                                    {"initrd", BOOT_NOT_FOUND},
                                    {"dhcp", ""},
                                    {"script", ""},
                                    {"kernel", ""}};
        f = fold(loop, 5);
        assert_int_equal(f.fail, 1);
        assert_int_equal(f.fail_rank, 4);

        /* A success at the failed stage clears it and anything stored. */
        const struct step fixed[] = {{"tftp", BOOT_TIMEOUT}, {"tftp", ""}};
        f = fold(fixed, 2);
        assert_int_equal(f.fail, -1);
        assert_int_equal(f.clear_rank, BOOT_CLEAR_ALL);

        /* The last failure wins; an unknown stage's failure ranks first. */
        const struct step two[] = {{"initrd", BOOT_NOT_FOUND}, {"grub", BOOT_ERROR}};
        f = fold(two, 2);
        assert_int_equal(f.fail, 1);
        assert_int_equal(f.fail_rank, 0);

        /* Unknown stages' successes change nothing. */
        const struct step other[] = {{"grub", ""}};
        f = fold(other, 1);
        assert_int_equal(f.fail, -1);
        assert_int_equal(f.clear_rank, -1);
}

/* The stages of the current attempt: only those that ran, failures apart;
 * a dhcp step after the script (or later) or a long gap starts over. */
static void test_attempt(void **state)
{
        /* iPXE chainloaded by another server: no dhcp, no tftp. */
        const struct step chained[] = {{"script", ""}, {"kernel", ""}, {"initrd", BOOT_NOT_FOUND}};
        struct boot_fold f = fold(chained, 3);
        assert_int_equal(f.mask, BOOT_MASK_OK(2) | BOOT_MASK_OK(3) | BOOT_MASK_FAILED(4));
        assert_false(f.restarted);

        /* ROM DHCP, TFTP, iPXE's own DHCP: one attempt; then a new one. */
        const struct step two[] = {{"dhcp", ""},          {"tftp", ""},   {"dhcp", ""},
                                   {"script", ""},        {"kernel", ""}, {"dhcp", ""},
                                   {"tftp", BOOT_TIMEOUT}};
        f = fold(two, 7);
        assert_true(f.restarted);
        assert_int_equal(f.mask, BOOT_MASK_OK(0) | BOOT_MASK_FAILED(1));

        /* A gap starts over too. */
        struct boot_fold g;
        boot_fold_init(&g);
        boot_fold_add(&g, 0, 1000, "kernel", "");
        boot_fold_add(&g, 1, 1000 + BOOT_ATTEMPT_GAP_MS + 1, "initrd", "");
        assert_true(g.restarted);
        assert_int_equal(g.mask, BOOT_MASK_OK(4));
        assert_false(boot_attempt_starts(0, 5, -2, 0));
        assert_true(boot_attempt_starts(0, 5, 2, 4));
        assert_false(boot_attempt_starts(0, 5, 1, 4));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_failed),
            cmocka_unit_test(test_rank),
            cmocka_unit_test(test_fold),
            cmocka_unit_test(test_attempt),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
