/* The SQLite inventory store (src/store/): images, machines, boot events,
 * schema migrations (from an empty and from a version-1 database), and
 * read consistency between connections. */
#include "../test_util.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>

#include "core/validate.h"
#include "store/store.h"

#include "../store_fixture.h"

static uint32_t ip_of(const char *s)
{
        uint32_t a;
        assert_int_equal(validate_ipv4(s, &a), 0);
        return a;
}

/* Expects err from the last call, the field it names, and a one-line message. */
static void expect_fail(struct store *s, int got, int want, const char *field)
{
        if (got != want)
                print_error("got %d, want %d: %s\n", got, want, store_errmsg(s));
        assert_int_equal(got, want);
        if (field) {
                assert_non_null(store_errfield(s));
                assert_string_equal(store_errfield(s), field);
        }
        assert_true(strlen(store_errmsg(s)) > 0);
        assert_null(strchr(store_errmsg(s), '\n'));
}

static void add_image(struct store *s, const char *name, const char *kernel)
{
        struct image img = {.name = (char *)name, .kernel = (char *)kernel, .cmdline = "quiet"};
        int r = store_image_put(s, &img, true);
        if (r < 0)
                print_error("%s\n", store_errmsg(s));
        assert_int_equal(r, 0);
}

static void add_machine(struct store *s, const char *mac, const char *image, const char *ip)
{
        struct machine m = {.mac = mac_of(mac), .image = (char *)image, .netboot = true};
        if (ip)
                m.ipv4 = ip_of(ip);
        int r = store_machine_add(s, &m);
        if (r < 0)
                print_error("%s\n", store_errmsg(s));
        assert_int_equal(r, 0);
}

static void get_machine(struct store *s, const char *mac, struct machine *ret)
{
        struct mac m = mac_of(mac);
        int r = store_machine_get(s, &m, ret);
        if (r < 0)
                print_error("%s\n", store_errmsg(s));
        assert_int_equal(r, 0);
}

static struct boot_event event(const char *mac, int64_t t, const char *stage)
{
        struct boot_event e = {.time = t, .mac = mac_of(mac)};
        snprintf(e.stage, sizeof(e.stage), "%s", stage);
        snprintf(e.detail, sizeof(e.detail), "detail %s", stage);
        snprintf(e.peer, sizeof(e.peer), "198.18.0.5:1234");
        return e;
}

/* ---- images ---- */

