/* The audit log (store_audit.c) on either backend: which writes record a
 * row, with what actor, before and after; that a failed write records
 * nothing; filters, paging and retention; and that the last admin can be
 * neither removed nor demoted. */
#include "../test_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"

#include "../store_fixture.h"

static void put_image(struct store *s, const char *name, const char *kernel, bool create)
{
        struct image img = {.name = (char *)name, .kernel = (char *)kernel, .cmdline = "quiet"};
        assert_int_equal(store_image_put(s, &img, create), 0);
}

/* The log, newest first, with its total. */
static struct audit_entry *list(struct store *s, const struct audit_filter *f, size_t *n,
                                int64_t *total)
{
        struct audit_filter all = {0};
        struct audit_entry *es = NULL;
        assert_int_equal(store_audit_list(s, f ? f : &all, &es, n, total), 0);
        return es;
}

static int64_t count(struct store *s)
{
        size_t n = 0;
        int64_t total;
        struct audit_entry *es = list(s, NULL, &n, &total);
        audit_list_free(es, n);
        return total;
}

static void test_no_actor_records_nothing(void **state)
{
        struct fixture *f = *state;
        put_image(f->s, "deb", "deb/vmlinuz", true);
        uint8_t h[STORE_SECRET_HASH_LEN] = {1};
        assert_int_equal(store_token_add(f->s, "t1", h, AUTH_ROLE_VIEWER), 0);
        assert_int_equal(count(f->s), 0);
}

static void test_changes_recorded(void **state)
{
        struct fixture *f = *state;
        struct store *s = f->s;
        store_set_actor(s, "alice");
        put_image(s, "deb", "deb/vmlinuz", true);
        put_image(s, "deb", "deb/vmlinuz2", false);
        struct machine m = {.mac = mac_of("52:54:00:00:00:01"), .image = "deb", .notes = ""};
        assert_int_equal(store_machine_add(s, &m), 0);
        store_set_actor(s, "token:deploy");
        struct mac macs[1] = {mac_of("52:54:00:00:00:01")};
        assert_int_equal(store_machine_assign_many(s, macs, 1, NULL), 0);
        store_set_actor(s, "cli:root");
        assert_int_equal(store_machine_remove(s, &macs[0]), 0);
        assert_int_equal(store_image_remove(s, "deb", false), 0);

        size_t n;
        int64_t total;
        struct audit_entry *es = list(s, NULL, &n, &total);
        assert_int_equal(n, 6);
        assert_int_equal(total, 6);
        const char *want[][3] = {
            {"cli:root", "image.delete", "deb"},
            {"cli:root", "machine.delete", "52:54:00:00:00:01"},
            {"token:deploy", "machine.assign", "52:54:00:00:00:01"},
            {"alice", "machine.create", "52:54:00:00:00:01"},
            {"alice", "image.update", "deb"},
            {"alice", "image.create", "deb"},
        };
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(es[i].actor, want[i][0]);
                assert_string_equal(es[i].action, want[i][1]);
                assert_string_equal(es[i].object, want[i][2]);
                assert_true(es[i].time > 0);
                if (i)
                        assert_true(es[i].id < es[i - 1].id);
        }
        /* before -> after, compact JSON. */
        assert_null(es[5].before);
        assert_non_null(strstr(es[5].after, "\"kernel\":\"deb/vmlinuz\""));
        assert_non_null(strstr(es[4].before, "\"kernel\":\"deb/vmlinuz\""));
        assert_non_null(strstr(es[4].after, "\"kernel\":\"deb/vmlinuz2\""));
        assert_non_null(strstr(es[2].before, "\"image\":\"deb\""));
        assert_non_null(strstr(es[2].after, "\"image\":null"));
        assert_non_null(strstr(es[2].after, "\"state\":\"unassigned\""));
        assert_non_null(strstr(es[1].before, "\"state\":\"unassigned\""));
        assert_null(es[1].after);
        assert_null(es[0].after);
        assert_non_null(strstr(es[0].before, "\"machines\":0"));
        audit_list_free(es, n);

        /* Filters and paging. */
        struct audit_filter flt = {.actor = "alice", .limit = 2};
        es = list(s, &flt, &n, &total);
        assert_int_equal(n, 2);
        assert_int_equal(total, 3);
        assert_string_equal(es[0].action, "machine.create");
        audit_list_free(es, n);
        flt = (struct audit_filter){.object = "deb", .offset = 1};
        es = list(s, &flt, &n, &total);
        assert_int_equal(total, 3);
        assert_int_equal(n, 2);
        assert_string_equal(es[0].action, "image.update");
        audit_list_free(es, n);
        flt = (struct audit_filter){.since_ms = store_now_ms() + 60000};
        es = list(s, &flt, &n, &total);
        assert_int_equal(total, 0);
        audit_list_free(es, n);
}

