/* The DHCP server's inventory snapshot: answers through the boot inventory
 * interface, reloads when another connection writes, keeps the last good
 * snapshot when a reload fails, reservations, event de-duplication. */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>
#include <sqlite3.h>

#include "dhcp/dhcp_inventory.h"

static int machine_of(struct dhcp_inventory *inv, const struct mac *mac, const struct machine **ret)
{
        return boot_inventory_machine(dhcp_inventory_view(inv), mac, ret);
}

static int owner_of(struct dhcp_inventory *inv, uint32_t ip, struct mac *ret)
{
        return boot_inventory_reservation(dhcp_inventory_view(inv), ip, ret);
}

static void test_snapshot_and_reload(void **state)
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
        const struct machine *got;
        assert_int_equal(machine_of(inv, &mac, &got), -ENOENT);
        struct mac owner;
        assert_int_equal(owner_of(inv, 0xc6120032u, &owner), -ENOENT);

        /* The API (another connection) adds the machine with a reservation. */
        struct machine m = {
            .mac = mac, .ipv4 = 0xc6120032u, .netboot = true, .boot_file = "snponly.efi"};
        assert_int_equal(store_machine_add(other, &m), 0);
        /* The snapshot stands until refreshed ... */
        assert_int_equal(machine_of(inv, &mac, &got), -ENOENT);
        assert_int_equal(dhcp_inventory_refresh(inv), 0);
        /* ... then it has it, and its reservation. */
        assert_int_equal(machine_of(inv, &mac, &got), 0);
        assert_string_equal(got->boot_file, "snponly.efi");
        assert_int_equal(owner_of(inv, 0xc6120032u, &owner), 0);
        assert_true(mac_equal(&owner, &mac));

        /* Nothing changed: a refresh keeps the snapshot (same records). */
        assert_int_equal(dhcp_inventory_refresh(inv), 0);
        const struct machine *again;
        assert_int_equal(machine_of(inv, &mac, &again), 0);
        assert_ptr_equal(again, got);

        /* A machine that only booted once (discovered) is not managed: to
         * DHCP it is unknown, as before it was seen. */
        struct boot_event ev = {.mac = {{2, 0, 0, 0, 0, 2}}, .stage = "dhcp"};
        assert_int_equal(store_record_events(other, &ev, 1, 1000), 0);
        assert_int_equal(dhcp_inventory_refresh(inv), 0);
        assert_int_equal(machine_of(inv, &ev.mac, &got), -ENOENT);

        /* Many managed machines: each found, each reservation indexed. */
        for (int i = 0; i < 300; i++) {
                struct machine x = {.mac = {{4, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}},
                                    .ipv4 = 0xc6130000u + (uint32_t)i,
                                    .netboot = true};
                assert_int_equal(store_machine_add(other, &x), 0);
        }
        assert_int_equal(dhcp_inventory_refresh(inv), 0);
        for (int i = 0; i < 300; i++) {
                struct mac x = {{4, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}};
                assert_int_equal(machine_of(inv, &x, &got), 0);
                assert_int_equal(owner_of(inv, 0xc6130000u + (uint32_t)i, &owner), 0);
                assert_true(mac_equal(&owner, &x));
        }
        assert_int_equal(owner_of(inv, 0xc6130000u + 300, &owner), -ENOENT);

        dhcp_inventory_free(inv);
        store_close(other);
        store_close(s);
        tu_rmdir(dir);
}

/* A reload that fails keeps the last good snapshot; before any snapshot,
 * reservations are unknown (the allocator then refuses the address). */
static void test_failed_reload_keeps_last(void **state)
{
        char *dir = tu_tmpdir();
        char path[256];
        snprintf(path, sizeof(path), "%s/db", dir);
        struct store *s, *other;
        assert_int_equal(store_open(path, &s), 0);
        assert_int_equal(store_open(path, &other), 0);
        struct machine m = {.mac = {{2, 0, 0, 0, 0, 9}}, .ipv4 = 0xc6120009u, .netboot = true};
        assert_int_equal(store_machine_add(other, &m), 0);
        struct dhcp_inventory *inv;
        assert_int_equal(dhcp_inventory_new(s, &inv), 0);
        struct mac owner;
        assert_int_equal(owner_of(inv, 0xc6120009u, &owner), 0);

        /* Another connection holds the write lock with a change pending:
         * our reads still work (WAL), so make the reload fail for real by
         * dropping the table under it. */
        assert_int_equal(store_machine_remove(other, &m.mac), 0);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(
            sqlite3_exec(db, "ALTER TABLE machine RENAME TO machine_gone", NULL, NULL, NULL),
            SQLITE_OK);
        assert_true(dhcp_inventory_refresh(inv) < 0);
        /* The last good snapshot still answers. */
        assert_int_equal(owner_of(inv, 0xc6120009u, &owner), 0);
        assert_int_equal(
            sqlite3_exec(db, "ALTER TABLE machine_gone RENAME TO machine", NULL, NULL, NULL),
            SQLITE_OK);
        sqlite3_close(db);
        assert_int_equal(dhcp_inventory_refresh(inv), 0);
        assert_int_equal(owner_of(inv, 0xc6120009u, &owner), -ENOENT);
        dhcp_inventory_free(inv);
        store_close(other);
        store_close(s);
        tu_rmdir(dir);
}

static void test_event_windows(void **state)
{
        char *dir = tu_tmpdir();
        char path[256];
        snprintf(path, sizeof(path), "%s/db", dir);
        struct store *s;
        assert_int_equal(store_open(path, &s), 0);
        struct dhcp_inventory *inv;
        assert_int_equal(dhcp_inventory_new(s, &inv), 0);
        struct mac mac = {{2, 0, 0, 0, 0, 1}};
        /* One per outcome and window. */
        assert_true(dhcp_inventory_event_due(inv, &mac, 7, 1000, 5000));
        assert_false(dhcp_inventory_event_due(inv, &mac, 7, 2000, 5000));
        assert_true(dhcp_inventory_event_due(inv, &mac, 8, 2001, 5000));
        assert_true(dhcp_inventory_event_due(inv, &mac, 8, 7001, 5000));
        /* Many distinct MACs: the table starts over rather than grow. */
        for (int i = 0; i < 70000; i++) {
                struct mac x = {{4, 0, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
                assert_true(dhcp_inventory_event_due(inv, &x, 1, 1000, 5000));
        }
        dhcp_inventory_free(inv);
        store_close(s);
        tu_rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_snapshot_and_reload),
            cmocka_unit_test(test_failed_reload_keeps_last),
            cmocka_unit_test(test_event_windows),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