static void test_image_crud(void **state)
{
        struct fixture *f = *state;
        char *initrds[] = {"debian/ucode.img", "debian/initrd.gz"};
        struct image img = {.name = "debian-12",
                            .kernel = "debian/linux",
                            .initrds = initrds,
                            .n_initrds = 2,
                            .cmdline = "console=ttyS0 hostname={{hostname}}",
                            .description = "Debian 12 netinst"};
        assert_int_equal(store_image_put(f->s, &img, true), 0);

        struct image got;
        assert_int_equal(store_image_get(f->s, "debian-12", &got), 0);
        assert_string_equal(got.name, "debian-12");
        assert_string_equal(got.kernel, "debian/linux");
        assert_int_equal(got.n_initrds, 2);
        assert_string_equal(got.initrds[0], "debian/ucode.img");
        assert_string_equal(got.initrds[1], "debian/initrd.gz");
        assert_string_equal(got.cmdline, "console=ttyS0 hostname={{hostname}}");
        assert_null(got.script);
        assert_string_equal(got.description, "Debian 12 netinst");
        assert_true(got.created > 0);
        assert_int_equal(got.created, got.updated);
        int64_t created = got.created;
        image_done(&got);

        /* Replace: initrds replaced (order kept), created kept. */
        char *one[] = {"debian/initrd2.gz"};
        struct image upd = {.name = "debian-12",
                            .kernel = "http://mirror.example.org/linux",
                            .initrds = one,
                            .n_initrds = 1,
                            .cmdline = ""};
        assert_int_equal(store_image_put(f->s, &upd, false), 0);
        assert_int_equal(store_image_get(f->s, "debian-12", &got), 0);
        assert_string_equal(got.kernel, "http://mirror.example.org/linux");
        assert_int_equal(got.n_initrds, 1);
        assert_string_equal(got.initrds[0], "debian/initrd2.gz");
        assert_string_equal(got.description, "");
        assert_int_equal(got.created, created);
        assert_true(got.updated >= created);
        image_done(&got);

        /* A script-only image (wimboot, sanboot, ...). */
        struct image win = {.name = "win", .script = "#!ipxe\nsanboot {{server}}/x.iso\n"};
        assert_int_equal(store_image_put(f->s, &win, true), 0);
        assert_int_equal(store_image_get(f->s, "win", &got), 0);
        assert_string_equal(got.kernel, "");
        assert_string_equal(got.script, "#!ipxe\nsanboot {{server}}/x.iso\n");
        assert_int_equal(got.n_initrds, 0);
        assert_null(got.grub_script);
        image_done(&got);
        /* With a GRUB template too; "" stores none. */
        win.grub_script = "linux {{server}}/k\n";
        assert_int_equal(store_image_put(f->s, &win, false), 0);
        assert_int_equal(store_image_get(f->s, "win", &got), 0);
        assert_string_equal(got.grub_script, "linux {{server}}/k\n");
        image_done(&got);
        win.grub_script = "";
        assert_int_equal(store_image_put(f->s, &win, false), 0);
        assert_int_equal(store_image_get(f->s, "win", &got), 0);
        assert_null(got.grub_script);
        image_done(&got);

        struct image *list;
        size_t n;
        add_image(f->s, "alpine", "alpine/vmlinuz");
        assert_int_equal(store_image_list(f->s, &list, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(list[0].name, "alpine");
        assert_string_equal(list[1].name, "debian-12");
        assert_int_equal(list[1].n_initrds, 1);
        assert_string_equal(list[2].name, "win");
        image_list_free(list, n);

        assert_int_equal(store_image_remove(f->s, "alpine", false), 0);
        expect_fail(f->s, store_image_get(f->s, "alpine", &got), -ENOENT, NULL);
        expect_fail(f->s, store_image_remove(f->s, "alpine", false), -ENOENT, "name");
        image_done(NULL);
        image_list_free(NULL, 0);
}

/* Per-architecture files: kernel_arm64 + initrds_arm64 beside the image's
 * own (migration 11); replaced, and dropped, with the image. */
static void test_image_arm64(void **state)
{
        struct fixture *f = *state;
        char *initrds[] = {"deb/initrd.gz"};
        char *arm[] = {"deb/arm64/ucode.img", "deb/arm64/initrd.gz"};
        struct image img = {.name = "deb",
                            .kernel = "deb/vmlinuz",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .kernel_arm64 = "deb/arm64/vmlinuz",
                            .initrds_arm64 = arm,
                            .n_initrds_arm64 = 2};
        assert_int_equal(store_image_put(f->s, &img, true), 0);
        struct image got;
        assert_int_equal(store_image_get(f->s, "deb", &got), 0);
        assert_string_equal(got.kernel, "deb/vmlinuz");
        assert_int_equal(got.n_initrds, 1);
        assert_string_equal(got.kernel_arm64, "deb/arm64/vmlinuz");
        assert_int_equal(got.n_initrds_arm64, 2);
        assert_string_equal(got.initrds_arm64[0], "deb/arm64/ucode.img");
        assert_string_equal(got.initrds_arm64[1], "deb/arm64/initrd.gz");
        image_done(&got);
        struct image *list;
        size_t n;
        assert_int_equal(store_image_list(f->s, &list, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(list[0].kernel_arm64, "deb/arm64/vmlinuz");
        assert_int_equal(list[0].n_initrds_arm64, 2);
        image_list_free(list, n);

        /* Replaced without arm64 files: gone. */
        struct image plain = {.name = "deb", .kernel = "deb/vmlinuz"};
        assert_int_equal(store_image_put(f->s, &plain, false), 0);
        assert_int_equal(store_image_get(f->s, "deb", &got), 0);
        assert_string_equal(got.kernel_arm64, "");
        assert_int_equal(got.n_initrds_arm64, 0);
        image_done(&got);

        /* Validated like the image's own files. */
        struct image bad = {.name = "deb", .kernel = "deb/vmlinuz", .kernel_arm64 = "../x"};
        expect_fail(f->s, store_image_put(f->s, &bad, false), -EINVAL, "kernel_arm64");
        bad.kernel_arm64 = "";
        bad.initrds_arm64 = arm;
        bad.n_initrds_arm64 = 2;
        expect_fail(f->s, store_image_put(f->s, &bad, false), -EINVAL, "initrds_arm64");
        char *evil[] = {"a b"};
        bad.kernel_arm64 = "deb/arm64/vmlinuz";
        bad.initrds_arm64 = evil;
        bad.n_initrds_arm64 = 1;
        expect_fail(f->s, store_image_put(f->s, &bad, false), -EINVAL, "initrds_arm64");

        /* Removing the image removes its arm64 initrds (no orphans that a
         * new image of the same name would inherit). */
        img.n_initrds_arm64 = 2;
        assert_int_equal(store_image_put(f->s, &img, false), 0);
        assert_int_equal(store_image_remove(f->s, "deb", false), 0);
        struct image again = {.name = "deb", .kernel = "k", .kernel_arm64 = "k64"};
        assert_int_equal(store_image_put(f->s, &again, true), 0);
        assert_int_equal(store_image_get(f->s, "deb", &got), 0);
        assert_int_equal(got.n_initrds_arm64, 0);
        image_done(&got);
}

static void test_image_put_errors(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        struct image dup = {.name = "debian-12", .kernel = "x"};
        expect_fail(f->s, store_image_put(f->s, &dup, true), -EEXIST, "name");
        struct image missing = {.name = "nope", .kernel = "x"};
        expect_fail(f->s, store_image_put(f->s, &missing, false), -ENOENT, "name");
        assert_non_null(strstr(store_errmsg(f->s), "nope"));

        struct image bad = {.name = "Bad Name", .kernel = "x"};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "name");
        bad = (struct image){.kernel = "x"};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "name");
        bad = (struct image){.name = "a"};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "kernel");
        bad = (struct image){.name = "a", .kernel = "", .script = ""};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "kernel");
        bad = (struct image){.name = "a", .kernel = "../etc/passwd"};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "kernel");
        bad = (struct image){.name = "a", .kernel = "linux\nboot"};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "kernel");
        char *abs[] = {"ok.img", "/etc/shadow"};
        bad = (struct image){.name = "a", .kernel = "linux", .initrds = abs, .n_initrds = 2};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "initrds");
        char *many[33];
        for (int i = 0; i < 33; i++)
                many[i] = "x.img";
        bad = (struct image){.name = "a", .kernel = "linux", .initrds = many, .n_initrds = 33};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "initrds");
        bad = (struct image){.name = "a", .kernel = "linux", .cmdline = "quiet\nreboot"};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "cmdline");
        char *longc = malloc(70000);
        assert_non_null(longc);
        memset(longc, 'c', 69999);
        longc[69999] = '\0';
        longc[4097] = '\0';
        bad = (struct image){.name = "a", .kernel = "linux", .cmdline = longc};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "cmdline");
        longc[4097] = 'c';
        bad = (struct image){.name = "a", .script = longc};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "script");
        bad = (struct image){.name = "a", .kernel = "linux", .grub_script = longc};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "grub_script");
        free(longc);
        bad = (struct image){.name = "a", .kernel = "linux", .description = "two\nlines"};
        expect_fail(f->s, store_image_put(f->s, &bad, true), -EINVAL, "description");

        /* Nothing of the above was written. */
        struct image *list;
        size_t n;
        assert_int_equal(store_image_list(f->s, &list, &n), 0);
        assert_int_equal(n, 1);
        image_list_free(list, n);
}

static void test_image_remove_in_use(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        add_image(f->s, "other", "other/linux");
        add_machine(f->s, "52:54:00:00:00:02", "debian-12", NULL);
        add_machine(f->s, "52:54:00:00:00:01", "debian-12", NULL);
        add_machine(f->s, "52:54:00:00:00:03", "other", NULL);

        expect_fail(f->s, store_image_remove(f->s, "debian-12", false), -EBUSY, "name");
        const char *msg = store_errmsg(f->s);
        assert_non_null(strstr(msg, "52:54:00:00:00:01"));
        assert_non_null(strstr(msg, "52:54:00:00:00:02"));
        assert_null(strstr(msg, "52:54:00:00:00:03"));
        assert_non_null(strstr(msg, "2 machines"));
        struct image img;
        assert_int_equal(store_image_get(f->s, "debian-12", &img), 0);
        image_done(&img);

        assert_int_equal(store_image_remove(f->s, "debian-12", true), 0);
        expect_fail(f->s, store_image_get(f->s, "debian-12", &img), -ENOENT, NULL);
        struct machine m;
        get_machine(f->s, "52:54:00:00:00:01", &m);
        assert_null(m.image);
        assert_int_equal(m.state, MACHINE_UNASSIGNED);
        machine_done(&m);
        get_machine(f->s, "52:54:00:00:00:03", &m);
        assert_string_equal(m.image, "other");
        assert_int_equal(m.state, MACHINE_ASSIGNED);
        machine_done(&m);
}

static void test_image_remove_many_users_message(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "big", "linux");
        for (int i = 0; i < 40; i++) {
                char mac[18];
                snprintf(mac, sizeof(mac), "52:54:00:00:01:%02x", i);
                add_machine(f->s, mac, "big", NULL);
        }
        expect_fail(f->s, store_image_remove(f->s, "big", false), -EBUSY, "name");
        assert_non_null(strstr(store_errmsg(f->s), "40 machines"));
        assert_non_null(strstr(store_errmsg(f->s), "..."));
}

/* ---- machines ---- */

