/* store_copy(): a SQLite inventory copied into an empty store (SQLite here,
 * PostgreSQL in the _pg run) arrives whole: every table, NULLs and blobs
 * kept, the newest events only; a second copy into the now non-empty
 * database is refused and changes nothing. */
#include "../test_util.h"

#include <errno.h>

#include "../store_fixture.h"

static void hash_of(uint8_t h[STORE_SECRET_HASH_LEN], int seed)
{
        memset(h, seed, STORE_SECRET_HASH_LEN);
}

/* The source: every kind of row, with the NULLs the schema allows. */
static void populate(struct store *s)
{
        char *initrds[] = {"deb/ucode.img", "deb/initrd.gz"};
        struct image deb = {.name = "debian-12",
                            .kernel = "deb/linux",
                            .initrds = initrds,
                            .n_initrds = 2,
                            .cmdline = "quiet",
                            .description = "Debian",
                            .kernel_arm64 = "deb/arm64/linux",
                            .initrds_arm64 = initrds,
                            .n_initrds_arm64 = 1};
        assert_int_equal(store_image_put(s, &deb, true), 0);
        struct image win = {.name = "win",
                            .script = "#!ipxe\nsanboot x\n",
                            .grub_script = "chainloader x\n",
                            .description = ""};
        assert_int_equal(store_image_put(s, &win, true), 0);
        struct machine a = {.mac = mac_of("52:54:00:00:00:01"),
                            .hostname = "node1",
                            .image = "debian-12",
                            .ipv4 = 0xC6120A0A,
                            .notes = "rack 4"};
        a.netboot = true;
        assert_int_equal(store_machine_add(s, &a), 0);
        struct machine b = {.mac = mac_of("52:54:00:00:00:02"),
                            .notes = "",
                            .boot_file = "snponly.efi",
                            .netboot = false};
        assert_int_equal(store_machine_add(s, &b), 0);
        store_set_origin("old-server");
        struct boot_event ev[5];
        for (int i = 0; i < 5; i++) {
                ev[i] = (struct boot_event){.time = 1000 + i, .mac = mac_of("52:54:00:00:00:03")};
                snprintf(ev[i].stage, sizeof(ev[i].stage), "%s", i % 2 ? "tftp" : "dhcp");
                snprintf(ev[i].detail, sizeof(ev[i].detail), "event %d", i);
        }
        assert_int_equal(store_record_events(s, ev, 5, 1000), 0);
        struct lease l[2] = {
            {.ip = 0xC6120A14,
             .mac = a.mac,
             .subnet = "",
             .state = LEASE_BOUND,
             .starts = 5,
             .ends = 9,
             .client_id_len = 3,
             .client_id = {1, 0, 0xff},
             .hostname = "node1"},
            {.ip = 0xC6120A15,
             .mac = b.mac,
             .subnet = "lab",
             .state = LEASE_OFFERED,
             .starts = 6,
             .ends = 7},
        };
        assert_int_equal(store_lease_put_many(s, l, 2), 0);
        assert_int_equal(store_user_add(s, "admin", "$argon2id$v=19$fake", AUTH_ROLE_ADMIN), 0);
        uint8_t h[STORE_SECRET_HASH_LEN];
        hash_of(h, 1);
        assert_int_equal(store_token_add(s, "ci", h, AUTH_ROLE_ADMIN), 0);
        hash_of(h, 2);
        assert_int_equal(store_token_add(s, "dash", h, AUTH_ROLE_VIEWER), 0);
        struct api_token t;
        assert_int_equal(store_token_lookup(s, h, store_now_ms(), &t), 0); /* last_used set */
        free(t.name);
}

