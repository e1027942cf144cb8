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

static struct boot_fail_fold fold(const struct step *s, int n)
{
        struct boot_fail_fold f;
        boot_fail_fold_init(&f);
        for (int i = 0; i < n; i++)
                boot_fail_fold_add(&f, i, s[i].stage, s[i].outcome);
        return f;
}

static void test_fold(void **state)
{
        /* Only successes: clears a stored failure up to the furthest stage. */
        const struct step ok[] = {{"dhcp", ""}, {"script", "ok"}, {"tftp", ""}};
        struct boot_fail_fold f = fold(ok, 3);
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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_failed),
            cmocka_unit_test(test_rank),
            cmocka_unit_test(test_fold),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