static void test_machine_add_get(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        struct machine m = {.mac = mac_of("52-54-00-AB-CD-01"),
                            .hostname = "node1",
                            .image = "debian-12",
                            .ipv4 = ip_of("198.18.0.10"),
                            .notes = "rack 4",
                            .boot_file = "snponly.efi",
                            .netboot = true};
        assert_int_equal(store_machine_add(f->s, &m), 0);
        struct machine got;
        get_machine(f->s, "52:54:00:ab:cd:01", &got);
        char mac[MAC_STR_LEN];
        mac_format(&got.mac, mac);
        assert_string_equal(mac, "52:54:00:ab:cd:01");
        assert_string_equal(got.hostname, "node1");
        assert_string_equal(got.image, "debian-12");
        assert_int_equal(got.ipv4, ip_of("198.18.0.10"));
        assert_string_equal(got.notes, "rack 4");
        assert_string_equal(got.boot_file, "snponly.efi");
        assert_true(got.netboot);
        assert_int_equal(got.state, MACHINE_ASSIGNED);
        assert_int_equal(got.first_seen, 0);
        assert_int_equal(got.last_seen, 0);
        assert_null(got.last_stage);
        assert_true(got.created > 0);
        machine_done(&got);

        add_machine(f->s, "52:54:00:ab:cd:02", NULL, NULL);
        get_machine(f->s, "52:54:00:ab:cd:02", &got);
        assert_int_equal(got.state, MACHINE_UNASSIGNED);
        assert_null(got.hostname);
        assert_null(got.image);
        assert_int_equal(got.ipv4, 0);
        assert_non_null(got.notes);
        assert_string_equal(got.notes, "");
        machine_done(&got);
        machine_done(NULL);
        machine_list_free(NULL, 0);

        struct mac absent = mac_of("52:54:00:ff:ff:ff");
        expect_fail(f->s, store_machine_get(f->s, &absent, &got), -ENOENT, "mac");
}

static void test_machine_add_errors(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        add_machine(f->s, "52:54:00:ab:cd:01", NULL, NULL);
        struct machine m = {.mac = mac_of("52:54:00:ab:cd:01"), .netboot = true};
        expect_fail(f->s, store_machine_add(f->s, &m), -EEXIST, "mac");
        m.mac = mac_of("52:54:00:ab:cd:02");
        m.image = "nope";
        expect_fail(f->s, store_machine_add(f->s, &m), -ENOENT, "image");
        m.image = "Not A Name";
        expect_fail(f->s, store_machine_add(f->s, &m), -EINVAL, "image");
        m.image = NULL;
        const char *bad_hosts[] = {"node1\nkernel x", "node 1", "node$1", "node;1", "-x", ""};
        for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
                m.hostname = (char *)bad_hosts[i];
                expect_fail(f->s, store_machine_add(f->s, &m), -EINVAL, "hostname");
        }
        m.hostname = NULL;
        const char *bad_ips[] = {"127.0.0.1", "0.0.0.5", "224.0.0.1", "255.255.255.255"};
        for (size_t i = 0; i < sizeof(bad_ips) / sizeof(bad_ips[0]); i++) {
                m.ipv4 = ip_of(bad_ips[i]);
                expect_fail(f->s, store_machine_add(f->s, &m), -EINVAL, "ip");
        }
        m.ipv4 = 0;
        m.notes = "bell\a";
        expect_fail(f->s, store_machine_add(f->s, &m), -EINVAL, "notes");
        m.notes = NULL;
        const char *bad_bf[] = {"../undionly.kpxe", "/usr/lib/ipxe/ipxe.efi", "http://x/ipxe.efi",
                                "a b"};
        for (size_t i = 0; i < sizeof(bad_bf) / sizeof(bad_bf[0]); i++) {
                m.boot_file = (char *)bad_bf[i];
                expect_fail(f->s, store_machine_add(f->s, &m), -EINVAL, "boot_file");
        }
        m.boot_file = NULL;
        /* Nothing of the above was written. */
        struct machine got;
        expect_fail(f->s, store_machine_get(f->s, &m.mac, &got), -ENOENT, "mac");
}

static void test_machine_adopt_discovered(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        struct boot_event e = event("52:54:00:ab:cd:01", 1000000, "script");
        assert_int_equal(store_record_events(f->s, &e, 1, 0), 0);
        struct machine got;
        get_machine(f->s, "52:54:00:ab:cd:01", &got);
        assert_int_equal(got.state, MACHINE_DISCOVERED);
        assert_true(got.netboot);
        machine_done(&got);

        /* Adding a discovered machine adopts it and keeps its history. */
        struct machine m = {.mac = mac_of("52:54:00:ab:cd:01"),
                            .hostname = "node1",
                            .image = "debian-12",
                            .netboot = true};
        assert_int_equal(store_machine_add(f->s, &m), 0);
        get_machine(f->s, "52:54:00:ab:cd:01", &got);
        assert_int_equal(got.state, MACHINE_ASSIGNED);
        assert_string_equal(got.hostname, "node1");
        assert_int_equal(got.first_seen, 1000000);
        assert_int_equal(got.last_seen, 1000000);
        assert_string_equal(got.last_stage, "script");
        machine_done(&got);
        /* Once managed, adding again is a conflict. */
        expect_fail(f->s, store_machine_add(f->s, &m), -EEXIST, "mac");
}

static void test_machine_update(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        add_machine(f->s, "52:54:00:ab:cd:01", "debian-12", "198.18.0.10");
        struct machine m;
        get_machine(f->s, "52:54:00:ab:cd:01", &m);
        free(m.image);
        m.image = NULL;
        m.hostname = strdup("renamed");
        m.ipv4 = ip_of("198.18.0.11");
        free(m.notes);
        m.notes = strdup("moved");
        m.netboot = false;
        assert_int_equal(store_machine_update(f->s, &m), 0);
        machine_done(&m);
        get_machine(f->s, "52:54:00:ab:cd:01", &m);
        assert_null(m.image);
        assert_int_equal(m.state, MACHINE_UNASSIGNED);
        assert_string_equal(m.hostname, "renamed");
        assert_int_equal(m.ipv4, ip_of("198.18.0.11"));
        assert_string_equal(m.notes, "moved");
        assert_false(m.netboot);
        m.image = strdup("debian-12");
        assert_int_equal(store_machine_update(f->s, &m), 0);
        machine_done(&m);
        get_machine(f->s, "52:54:00:ab:cd:01", &m);
        assert_int_equal(m.state, MACHINE_ASSIGNED);
        free(m.image);
        m.image = strdup("ghost");
        expect_fail(f->s, store_machine_update(f->s, &m), -ENOENT, "image");
        free(m.hostname);
        m.hostname = strdup("bad\nname");
        expect_fail(f->s, store_machine_update(f->s, &m), -EINVAL, "hostname");
        machine_done(&m);

        struct machine absent = {.mac = mac_of("52:54:00:00:00:99"), .netboot = true};
        expect_fail(f->s, store_machine_update(f->s, &absent), -ENOENT, "mac");
}

