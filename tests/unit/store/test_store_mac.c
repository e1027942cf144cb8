/* MACs that cannot be a machine's (broadcast, all-zero, multicast) are
 * refused by the store on every path: store_machine_add/update (API, CLI)
 * fail with -EINVAL and field "mac"; boot contacts (DHCP, TFTP, HTTP, via
 * store_record_events) create no discovered machine and no event for them. */
#include "../test_util.h"

#include <errno.h>

#include "../store_fixture.h"

static void test_add_refused(void **state)
{
        struct fixture *f = *state;
        static const char *const bad[] = {"ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00",
                                          "01:00:5e:00:00:01"};
        for (size_t i = 0; i < 3; i++) {
                struct machine m = {.mac = mac_of(bad[i]), .notes = "", .netboot = true};
                assert_int_equal(store_machine_add(f->s, &m), -EINVAL);
                assert_string_equal(store_errfield(f->s), "mac");
                assert_non_null(strstr(store_errmsg(f->s), "not a machine's address"));
                struct machine got;
                assert_int_equal(store_machine_get(f->s, &m.mac, &got), -ENOENT);
        }
        struct machine ok = {.mac = mac_of("52:54:00:00:00:01"), .notes = "", .netboot = true};
        assert_int_equal(store_machine_add(f->s, &ok), 0);
}

static void test_boot_contacts_create_nothing(void **state)
{
        struct fixture *f = *state;
        struct boot_event evs[4] = {
            {.time = 1000, .mac = mac_of("ff:ff:ff:ff:ff:ff"), .stage = "dhcp"},
            {.time = 1001, .mac = mac_of("52:54:00:00:00:02"), .stage = "tftp"},
            {.time = 1002, .mac = mac_of("00:00:00:00:00:00"), .stage = "script"},
            {.time = 1003, .mac = mac_of("33:33:00:00:00:01"), .stage = "script"},
        };
        assert_int_equal(store_record_events(f->s, evs, 4, 0), 0);
        struct machine *ms;
        size_t n;
        int64_t total;
        struct machine_filter all = {.state = -1};
        assert_int_equal(store_machine_list(f->s, &all, &ms, &n, &total), 0);
        assert_int_equal(n, 1);
        char s[MAC_STR_LEN];
        mac_format(&ms[0].mac, s);
        assert_string_equal(s, "52:54:00:00:00:02");
        machine_list_free(ms, n);
        struct boot_event *got;
        assert_int_equal(store_events_list(f->s, NULL, 0, 100, &got, &n), 0);
        assert_int_equal(n, 1);
        free(got);
        /* A batch of nothing but bad MACs is fine too. */
        assert_int_equal(store_record_events(f->s, evs, 1, 0), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_add_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_boot_contacts_create_nothing, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