static void test_failed_write_records_nothing(void **state)
{
        struct fixture *f = *state;
        struct store *s = f->s;
        store_set_actor(s, "alice");
        struct mac macs[2] = {mac_of("52:54:00:00:00:01"), mac_of("52:54:00:00:00:02")};
        struct machine m = {.mac = macs[0], .notes = ""};
        assert_int_equal(store_machine_add(s, &m), 0);
        /* The second MAC does not exist: all or nothing, the log included. */
        assert_int_equal(store_machine_assign_many(s, macs, 2, NULL), -ENOENT);
        assert_int_equal(store_machine_remove(s, &macs[1]), -ENOENT);
        assert_int_equal(store_token_remove(s, "nope"), -ENOENT);
        assert_int_equal(count(s), 1);
}

static void test_users_tokens_and_last_admin(void **state)
{
        struct fixture *f = *state;
        struct store *s = f->s;
        store_set_actor(s, "cli:root");
        assert_int_equal(store_user_add(s, "root", "$argon2id$x", AUTH_ROLE_ADMIN), 0);
        assert_int_equal(store_user_add(s, "bob", "$argon2id$x", AUTH_ROLE_VIEWER), 0);
        /* The only admin stays one. */
        assert_int_equal(store_user_set_role(s, "root", AUTH_ROLE_VIEWER), -EBUSY);
        assert_non_null(strstr(store_errmsg(s), "last admin"));
        assert_int_equal(store_user_remove(s, "root"), -EBUSY);
        assert_int_equal(store_user_set_role(s, "nobody", AUTH_ROLE_ADMIN), -ENOENT);
        /* With a second admin either may go. */
        assert_int_equal(store_user_set_role(s, "bob", AUTH_ROLE_ADMIN), 0);
        assert_int_equal(store_user_set_role(s, "root", AUTH_ROLE_VIEWER), 0);
        assert_int_equal(store_user_remove(s, "root"), 0);
        assert_int_equal(store_user_remove(s, "bob"), -EBUSY);
        assert_int_equal(store_user_set_password(s, "bob", "$argon2id$y"), 0);
        uint8_t h[STORE_SECRET_HASH_LEN] = {7};
        assert_int_equal(store_token_add(s, "deploy", h, AUTH_ROLE_ADMIN), 0);
        assert_int_equal(store_token_remove(s, "deploy"), 0);

        size_t n;
        int64_t total;
        struct audit_entry *es = list(s, NULL, &n, &total);
        const char *want[][4] = {
            {"token.revoke", "deploy", "{\"role\":\"admin\"}", NULL},
            {"token.create", "deploy", NULL, "{\"role\":\"admin\"}"},
            {"user.password", "bob", NULL, "{\"password\":\"changed\"}"},
            {"user.delete", "root", "{\"role\":\"viewer\"}", NULL},
            {"user.role", "root", "{\"role\":\"admin\"}", "{\"role\":\"viewer\"}"},
            {"user.role", "bob", "{\"role\":\"viewer\"}", "{\"role\":\"admin\"}"},
            {"user.create", "bob", NULL, "{\"role\":\"viewer\"}"},
            {"user.create", "root", NULL, "{\"role\":\"admin\"}"},
        };
        assert_int_equal(n, 8);
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(es[i].action, want[i][0]);
                assert_string_equal(es[i].object, want[i][1]);
                if (want[i][2])
                        assert_string_equal(es[i].before, want[i][2]);
                else
                        assert_null(es[i].before);
                if (want[i][3])
                        assert_string_equal(es[i].after, want[i][3]);
                else
                        assert_null(es[i].after);
        }
        audit_list_free(es, n);
}

static void test_adopt_and_retention(void **state)
{
        struct fixture *f = *state;
        struct store *s = f->s;
        struct boot_event ev = {.time = store_now_ms(), .mac = mac_of("52:54:00:00:00:09")};
        snprintf(ev.stage, sizeof(ev.stage), "dhcp");
        assert_int_equal(store_record_events(s, &ev, 1, 1000), 0);
        store_set_actor(s, "alice");
        struct machine m = {.mac = ev.mac, .hostname = "n9", .notes = ""};
        assert_int_equal(store_machine_add(s, &m), 0);
        size_t n;
        int64_t total;
        struct audit_entry *es = list(s, NULL, &n, &total);
        assert_int_equal(n, 1);
        assert_string_equal(es[0].action, "machine.adopt");
        assert_non_null(strstr(es[0].before, "\"state\":\"discovered\""));
        assert_non_null(strstr(es[0].after, "\"hostname\":\"n9\""));
        audit_list_free(es, n);

        store_set_audit_retention(3);
        for (int i = 0; i < 5; i++)
                put_image(s, "deb", i % 2 ? "a" : "b", i == 0);
        store_set_audit_retention(0); /* back to the default */
        es = list(s, NULL, &n, &total);
        assert_int_equal(total, 3);
        assert_string_equal(es[0].action, "image.update");
        assert_non_null(strstr(es[0].after, "\"kernel\":\"b\""));
        audit_list_free(es, n);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(test_no_actor_records_nothing),     T(test_changes_recorded),
            T(test_failed_write_records_nothing), T(test_users_tokens_and_last_admin),
            T(test_adopt_and_retention),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