static void test_machine_assign_unassign_remove(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        add_machine(f->s, "52:54:00:ab:cd:01", NULL, NULL);
        struct mac mac = mac_of("52:54:00:ab:cd:01");
        assert_int_equal(store_machine_assign(f->s, &mac, "debian-12"), 0);
        struct machine m;
        get_machine(f->s, "52:54:00:ab:cd:01", &m);
        assert_string_equal(m.image, "debian-12");
        assert_int_equal(m.state, MACHINE_ASSIGNED);
        machine_done(&m);

        expect_fail(f->s, store_machine_assign(f->s, &mac, "ghost"), -ENOENT, "image");
        expect_fail(f->s, store_machine_assign(f->s, &mac, "Bad Name"), -EINVAL, "image");
        struct mac absent = mac_of("52:54:00:00:00:99");
        expect_fail(f->s, store_machine_assign(f->s, &absent, "debian-12"), -ENOENT, "mac");

        assert_int_equal(store_machine_assign(f->s, &mac, NULL), 0);
        get_machine(f->s, "52:54:00:ab:cd:01", &m);
        assert_null(m.image);
        assert_int_equal(m.state, MACHINE_UNASSIGNED);
        machine_done(&m);

        /* assign_many is all or nothing. */
        add_machine(f->s, "52:54:00:ab:cd:02", NULL, NULL);
        struct mac macs[3] = {mac, mac_of("52:54:00:ab:cd:02"), absent};
        expect_fail(f->s, store_machine_assign_many(f->s, macs, 3, "debian-12"), -ENOENT, "mac");
        get_machine(f->s, "52:54:00:ab:cd:01", &m);
        assert_null(m.image);
        machine_done(&m);
        assert_int_equal(store_machine_assign_many(f->s, macs, 2, "debian-12"), 0);
        get_machine(f->s, "52:54:00:ab:cd:02", &m);
        assert_string_equal(m.image, "debian-12");
        machine_done(&m);

        assert_int_equal(store_machine_remove(f->s, &mac), 0);
        expect_fail(f->s, store_machine_get(f->s, &mac, &m), -ENOENT, "mac");
        expect_fail(f->s, store_machine_remove(f->s, &mac), -ENOENT, "mac");
}

static void test_unique_ipv4(void **state)
{
        struct fixture *f = *state;
        add_machine(f->s, "52:54:00:00:00:01", NULL, "198.18.0.10");
        struct machine m = {
            .mac = mac_of("52:54:00:00:00:02"), .ipv4 = ip_of("198.18.0.10"), .netboot = true};
        expect_fail(f->s, store_machine_add(f->s, &m), -EEXIST, "ip");
        assert_non_null(strstr(store_errmsg(f->s), "198.18.0.10"));
        m.ipv4 = ip_of("198.18.0.11");
        assert_int_equal(store_machine_add(f->s, &m), 0);
        m.ipv4 = ip_of("198.18.0.10");
        expect_fail(f->s, store_machine_update(f->s, &m), -EEXIST, "ip");
        /* Several machines without a reservation are fine. */
        add_machine(f->s, "52:54:00:00:00:03", NULL, NULL);
        add_machine(f->s, "52:54:00:00:00:04", NULL, NULL);
        /* Released by the first machine, the address can move. */
        struct machine first;
        get_machine(f->s, "52:54:00:00:00:01", &first);
        first.ipv4 = 0;
        assert_int_equal(store_machine_update(f->s, &first), 0);
        machine_done(&first);
        assert_int_equal(store_machine_update(f->s, &m), 0);
        struct machine got;
        get_machine(f->s, "52:54:00:00:00:02", &got);
        assert_int_equal(got.ipv4, ip_of("198.18.0.10"));
        machine_done(&got);
}

static void list_expect(struct store *s, const struct machine_filter *flt, size_t n, int64_t total,
                        const char *first_mac)
{
        struct machine *ms = NULL;
        size_t got = 99;
        int64_t tot = -1;
        assert_int_equal(store_machine_list(s, flt, &ms, &got, &tot), 0);
        assert_int_equal(got, n);
        assert_int_equal(tot, total);
        if (first_mac) {
                char mac[MAC_STR_LEN];
                assert_true(got > 0);
                mac_format(&ms[0].mac, mac);
                assert_string_equal(mac, first_mac);
        }
        for (size_t i = 1; i < got; i++)
                assert_true(memcmp(ms[i - 1].mac.b, ms[i].mac.b, MAC_LEN) < 0);
        machine_list_free(ms, got);
}

static void test_machine_list_filters_paging(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        add_image(f->s, "alpine", "alpine/linux");
        /* 10 assigned to debian-12, 5 to alpine, 6 unassigned, 4 discovered */
        for (int i = 0; i < 21; i++) {
                char mac[18];
                snprintf(mac, sizeof(mac), "52:54:00:00:00:%02x", i);
                struct machine m = {.mac = mac_of(mac),
                                    .image = i < 10   ? "debian-12"
                                             : i < 15 ? "alpine"
                                                      : NULL,
                                    .hostname = i == 3 ? "Web-Front" : NULL,
                                    .notes = i == 16 ? "Broken PSU" : NULL,
                                    .netboot = true};
                assert_int_equal(store_machine_add(f->s, &m), 0);
        }
        struct boot_event evs[4];
        for (int i = 0; i < 4; i++) {
                char mac[18];
                snprintf(mac, sizeof(mac), "52:54:00:00:01:%02x", i);
                evs[i] = event(mac, 1000 + i, "script");
        }
        assert_int_equal(store_record_events(f->s, evs, 4, 0), 0);

        list_expect(f->s, NULL, 25, 25, "52:54:00:00:00:00");
        struct machine_filter flt = {.state = -1};
        list_expect(f->s, &flt, 25, 25, "52:54:00:00:00:00");
        flt.state = MACHINE_DISCOVERED;
        list_expect(f->s, &flt, 4, 4, "52:54:00:00:01:00");
        flt.state = MACHINE_UNASSIGNED;
        list_expect(f->s, &flt, 6, 6, "52:54:00:00:00:0f");
        flt.state = MACHINE_ASSIGNED;
        list_expect(f->s, &flt, 15, 15, NULL);
        flt = (struct machine_filter){.state = -1, .image = "alpine"};
        list_expect(f->s, &flt, 5, 5, "52:54:00:00:00:0a");
        flt = (struct machine_filter){.state = MACHINE_ASSIGNED, .image = "debian-12"};
        list_expect(f->s, &flt, 10, 10, NULL);
        /* Text: MAC (any case), hostname and notes (case-insensitive), image. */
        flt = (struct machine_filter){.state = -1, .text = "00:01:"};
        list_expect(f->s, &flt, 4, 4, NULL);
        flt.text = "52:54:00:00:01:0";
        list_expect(f->s, &flt, 4, 4, NULL);
        flt.text = "web-FRONT";
        list_expect(f->s, &flt, 1, 1, "52:54:00:00:00:03");
        flt.text = "psu";
        list_expect(f->s, &flt, 1, 1, "52:54:00:00:00:10");
        flt.text = "alpine";
        list_expect(f->s, &flt, 5, 5, NULL);
        flt.text = "52:54:00:00:00:0A";
        list_expect(f->s, &flt, 1, 1, "52:54:00:00:00:0a");
        flt.text = "nothing-matches";
        list_expect(f->s, &flt, 0, 0, NULL);
        flt.text = "";
        list_expect(f->s, &flt, 25, 25, NULL);
        /* Paging: total counts every match, the page only its rows. */
        flt = (struct machine_filter){.state = -1, .limit = 10};
        list_expect(f->s, &flt, 10, 25, "52:54:00:00:00:00");
        flt.offset = 10;
        list_expect(f->s, &flt, 10, 25, "52:54:00:00:00:0a");
        flt.offset = 20;
        list_expect(f->s, &flt, 5, 25, "52:54:00:00:00:14");
        flt.offset = 25;
        list_expect(f->s, &flt, 0, 25, NULL);
        flt = (struct machine_filter){.state = MACHINE_ASSIGNED, .offset = 12, .limit = 10};
        list_expect(f->s, &flt, 3, 15, NULL);
        /* Without ret_total. */
        struct machine *ms;
        size_t n;
        assert_int_equal(store_machine_list(f->s, NULL, &ms, &n, NULL), 0);
        assert_int_equal(n, 25);
        machine_list_free(ms, n);
}

