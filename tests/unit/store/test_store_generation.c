/* The boot-script generation (schema v4 triggers): every write that can
 * change a /boot/<mac>.ipxe script bumps it, from any connection; boot
 * contacts and fields scripts do not use leave it alone (so HTTP workers'
 * script caches survive a boot storm). */
#include "../test_util.h"

#include "../store_fixture.h"

static int64_t gen(struct store *s)
{
        int64_t g = -1;
        assert_int_equal(store_script_generation(s, &g), 0);
        return g;
}

/* Runs a write and asserts whether it moved the generation. */
#define EXPECT_BUMP(s, bumps, stmt)                                                                \
        do {                                                                                       \
                int64_t before_ = gen(s);                                                          \
                stmt;                                                                              \
                if (bumps)                                                                         \
                        assert_true(gen(s) > before_);                                             \
                else                                                                               \
                        assert_int_equal(gen(s), before_);                                         \
        } while (0)

static void add_image(struct store *s, const char *name, const char *cmdline, bool create)
{
        char *initrds[] = {"initrd.img"};
        struct image img = {.name = (char *)name,
                            .kernel = "vmlinuz",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .cmdline = (char *)cmdline,
                            .description = ""};
        assert_int_equal(store_image_put(s, &img, create), 0);
}

static void test_inventory_writes_bump(void **state)
{
        struct fixture *f = *state;
        struct store *s = f->s;
        struct mac m = mac_of("52:54:00:00:00:01");
        EXPECT_BUMP(s, true, add_image(s, "a", "console=ttyS0", true));
        EXPECT_BUMP(s, true, add_image(s, "b", "", true));
        struct machine mc = {.mac = m, .notes = "", .netboot = true, .hostname = "h1"};
        EXPECT_BUMP(s, true, assert_int_equal(store_machine_add(s, &mc), 0));
        EXPECT_BUMP(s, true, assert_int_equal(store_machine_assign(s, &m, "a"), 0));
        EXPECT_BUMP(s, true, assert_int_equal(store_machine_assign(s, &m, "b"), 0));
        EXPECT_BUMP(s, true, assert_int_equal(store_machine_assign(s, &m, NULL), 0));
        EXPECT_BUMP(s, true, add_image(s, "a", "console=ttyS1", false)); /* cmdline edit */

        struct machine cur;
        assert_int_equal(store_machine_get(s, &m, &cur), 0);
        free(cur.hostname);
        cur.hostname = strdup("h2");
        EXPECT_BUMP(s, true, assert_int_equal(store_machine_update(s, &cur), 0));
        cur.ipv4 = 0xc6120005; /* 198.18.0.5 */
        EXPECT_BUMP(s, true, assert_int_equal(store_machine_update(s, &cur), 0));
        cur.netboot = false;
        EXPECT_BUMP(s, true, assert_int_equal(store_machine_update(s, &cur), 0));
        /* Notes are not in any script; rewriting the same values is no change. */
        free(cur.notes);
        cur.notes = strdup("rack 4");
        EXPECT_BUMP(s, false, assert_int_equal(store_machine_update(s, &cur), 0));
        machine_done(&cur);

        EXPECT_BUMP(s, true, assert_int_equal(store_image_remove(s, "b", false), 0));
        EXPECT_BUMP(s, true, assert_int_equal(store_machine_remove(s, &m), 0));
}

static void test_boot_contacts_do_not_bump(void **state)
{
        struct fixture *f = *state;
        struct store *s = f->s;
        add_image(s, "a", "", true);
        struct mac known = mac_of("52:54:00:00:00:02");
        struct machine mc = {.mac = known, .notes = "", .netboot = true, .image = "a"};
        assert_int_equal(store_machine_add(s, &mc), 0);
        struct boot_event ev[2] = {
            {.mac = known, .time = 1000, .stage = "script"},
            {.mac = mac_of("52:54:00:00:00:03"), .time = 1001, .stage = "script"}};
        /* last_seen of a known machine, and a discovered one created. */
        EXPECT_BUMP(s, false, assert_int_equal(store_record_events(s, ev, 2, 1000), 0));
        struct machine d;
        assert_int_equal(store_machine_get(s, &ev[1].mac, &d), 0);
        assert_int_equal(d.state, MACHINE_DISCOVERED);
        machine_done(&d);
}

/* The CLI is another process: another connection's commit must show, at
 * once on SQLite, within a second on PostgreSQL (the NOTIFY in flight). */
static void test_other_connection_sees_bump(void **state)
{
        struct fixture *f = *state;
        struct store *other;
        assert_int_equal(store_open(f->db, &other), 0);
        int64_t g0 = gen(f->s);
        add_image(other, "c", "", true);
        int64_t g = gen(f->s);
        for (int i = 0; i < 100 && g == g0 && tu_pg_url(); i++) {
                usleep(10000);
                g = gen(f->s);
        }
        assert_true(g > g0);
        store_close(other);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_inventory_writes_bump, setup, teardown),
            cmocka_unit_test_setup_teardown(test_boot_contacts_do_not_bump, setup, teardown),
            cmocka_unit_test_setup_teardown(test_other_connection_sees_bump, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
