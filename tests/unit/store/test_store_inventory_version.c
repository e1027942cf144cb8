/* The inventory version (store_data_version): what tells the DHCP snapshot
 * (dhcp_inventory.c) to reload.  Every change to what that snapshot holds
 * moves it, from any connection; the boot-event writer's commits (its own
 * connection: boot contacts, discovered MACs) never do, or every event
 * batch would reload the snapshot of every server. */
#include "../test_util.h"

#include "../store_fixture.h"

/* Reads the version through f->s, the DHCP loop's connection.  On
 * PostgreSQL a change made elsewhere arrives with its NOTIFY: poll for up to
 * `wait_ms` for it to differ from `before`. */
static int64_t version_after(struct store *s, int64_t before, int wait_ms)
{
        int64_t v = -1;
        for (int waited = 0;; waited += 10) {
                assert_int_equal(store_data_version(s, &v), 0);
                if (v != before || !tu_pg_url() || waited >= wait_ms)
                        return v;
                usleep(10000);
        }
}

/* Runs a write on another connection and asserts whether the loop's
 * connection sees the version move. */
#define EXPECT_MOVE(f, moves, stmt)                                                                \
        do {                                                                                       \
                int64_t before_ = version_after((f)->s, -1, 0);                                    \
                stmt;                                                                              \
                int64_t after_ = version_after((f)->s, before_, (moves) ? 1000 : 300);             \
                if (moves)                                                                         \
                        assert_true(after_ > before_);                                             \
                else                                                                               \
                        assert_int_equal(after_, before_);                                         \
        } while (0)

static void add_image(struct store *s, const char *name, const char *cmdline, bool create)
{
        struct image img = {.name = (char *)name,
                            .kernel = "vmlinuz",
                            .cmdline = (char *)cmdline,
                            .description = ""};
        assert_int_equal(store_image_put(s, &img, create), 0);
}

static struct store *other_connection(struct fixture *f)
{
        struct store *o;
        assert_int_equal(store_open(f->db, &o), 0);
        return o;
}

static void test_snapshot_changes_move_it(void **state)
{
        struct fixture *f = *state;
        struct store *o = other_connection(f);
        struct mac m = mac_of("52:54:00:00:01:01");
        EXPECT_MOVE(f, true, add_image(o, "a", "", true));
        /* All defaults: no script trigger fires, the machine is new to DHCP. */
        struct machine mc = {.mac = m, .notes = "", .netboot = true};
        EXPECT_MOVE(f, true, assert_int_equal(store_machine_add(o, &mc), 0));
        EXPECT_MOVE(f, true, assert_int_equal(store_machine_assign(o, &m, "a"), 0));

        struct machine cur;
        assert_int_equal(store_machine_get(o, &m, &cur), 0);
        cur.boot_file = strdup("snponly.efi");
        EXPECT_MOVE(f, true, assert_int_equal(store_machine_update(o, &cur), 0));
        cur.secure_boot = true;
        EXPECT_MOVE(f, true, assert_int_equal(store_machine_update(o, &cur), 0));
        free(cur.notes);
        cur.notes = strdup("rack 4");
        EXPECT_MOVE(f, true, assert_int_equal(store_machine_update(o, &cur), 0));
        /* The same values again: nothing changed. */
        EXPECT_MOVE(f, false, assert_int_equal(store_machine_update(o, &cur), 0));
        machine_done(&cur);

        EXPECT_MOVE(f, true, assert_int_equal(store_machine_set_fallback(o, &m, 12345), 0));
        EXPECT_MOVE(f, true, add_image(o, "a", "console=ttyS0", false));
        EXPECT_MOVE(f, true, assert_int_equal(store_machine_remove(o, &m), 0));
        store_close(o);
}

static void test_boot_events_do_not_move_it(void **state)
{
        struct fixture *f = *state;
        struct store *w = other_connection(f); /* the event writer's */
        add_image(f->s, "a", "", true);
        struct mac known = mac_of("52:54:00:00:01:02"), fresh = mac_of("52:54:00:00:01:03");
        struct machine mc = {.mac = known, .notes = "", .netboot = true, .image = "a"};
        assert_int_equal(store_machine_add(f->s, &mc), 0);
        struct boot_event ev[2] = {{.mac = known, .time = 1000, .stage = "dhcp"},
                                   {.mac = fresh, .time = 1001, .stage = "dhcp"}};
        /* A known machine's last_seen, a discovered MAC inserted. */
        EXPECT_MOVE(f, false, assert_int_equal(store_record_events(w, ev, 2, 1000), 0));
        struct machine d;
        assert_int_equal(store_machine_get(f->s, &fresh, &d), 0);
        assert_int_equal(d.state, MACHINE_DISCOVERED);
        machine_done(&d);
        /* Adopting the discovered MAC puts it in the snapshot. */
        struct machine adopt = {.mac = fresh, .notes = "", .netboot = true};
        EXPECT_MOVE(f, true, assert_int_equal(store_machine_add(w, &adopt), 0));
        store_close(w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_snapshot_changes_move_it, setup, teardown),
            cmocka_unit_test_setup_teardown(test_boot_events_do_not_move_it, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