/* Search by address: the reservation or a current lease, exact or by
 * prefix of the dotted form. */
static void test_machine_list_by_ip(void **state)
{
        struct fixture *f = *state;
        const uint32_t base = 0xC6120100u; /* 198.18.1.0 */
        for (int i = 0; i < 12; i++) {
                char mac[18];
                snprintf(mac, sizeof(mac), "52:54:00:00:02:%02x", i);
                /* .1 .. .12 reserved for the first ten; the last two lease. */
                struct machine m = {.mac = mac_of(mac),
                                    .ipv4 = i < 10 ? base + 1 + (uint32_t)i : 0,
                                    .netboot = true};
                assert_int_equal(store_machine_add(f->s, &m), 0);
        }
        struct lease ls[3] = {
            {.ip = base + 150,
             .mac = mac_of("52:54:00:00:02:0a"),
             .state = LEASE_BOUND,
             .starts = 1,
             .ends = 2},
            {.ip = 0xC6120205u,
             .mac = mac_of("52:54:00:00:02:0b"),
             .state = LEASE_OFFERED,
             .starts = 1,
             .ends = 2},
            /* A released lease is not the machine's address any more. */
            {.ip = base + 7,
             .mac = mac_of("52:54:00:00:02:0b"),
             .state = LEASE_RELEASED,
             .starts = 1,
             .ends = 2},
        };
        assert_int_equal(store_lease_put_many(f->s, ls, 3), 0);
        struct machine_filter flt = {.state = -1, .text = "198.18.1.7"};
        list_expect(f->s, &flt, 1, 1, "52:54:00:00:02:06"); /* exact: not .70-.79 */
        flt.text = "198.18.1.1";
        list_expect(f->s, &flt, 1, 1, "52:54:00:00:02:00"); /* exact: not .10, nor the .150 lease */
        flt.text = "198.18.1.";
        list_expect(f->s, &flt, 11, 11, "52:54:00:00:02:00"); /* ten reserved + the .150 lease */
        flt.text = "198.18.1.150";
        list_expect(f->s, &flt, 1, 1, "52:54:00:00:02:0a");
        flt.text = "198.18.2";
        list_expect(f->s, &flt, 1, 1, "52:54:00:00:02:0b"); /* offered counts */
        flt.text = "198.18.";
        list_expect(f->s, &flt, 12, 12, NULL);
        flt.text = "198.19.";
        list_expect(f->s, &flt, 0, 0, NULL);
        /* Still combined with the other filters. */
        flt = (struct machine_filter){.state = MACHINE_ASSIGNED, .text = "198.18.1."};
        list_expect(f->s, &flt, 0, 0, NULL);
}

/* Bulk adoption: names from a pattern and addresses from a range, each
 * skipping what is taken; all or nothing. */
static void test_discovered_adopt(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        struct boot_event evs[10];
        for (int i = 0; i < 10; i++) {
                char mac[18];
                snprintf(mac, sizeof(mac), "52:54:00:00:03:%02x", 9 - i); /* seen last first */
                evs[i] = event(mac, 1000 + i, "script");
        }
        assert_int_equal(store_record_events(f->s, evs, 10, 0), 0);
        struct machine other = {.mac = mac_of("52:54:00:00:04:00"),
                                .hostname = "Node002",
                                .ipv4 = ip_of("198.18.1.11"),
                                .netboot = true};
        assert_int_equal(store_machine_add(f->s, &other), 0);
        struct lease l = {.ip = ip_of("198.18.1.13"),
                          .mac = mac_of("52:54:00:00:04:01"),
                          .state = LEASE_BOUND,
                          .starts = 1,
                          .ends = 2};
        assert_int_equal(store_lease_put_many(f->s, &l, 1), 0);

        /* Too small a range: 409-worthy, with counts, nothing changed. */
        struct adopt_request req = {.all = true,
                                    .text = "52:54:00:00:03:",
                                    .image = "debian-12",
                                    .hostname_pattern = "node{n:03}",
                                    .start = 1,
                                    .ip_from = ip_of("198.18.1.10"),
                                    .ip_to = ip_of("198.18.1.20")};
        struct adopt_result res;
        assert_int_equal(store_discovered_adopt(f->s, &req, &res), -ENOSPC);
        assert_int_equal(res.needed, 10);
        assert_int_equal(res.ips_free, 9);
        assert_null(res.rows);
        struct machine_filter flt = {.state = MACHINE_DISCOVERED};
        list_expect(f->s, &flt, 10, 10, NULL);

        /* A managed MAC among them: refused, nothing changed. */
        struct mac macs[2] = {mac_of("52:54:00:00:03:00"), mac_of("52:54:00:00:04:00")};
        struct adopt_request one = {.macs = macs, .n = 2, .image = "debian-12", .start = 1};
        assert_int_equal(store_discovered_adopt(f->s, &one, &res), -EEXIST);
        list_expect(f->s, &flt, 10, 10, NULL);
        one.image = "nope";
        one.n = 1;
        assert_int_equal(store_discovered_adopt(f->s, &one, &res), -ENOENT);
        one.image = "debian-12";
        one.hostname_pattern = "node";
        assert_int_equal(store_discovered_adopt(f->s, &one, &res), -EINVAL);

        req.ip_to = ip_of("198.18.1.99");
        assert_int_equal(store_discovered_adopt(f->s, &req, &res), 0);
        assert_int_equal(res.n, 10);
        assert_int_equal(res.names_skipped, 1);
        assert_int_equal(res.ips_skipped, 2);
        /* Oldest first: 03:09 was seen first. */
        char mac[MAC_STR_LEN];
        mac_format(&res.rows[0].mac, mac);
        assert_string_equal(mac, "52:54:00:00:03:09");
        assert_string_equal(res.rows[0].hostname, "node001");
        assert_int_equal(res.rows[0].ipv4, ip_of("198.18.1.10"));
        assert_string_equal(res.rows[1].hostname, "node003"); /* Node002 is taken */
        assert_int_equal(res.rows[1].ipv4, ip_of("198.18.1.12"));
        assert_int_equal(res.rows[2].ipv4, ip_of("198.18.1.14")); /* .13 is leased */
        assert_string_equal(res.rows[9].hostname, "node011");
        struct machine m;
        assert_int_equal(store_machine_get(f->s, &res.rows[9].mac, &m), 0);
        assert_int_equal(m.state, MACHINE_ASSIGNED);
        assert_string_equal(m.image, "debian-12");
        assert_string_equal(m.hostname, "node011");
        assert_int_equal(m.ipv4, ip_of("198.18.1.21"));
        machine_done(&m);
        free(res.rows);
        list_expect(f->s, &flt, 0, 0, NULL);
        /* Nothing left to adopt. */
        assert_int_equal(store_discovered_adopt(f->s, &req, &res), -EINVAL);
}

