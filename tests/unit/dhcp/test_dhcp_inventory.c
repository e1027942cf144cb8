/* The DHCP server's cached inventory view: reads, invalidation when another
 * connection writes, reservations, event de-duplication. */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>

#include "dhcp/dhcp_inventory.h"

static void test_cache_and_invalidation(void **state)
{
        char *dir = tu_tmpdir();
        char path[256];
        snprintf(path, sizeof(path), "%s/db", dir);
        struct store *s, *other;
        assert_int_equal(store_open(path, &s), 0);
        assert_int_equal(store_open(path, &other), 0);
        struct dhcp_inventory *inv;
        assert_int_equal(dhcp_inventory_new(s, &inv), 0);

        struct mac mac = {{2, 0, 0, 0, 0, 1}};
        assert_null(dhcp_inventory_machine(inv, &mac));
        struct mac owner;
        assert_int_equal(dhcp_inventory_reserved(inv, 0xc6120032u, &owner), -ENOENT);

        /* The API (another connection) adds the machine with a reservation. */
        struct machine m = {
            .mac = mac, .ipv4 = 0xc6120032u, .netboot = true, .boot_file = "snponly.efi"};
        assert_int_equal(store_machine_add(other, &m), 0);
        /* Cached until refreshed ... */
        assert_null(dhcp_inventory_machine(inv, &mac));
        dhcp_inventory_refresh(inv);
        /* ... then read again. */
        const struct machine *got = dhcp_inventory_machine(inv, &mac);
        assert_non_null(got);
        assert_string_equal(got->boot_file, "snponly.efi");
        assert_int_equal(dhcp_inventory_reserved(inv, 0xc6120032u, &owner), 0);
        assert_true(mac_equal(&owner, &mac));

        /* Nothing changed: a refresh keeps the cache. */
        dhcp_inventory_refresh(inv);
        assert_ptr_equal(dhcp_inventory_machine(inv, &mac), got);

        /* Events: one per outcome and window. */
        assert_true(dhcp_inventory_event_due(inv, &mac, 7, 1000, 5000));
        assert_false(dhcp_inventory_event_due(inv, &mac, 7, 2000, 5000));
        assert_true(dhcp_inventory_event_due(inv, &mac, 8, 2001, 5000));
        assert_true(dhcp_inventory_event_due(inv, &mac, 8, 7001, 5000));

        /* Many distinct MACs: the table starts over rather than grow. */
        for (int i = 0; i < 70000; i++) {
                struct mac x = {{4, 0, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
                assert_null(dhcp_inventory_machine(inv, &x));
        }
        assert_non_null(dhcp_inventory_machine(inv, &mac));

        dhcp_inventory_free(inv);
        store_close(other);
        store_close(s);
        tu_rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_cache_and_invalidation),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