static void check_copy(struct store *d)
{
        struct image img;
        assert_int_equal(store_image_get(d, "debian-12", &img), 0);
        assert_int_equal(img.n_initrds, 2);
        assert_string_equal(img.initrds[1], "deb/initrd.gz");
        assert_string_equal(img.kernel_arm64, "deb/arm64/linux");
        assert_int_equal(img.n_initrds_arm64, 1);
        assert_null(img.script);
        image_done(&img);
        assert_int_equal(store_image_get(d, "win", &img), 0);
        assert_string_equal(img.script, "#!ipxe\nsanboot x\n");
        assert_string_equal(img.grub_script, "chainloader x\n");
        image_done(&img);

        struct machine m;
        struct mac mac = mac_of("52:54:00:00:00:01");
        assert_int_equal(store_machine_get(d, &mac, &m), 0);
        assert_string_equal(m.image, "debian-12");
        assert_int_equal(m.ipv4, 0xC6120A0A);
        assert_int_equal(m.state, MACHINE_ASSIGNED);
        assert_int_equal(m.first_seen, 0); /* NULL stays NULL */
        machine_done(&m);
        mac = mac_of("52:54:00:00:00:02");
        assert_int_equal(store_machine_get(d, &mac, &m), 0);
        assert_null(m.hostname);
        assert_int_equal(m.ipv4, 0);
        assert_false(m.netboot);
        assert_string_equal(m.boot_file, "snponly.efi");
        machine_done(&m);
        mac = mac_of("52:54:00:00:00:03");
        assert_int_equal(store_machine_get(d, &mac, &m), 0);
        assert_int_equal(m.state, MACHINE_DISCOVERED);
        assert_int_equal(m.first_seen, 1000);
        assert_int_equal(m.last_seen, 1004);
        assert_string_equal(m.last_server, "old-server");
        machine_done(&m);

        struct lease l;
        assert_int_equal(store_lease_get(d, 0xC6120A14, &l), 0);
        assert_int_equal(l.client_id_len, 3);
        assert_int_equal(l.client_id[2], 0xff);
        assert_int_equal(l.state, LEASE_BOUND);
        assert_string_equal(l.hostname, "node1");
        assert_int_equal(store_lease_get(d, 0xC6120A15, &l), 0);
        assert_int_equal(l.client_id_len, 0);
        assert_string_equal(l.subnet, "lab");

        struct user u;
        assert_int_equal(store_user_get(d, "admin", &u), 0);
        assert_string_equal(u.password_hash, "$argon2id$v=19$fake");
        user_done(&u);
        uint8_t h[STORE_SECRET_HASH_LEN];
        hash_of(h, 1);
        struct api_token t;
        assert_int_equal(store_token_lookup(d, h, 0, &t), 0);
        assert_string_equal(t.name, "ci");
        assert_int_equal(t.last_used, 0);
        free(t.name);

        struct boot_event *evs;
        size_t n;
        assert_int_equal(store_events_list(d, NULL, 0, 10, &evs, &n), 0);
        assert_int_equal(n, 3); /* the newest 3 */
        assert_string_equal(evs[0].detail, "event 4");
        assert_string_equal(evs[2].detail, "event 2");
        assert_string_equal(evs[0].server, "old-server");
        free(evs);
}

static void test_copy_whole_inventory(void **state)
{
        struct fixture *f = *state;
        char path[700];
        snprintf(path, sizeof(path), "%s/source.db", f->dir);
        struct store *src;
        assert_int_equal(store_open(path, &src), 0);
        populate(src);
        /* One audited change: the audit log moves too. */
        store_set_actor(src, "cli:test");
        assert_int_equal(store_user_set_password(src, "admin", "$argon2id$v=19$fake"), 0);
        store_set_actor(src, NULL);

        struct store_copy_counts n;
        assert_int_equal(store_copy(src, f->s, 3, &n), 0);
        assert_int_equal(n.audit, 1);
        struct audit_filter af = {0};
        struct audit_entry *ae;
        size_t n_ae;
        assert_int_equal(store_audit_list(f->s, &af, &ae, &n_ae, NULL), 0);
        assert_int_equal(n_ae, 1);
        assert_string_equal(ae[0].actor, "cli:test");
        assert_string_equal(ae[0].action, "user.password");
        audit_list_free(ae, n_ae);
        assert_int_equal(n.images, 2);
        assert_int_equal(n.initrds, 2);
        assert_int_equal(n.initrds_arm64, 1);
        assert_int_equal(n.machines, 3);
        assert_int_equal(n.leases, 2);
        assert_int_equal(n.users, 1);
        assert_int_equal(n.tokens, 2);
        assert_int_equal(n.events, 3);
        check_copy(f->s);

        /* Never into a database that holds an inventory: refused, unchanged. */
        int64_t gen0, gen1;
        assert_int_equal(store_script_generation(f->s, &gen0), 0);
        assert_int_equal(store_copy(src, f->s, 3, &n), -EEXIST);
        assert_non_null(strstr(store_errmsg(f->s), "already holds 2 images"));
        check_copy(f->s);
        assert_int_equal(store_script_generation(f->s, &gen1), 0);
        assert_int_equal(gen1, gen0);
        store_close(src);
}

/* An empty source copies nothing and verifies. */
static void test_copy_empty(void **state)
{
        struct fixture *f = *state;
        char path[700];
        snprintf(path, sizeof(path), "%s/empty.db", f->dir);
        struct store *src;
        assert_int_equal(store_open(path, &src), 0);
        struct store_copy_counts n;
        assert_int_equal(store_copy(src, f->s, 100, &n), 0);
        assert_int_equal(n.machines + n.images + n.events, 0);
        store_close(src);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_copy_whole_inventory, setup, teardown),
            cmocka_unit_test_setup_teardown(test_copy_empty, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