/* ---- boot events ---- */

static void test_record_events(void **state)
{
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        add_machine(f->s, "52:54:00:00:00:01", "debian-12", NULL);
        assert_int_equal(store_record_events(f->s, NULL, 0, 100), 0);

        struct boot_event evs[] = {
            event("52:54:00:00:00:01", 1000, "dhcp"),
            event("52:54:00:00:00:02", 1100, "script"),
            event("52:54:00:00:00:01", 1200, "script"),
            event("52:54:00:00:00:01", 1300, "kernel"),
        };
        assert_int_equal(store_record_events(f->s, evs, 4, 0), 0);

        struct machine m;
        get_machine(f->s, "52:54:00:00:00:01", &m);
        assert_int_equal(m.state, MACHINE_ASSIGNED); /* events never change the state */
        assert_int_equal(m.first_seen, 1000);
        assert_int_equal(m.last_seen, 1300);
        assert_string_equal(m.last_stage, "kernel");
        assert_int_equal(m.last_stage_at, 1300);
        machine_done(&m);
        get_machine(f->s, "52:54:00:00:00:02", &m);
        assert_int_equal(m.state, MACHINE_DISCOVERED);
        assert_int_equal(m.first_seen, 1100);
        assert_int_equal(m.last_seen, 1100);
        assert_string_equal(m.last_stage, "script");
        assert_null(m.image);
        assert_true(m.netboot);
        machine_done(&m);

        /* A late, older event does not move last_seen or last_stage back. */
        struct boot_event late = event("52:54:00:00:00:01", 1250, "initrd");
        assert_int_equal(store_record_events(f->s, &late, 1, 0), 0);
        get_machine(f->s, "52:54:00:00:00:01", &m);
        assert_int_equal(m.first_seen, 1000);
        assert_int_equal(m.last_seen, 1300);
        assert_string_equal(m.last_stage, "kernel");
        machine_done(&m);
        struct boot_event next = event("52:54:00:00:00:01", 1400, "initrd");
        assert_int_equal(store_record_events(f->s, &next, 1, 0), 0);
        get_machine(f->s, "52:54:00:00:00:01", &m);
        assert_int_equal(m.last_seen, 1400);
        assert_string_equal(m.last_stage, "initrd");
        assert_int_equal(m.last_stage_at, 1400);
        machine_done(&m);

        /* Newest first; by MAC; limit; since. */
        struct boot_event *list;
        size_t n;
        assert_int_equal(store_events_list(f->s, NULL, 0, 0, &list, &n), 0);
        assert_int_equal(n, 6);
        assert_int_equal(list[0].time, 1400);
        assert_string_equal(list[0].stage, "initrd");
        assert_string_equal(list[0].detail, "detail initrd");
        assert_string_equal(list[0].peer, "198.18.0.5:1234");
        for (size_t i = 1; i < n; i++)
                assert_true(list[i - 1].id > list[i].id);
        free(list);
        struct mac two = mac_of("52:54:00:00:00:02");
        assert_int_equal(store_events_list(f->s, &two, 0, 0, &list, &n), 0);
        assert_int_equal(n, 1);
        assert_true(mac_equal(&list[0].mac, &two));
        free(list);
        assert_int_equal(store_events_list(f->s, NULL, 0, 2, &list, &n), 0);
        assert_int_equal(n, 2);
        free(list);
        assert_int_equal(store_events_list(f->s, NULL, 1250, 0, &list, &n), 0);
        assert_int_equal(n, 3);
        free(list);

        /* By id, oldest first (the live stream's watcher); -1: the newest. */
        assert_int_equal(store_events_after(f->s, -1, 0, &list, &n), 0);
        assert_int_equal(n, 1);
        int64_t newest = list[0].id;
        assert_string_equal(list[0].stage, "initrd");
        free(list);
        assert_int_equal(store_events_after(f->s, newest - 3, 2, &list, &n), 0);
        assert_int_equal(n, 2);
        assert_true(list[0].id > newest - 3 && list[1].id > list[0].id);
        free(list);
        assert_int_equal(store_events_after(f->s, newest, 10, &list, &n), 0);
        assert_int_equal(n, 0);
        free(list);
}

/* Several servers on one database: each event and each machine's latest
 * contact name the server that saw it. */
