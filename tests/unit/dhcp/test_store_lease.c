/* Lease rows: put/list/get/delete, reservations, fsync switch. */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>

#include "store/store.h"

static void test_lease_rows(void **state)
{
        char *dir = tu_tmpdir();
        char path[256];
        snprintf(path, sizeof(path), "%s/db", dir);
        struct store *s;
        assert_int_equal(store_open(path, &s), 0);

        struct lease l[3];
        memset(l, 0, sizeof(l));
        for (int i = 0; i < 3; i++) {
                l[i].ip = 0xc6120064u + (uint32_t)i;
                l[i].mac = (struct mac){{0x52, 0x54, 0, 0, 0, (uint8_t)i}};
                l[i].client_id[0] = 1;
                l[i].client_id_len = 7;
                l[i].state = LEASE_BOUND;
                l[i].starts = 1000;
                l[i].ends = 5000 + i;
        }
        snprintf(l[1].hostname, sizeof(l[1].hostname), "node1");
        snprintf(l[2].subnet, sizeof(l[2].subnet), "far");
        assert_int_equal(store_lease_put_many(s, l, 3), 0);

        struct lease *all;
        size_t n;
        assert_int_equal(store_lease_list(s, &all, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(all[0].ip, 0xc6120064u);
        assert_int_equal(all[2].ends, 5002);
        assert_string_equal(all[1].hostname, "node1");
        assert_string_equal(all[2].subnet, "far");
        assert_int_equal(all[0].client_id_len, 7);
        free(all);

        /* Replace by address. */
        l[0].state = LEASE_RELEASED;
        assert_int_equal(store_lease_put_many(s, l, 1), 0);
        struct lease g;
        assert_int_equal(store_lease_get(s, l[0].ip, &g), 0);
        assert_int_equal(g.state, LEASE_RELEASED);
        /* Same client (updated in place): cleared fields are cleared. */
        l[1].client_id_len = 0;
        l[1].hostname[0] = 0;
        l[1].ends = 9001;
        assert_int_equal(store_lease_put_many(s, &l[1], 1), 0);
        assert_int_equal(store_lease_get(s, l[1].ip, &g), 0);
        assert_int_equal(g.ends, 9001);
        assert_int_equal(g.client_id_len, 0);
        assert_string_equal(g.hostname, "");
        assert_true(mac_equal(&g.mac, &l[1].mac));
        /* Another client on the same address replaces the row. */
        l[2].mac.b[5] = 0x77;
        l[2].state = LEASE_OFFERED;
        assert_int_equal(store_lease_put_many(s, &l[2], 1), 0);
        assert_int_equal(store_lease_get(s, l[2].ip, &g), 0);
        assert_true(mac_equal(&g.mac, &l[2].mac));
        assert_int_equal(g.state, LEASE_OFFERED);
        struct mac found;
        assert_int_equal(store_lease_find_mac(s, l[2].ip, &found), 0);
        assert_true(mac_equal(&found, &l[2].mac));
        assert_int_equal(store_lease_delete(s, l[0].ip), 0);
        assert_int_equal(store_lease_get(s, l[0].ip, &g), -ENOENT);
        assert_int_equal(store_lease_delete(s, l[0].ip), -ENOENT);

        /* Reservations come from machine.ipv4. */
        struct machine m = {.mac = {{2, 0, 0, 0, 0, 9}}, .ipv4 = 0xc6120032u, .netboot = true};
        assert_int_equal(store_machine_add(s, &m), 0);
        struct mac owner;
        assert_int_equal(store_lease_reservation(s, 0xc6120032u, &owner), 0);
        assert_true(mac_equal(&owner, &m.mac));
        assert_int_equal(store_lease_reservation(s, 0xc6120033u, &owner), -ENOENT);

        assert_int_equal(store_set_fsync(s, true), 0);
        assert_int_equal(store_lease_put_many(s, l, 1), 0);
        assert_int_equal(store_set_fsync(s, false), 0);

        enum lease_state st;
        assert_int_equal(lease_state_parse("declined", &st), 0);
        assert_int_equal(st, LEASE_DECLINED);
        assert_int_equal(lease_state_parse("nope", &st), -EINVAL);
        assert_string_equal(lease_state_name(LEASE_EXPIRED), "expired");
        store_close(s);
        tu_rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_lease_rows),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
