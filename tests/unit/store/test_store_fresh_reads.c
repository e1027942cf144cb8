/* A long-lived store connection (an HTTP worker's) must see writes made
 * through another connection (the CLI) after any of its reads: a statement
 * left on a row would pin its WAL snapshot, and a machine assigned by the CLI
 * would keep getting the wait script (seen in the QEMU e2e test). */
#include <errno.h>
#include <stdio.h>

#include "test_util.h"

#include "store/store.h"

#include "store_db.h"

static void assign_is_seen_after_image_read(void **state)
{
        (void)state;
        char *dir = tu_tmpdir();
        char path[512];
        tu_db_location(dir, "bootherd", path, sizeof(path));
        struct store *worker, *cli;
        assert_int_equal(store_open(path, &worker), 0);
        assert_int_equal(store_open(path, &cli), 0);

        char *initrds[] = {"a.cpio.gz"};
        struct image img = {.name = "a",
                            .kernel = "vmlinuz",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .cmdline = "",
                            .description = ""};
        assert_int_equal(store_image_put(cli, &img, true), 0);
        struct mac known, unknown;
        assert_int_equal(mac_parse_str("52:54:00:00:00:01", &known), 0);
        assert_int_equal(mac_parse_str("52:54:00:00:00:09", &unknown), 0);
        struct machine m = {.mac = known, .image = "a", .notes = "", .netboot = true};
        assert_int_equal(store_machine_add(cli, &m), 0);
        /* The unknown machine asked once: the serve loop records it as
         * discovered (through its own connection; cli stands in for it). */
        struct boot_event ev = {.time = store_now_ms(), .mac = unknown, .stage = "script"};
        assert_int_equal(store_record_events(cli, &ev, 1, 1000), 0);

        /* The worker serves the known machine (machine + image reads) ... */
        struct machine got;
        struct image gimg;
        assert_int_equal(store_machine_get(worker, &known, &got), 0);
        machine_done(&got);
        assert_int_equal(store_image_get(worker, "a", &gimg), 0);
        image_done(&gimg);
        /* ... and the unknown one, which has no image. */
        assert_int_equal(store_machine_get(worker, &unknown, &got), 0);
        assert_null(got.image);
        machine_done(&got);

        /* The administrator adopts the unknown machine through the CLI. */
        assert_int_equal(store_machine_assign(cli, &unknown, "a"), 0);

        assert_int_equal(store_machine_get(worker, &unknown, &got), 0);
        assert_non_null(got.image);
        assert_string_equal(got.image, "a");
        machine_done(&got);

        /* And a later reassignment of the known one as well. */
        assert_int_equal(store_machine_assign(cli, &known, NULL), 0);
        assert_int_equal(store_machine_get(worker, &known, &got), 0);
        assert_null(got.image);
        machine_done(&got);

        store_close(cli);
        store_close(worker);
        tu_rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(assign_is_seen_after_image_read),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