static void test_events_name_the_server(void **state)
{
        struct fixture *f = *state;
        struct boot_event ev[2] = {
            {.time = 1000, .mac = mac_of("52:54:00:00:07:01"), .stage = "dhcp"},
            {.time = 2000, .mac = mac_of("52:54:00:00:07:01"), .stage = "script"},
        };
        store_set_origin("boot-a");
        assert_string_equal(store_origin(), "boot-a");
        assert_int_equal(store_record_events(f->s, &ev[0], 1, 1000), 0);
        struct machine m;
        get_machine(f->s, "52:54:00:00:07:01", &m);
        assert_int_equal(m.state, MACHINE_DISCOVERED);
        assert_string_equal(m.last_server, "boot-a");
        machine_done(&m);
        /* The next contact comes through another server; an event that names
         * its server keeps it. */
        store_set_origin("boot-b");
        snprintf(ev[1].server, sizeof(ev[1].server), "relay-side");
        assert_int_equal(store_record_events(f->s, &ev[1], 1, 1000), 0);
        get_machine(f->s, "52:54:00:00:07:01", &m);
        assert_string_equal(m.last_server, "relay-side");
        machine_done(&m);
        /* An older contact arriving late does not take the latest's place. */
        struct boot_event late = {.time = 1500, .mac = ev[0].mac, .stage = "tftp"};
        assert_int_equal(store_record_events(f->s, &late, 1, 1000), 0);
        get_machine(f->s, "52:54:00:00:07:01", &m);
        assert_string_equal(m.last_server, "relay-side");
        machine_done(&m);
        struct boot_event *list;
        size_t n;
        assert_int_equal(store_events_list(f->s, &ev[0].mac, 0, 10, &list, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(list[0].server, "boot-b"); /* newest first */
        assert_string_equal(list[1].server, "relay-side");
        assert_string_equal(list[2].server, "boot-a");
        free(list);
}

static void test_event_retention(void **state)
{
        struct fixture *f = *state;
        struct boot_event evs[50];
        for (int i = 0; i < 50; i++)
                evs[i] = event("52:54:00:00:00:01", 1000 + i, "kernel"); /* "script" folds */
        assert_int_equal(store_record_events(f->s, evs, 50, 20), 0);
        struct boot_event *list;
        size_t n;
        assert_int_equal(store_events_list(f->s, NULL, 0, 1000, &list, &n), 0);
        assert_int_equal(n, 20);
        assert_int_equal(list[0].time, 1049);
        assert_int_equal(list[19].time, 1030);
        free(list);
        /* Each batch trims again; retention 0 keeps everything. */
        assert_int_equal(store_record_events(f->s, evs, 5, 10), 0);
        assert_int_equal(store_events_list(f->s, NULL, 0, 1000, &list, &n), 0);
        assert_int_equal(n, 10);
        free(list);
        assert_int_equal(store_record_events(f->s, evs, 50, 0), 0);
        assert_int_equal(store_events_list(f->s, NULL, 0, 1000, &list, &n), 0);
        assert_int_equal(n, 60);
        free(list);
        /* The machine itself is never trimmed. */
        struct machine m;
        get_machine(f->s, "52:54:00:00:00:01", &m);
        machine_done(&m);
}

/* ---- read consistency between connections ---- */

static void test_second_connection_sees_writes(void **state)
{
        /* The daemon's HTTP threads each keep a connection open for long:
         * a read must see what another connection (the CLI) committed. */
        struct fixture *f = *state;
        add_image(f->s, "debian-12", "debian/linux");
        add_image(f->s, "alpine", "alpine/linux");
        add_machine(f->s, "52:54:00:00:00:01", "debian-12", NULL);
        struct store *reader;
        assert_int_equal(store_open(f->db, &reader), 0);
        struct mac mac = mac_of("52:54:00:00:00:01");
        for (int round = 0; round < 3; round++) {
                const char *want = round % 2 ? "alpine" : "debian-12";
                struct machine m;
                assert_int_equal(store_machine_get(reader, &mac, &m), 0);
                assert_string_equal(m.image, want);
                struct image img;
                assert_int_equal(store_image_get(reader, m.image, &img), 0);
                image_done(&img);
                machine_done(&m);
                struct machine_filter flt = {.state = -1, .limit = 1};
                struct machine *ms;
                size_t n;
                int64_t total;
                assert_int_equal(store_machine_list(reader, &flt, &ms, &n, &total), 0);
                machine_list_free(ms, n);
                /* Another connection changes the assignment... */
                const char *next = round % 2 ? "debian-12" : "alpine";
                assert_int_equal(store_machine_assign(f->s, &mac, next), 0);
                /* ...and the long-lived reader sees it at once. */
                assert_int_equal(store_machine_get(reader, &mac, &m), 0);
                if (strcmp(m.image, next) != 0)
                        print_error("round %d: reader still sees %s after assign %s\n", round,
                                    m.image, next);
                assert_string_equal(m.image, next);
                machine_done(&m);
                /* The reader can still write (no stale snapshot held). */
                struct boot_event e = event("52:54:00:00:00:01", 5000 + round, "script");
                int r = store_record_events(reader, &e, 1, 0);
                if (r < 0)
                        print_error("reader write: %s\n", store_errmsg(reader));
                assert_int_equal(r, 0);
        }
        store_close(reader);
}

/* ---- migrations ---- */

/* The version-1 schema, copied from store_schema.c as it shipped: a
 * fixture, so later edits to the migrations cannot change it. */
static const char SCHEMA_V1[] =
    "CREATE TABLE image ("
    "  name TEXT PRIMARY KEY,"
    "  kernel TEXT NOT NULL DEFAULT '',"
    "  cmdline TEXT NOT NULL DEFAULT '',"
    "  script TEXT,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL);"
    "CREATE TABLE image_initrd ("
    "  image TEXT NOT NULL REFERENCES image(name) ON DELETE CASCADE ON UPDATE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  PRIMARY KEY (image, pos));"
    "CREATE TABLE machine ("
    "  mac TEXT PRIMARY KEY,"
    "  hostname TEXT,"
    "  image TEXT REFERENCES image(name) ON UPDATE CASCADE,"
    "  ipv4 INTEGER UNIQUE,"
    "  notes TEXT NOT NULL DEFAULT '',"
    "  state TEXT NOT NULL CHECK (state IN ('discovered', 'assigned', 'unassigned')),"
    "  first_seen INTEGER,"
    "  last_seen INTEGER,"
    "  last_stage TEXT,"
    "  last_stage_at INTEGER,"
    "  created INTEGER NOT NULL);"
    "CREATE INDEX machine_image ON machine(image);"
    "CREATE TABLE event ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  time INTEGER NOT NULL,"
    "  mac TEXT NOT NULL,"
    "  stage TEXT NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  peer TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX event_mac_id ON event(mac, id);";

static const char V1_ROWS[] =
    "INSERT INTO image VALUES ('debian-12', 'debian/linux', 'quiet', NULL, 'Debian', 10, 20);"
    "INSERT INTO image_initrd VALUES ('debian-12', 0, 'debian/ucode.img');"
    "INSERT INTO image_initrd VALUES ('debian-12', 1, 'debian/initrd.gz');"
    "INSERT INTO machine VALUES ('52:54:00:ab:cd:01', 'node1', 'debian-12', 3323068426, "
    "'rack 4', 'assigned', 100, 200, 'kernel', 200, 50);"
    "INSERT INTO machine VALUES ('52:54:00:ab:cd:02', NULL, NULL, NULL, '', 'discovered', "
    "300, 300, 'script', 300, 300);"
    "INSERT INTO event (time, mac, stage, detail, peer) VALUES "
    "(300, '52:54:00:ab:cd:02', 'script', 'no image', '198.18.0.7:999');";

static void sql_exec(const char *path, const char *sql)
{
        sqlite3 *db;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        char *msg = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK)
                print_error("sql: %s\n", msg);
        sqlite3_free(msg);
        assert_int_equal(rc, SQLITE_OK);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int sql_int(const char *path, const char *sql)
{
        sqlite3 *db;
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        int v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
        return v;
}

static void test_migrate_from_empty(void **state)
{
        if (tu_pg_url())
                skip(); /* SQLite files (test_store_pg.c has these) */
        struct fixture *f = *state;
        int v = -1;
        assert_int_equal(store_schema_version(f->s, &v), 0);
        assert_int_equal(v, store_schema_latest());
        assert_true(store_schema_latest() >= 3);
        /* Every table of every migration exists. */
        const char *tables[] = {"image", "image_initrd", "machine", "event",
                                "lease", "user",         "token",   "session"};
        for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
                char sql[200];
                snprintf(sql, sizeof(sql),
                         "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'",
                         tables[i]);
                assert_int_equal(sql_int(f->db, sql), 1);
        }
        assert_int_equal(sql_int(f->db, "PRAGMA journal_mode"), 0); /* "wal" is text */
        /* Re-opening a current database migrates nothing. */
        store_close(f->s);
        assert_int_equal(store_open(f->db, &f->s), 0);
        assert_int_equal(store_schema_version(f->s, &v), 0);
        assert_int_equal(v, store_schema_latest());
}

static void test_migrate_from_v1(void **state)
{
        if (tu_pg_url())
                skip(); /* SQLite files (test_store_pg.c has these) */
        struct fixture *f = *state;
        store_close(f->s);
        f->s = NULL;
        char path[700];
        snprintf(path, sizeof(path), "%s/v1.db", f->dir);
        sql_exec(path, SCHEMA_V1);
        sql_exec(path, "PRAGMA user_version=1");
        sql_exec(path, V1_ROWS);

        struct store *s;
        int r = store_open(path, &s);
        assert_int_equal(r, 0);
        int v = -1;
        assert_int_equal(store_schema_version(s, &v), 0);
        assert_int_equal(v, store_schema_latest());

        struct image img;
        assert_int_equal(store_image_get(s, "debian-12", &img), 0);
        assert_string_equal(img.kernel, "debian/linux");
        assert_string_equal(img.cmdline, "quiet");
        assert_int_equal(img.n_initrds, 2);
        assert_string_equal(img.initrds[0], "debian/ucode.img");
        assert_string_equal(img.initrds[1], "debian/initrd.gz");
        assert_string_equal(img.description, "Debian");
        assert_int_equal(img.created, 10);
        assert_int_equal(img.updated, 20);
        image_done(&img);

        struct machine m;
        get_machine(s, "52:54:00:ab:cd:01", &m);
        assert_string_equal(m.hostname, "node1");
        assert_string_equal(m.image, "debian-12");
        assert_int_equal(m.ipv4, ip_of("198.18.0.10"));
        assert_string_equal(m.notes, "rack 4");
        assert_int_equal(m.state, MACHINE_ASSIGNED);
        assert_int_equal(m.first_seen, 100);
        assert_int_equal(m.last_seen, 200);
        assert_string_equal(m.last_stage, "kernel");
        assert_int_equal(m.created, 50);
        /* Columns added by migration 2 get their defaults. */
        assert_true(m.netboot);
        assert_null(m.boot_file);
        machine_done(&m);
        get_machine(s, "52:54:00:ab:cd:02", &m);
        assert_int_equal(m.state, MACHINE_DISCOVERED);
        machine_done(&m);

        struct boot_event *evs;
        size_t n;
        assert_int_equal(store_events_list(s, NULL, 0, 0, &evs, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(evs[0].detail, "no image");
        assert_string_equal(evs[0].peer, "198.18.0.7:999");
        free(evs);

        /* The migrated database works for writes, old rows included. */
        struct mac mac = mac_of("52:54:00:ab:cd:02");
        assert_int_equal(store_machine_assign(s, &mac, "debian-12"), 0);
        expect_fail(s, store_image_remove(s, "debian-12", false), -EBUSY, "name");
        store_close(s);
        assert_int_equal(sql_int(path, "SELECT count(*) FROM lease"), 0);
        assert_int_equal(sql_int(path, "SELECT count(*) FROM user"), 0);
}

static void test_failed_migration_keeps_previous_version(void **state)
{
        if (tu_pg_url())
                skip(); /* SQLite files (test_store_pg.c has these) */
        struct fixture *f = *state;
        char path[700];
        snprintf(path, sizeof(path), "%s/v1-conflict.db", f->dir);
        sql_exec(path, SCHEMA_V1);
        sql_exec(path, V1_ROWS);
        /* A table in the way of migration 2 makes it fail half-way. */
        sql_exec(path, "CREATE TABLE lease (x INTEGER); PRAGMA user_version=1");
        struct store *s = NULL;
        int r = store_open(path, &s);
        assert_true(r < 0);
        assert_null(s);
        assert_int_equal(sql_int(path, "PRAGMA user_version"), 1);
        /* Nothing of migration 2 stayed (its ALTERs ran before the failure). */
        assert_int_equal(
            sql_int(path, "SELECT count(*) FROM pragma_table_info('machine') WHERE name='netboot'"),
            0);
        assert_int_equal(sql_int(path, "SELECT count(*) FROM machine"), 2);
}

static void test_newer_database_refused(void **state)
{
        if (tu_pg_url())
                skip(); /* SQLite files (test_store_pg.c has these) */
        struct fixture *f = *state;
        store_close(f->s);
        f->s = NULL;
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", store_schema_latest() + 1);
        sql_exec(f->db, sql);
        struct store *s = NULL;
        int r = store_open(f->db, &s);
        assert_int_equal(r, -EPROTO);
        assert_null(s);
        /* Left as it was. */
        assert_int_equal(sql_int(f->db, "PRAGMA user_version"), store_schema_latest() + 1);
}

static void test_open_errors(void **state)
{
        if (tu_pg_url())
                skip(); /* SQLite files (test_store_pg.c has these) */
        struct fixture *f = *state;
        struct store *s = NULL;
        char path[700];
        snprintf(path, sizeof(path), "%s/no/such/dir/x.db", f->dir);
        assert_true(store_open(path, &s) < 0);
        assert_null(s);
        /* Not a database. */
        snprintf(path, sizeof(path), "%s/junk.db", f->dir);
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        for (int i = 0; i < 200; i++)
                fputs("this is not an SQLite database\n", fp);
        fclose(fp);
        assert_true(store_open(path, &s) < 0);
        assert_null(s);
        store_close(NULL);
}

static void test_state_names(void **state)
{
        enum machine_state st;
        assert_string_equal(machine_state_name(MACHINE_DISCOVERED), "discovered");
        assert_string_equal(machine_state_name(MACHINE_ASSIGNED), "assigned");
        assert_string_equal(machine_state_name(MACHINE_UNASSIGNED), "unassigned");
        assert_string_equal(machine_state_name((enum machine_state)7), "unknown");
        assert_int_equal(machine_state_parse("assigned", &st), 0);
        assert_int_equal(st, MACHINE_ASSIGNED);
        assert_int_equal(machine_state_parse("Assigned", &st), -EINVAL);
        assert_true(store_now_ms() > 1600000000000LL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(test_image_crud),
            T(test_image_arm64),
            T(test_image_put_errors),
            T(test_image_remove_in_use),
            T(test_image_remove_many_users_message),
            T(test_machine_add_get),
            T(test_machine_add_errors),
            T(test_machine_adopt_discovered),
            T(test_machine_update),
            T(test_machine_assign_unassign_remove),
            T(test_unique_ipv4),
            T(test_machine_list_filters_paging),
            T(test_machine_list_by_ip),
            T(test_discovered_adopt),
            T(test_record_events),
            T(test_events_name_the_server),
            T(test_event_retention),
            T(test_second_connection_sees_writes),
            T(test_migrate_from_empty),
            T(test_migrate_from_v1),
            T(test_failed_migration_keeps_previous_version),
            T(test_newer_database_refused),
            T(test_open_errors),
            cmocka_unit_test(test_state_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
