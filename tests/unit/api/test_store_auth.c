/* Unit tests for store_auth.c (users, tokens, sessions), store_lease_list.c
 * and store_stats.c against a fresh SQLite database. */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>

#include "store/store.h"

#include "../store_db.h"

struct fx {
        char *dir;
        char db[512];
        struct store *s;
};

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));
        f->dir = tu_tmpdir();
        tu_db_location(f->dir, "t", f->db, sizeof(f->db));
        assert_int_equal(store_open(f->db, &f->s), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;
        store_close(f->s);
        tu_rmdir(f->dir);
        free(f);
        return 0;
}

static void hash_of(uint8_t h[STORE_SECRET_HASH_LEN], int seed)
{
        memset(h, seed, STORE_SECRET_HASH_LEN);
}

static void test_roles(void **state)
{
        enum auth_role r;
        assert_int_equal(auth_role_parse("admin", &r), 0);
        assert_int_equal(r, AUTH_ROLE_ADMIN);
        assert_int_equal(auth_role_parse("viewer", &r), 0);
        assert_int_equal(r, AUTH_ROLE_VIEWER);
        assert_int_equal(auth_role_parse("root", &r), -EINVAL);
        assert_int_equal(auth_role_parse(NULL, &r), -EINVAL);
        assert_string_equal(auth_role_name(AUTH_ROLE_ADMIN), "admin");
}

static void test_users(void **state)
{
        struct fx *f = *state;
        int64_t n = -1;
        assert_int_equal(store_user_count(f->s, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(store_user_add(f->s, "admin", "$argon2id$x", AUTH_ROLE_ADMIN), 0);
        assert_int_equal(store_user_add(f->s, "vera", "$argon2id$y", AUTH_ROLE_VIEWER), 0);
        assert_int_equal(store_user_add(f->s, "admin", "$argon2id$z", AUTH_ROLE_VIEWER), -EEXIST);
        assert_string_equal(store_errfield(f->s), "name");
        assert_int_equal(store_user_add(f->s, "Bad Name", "h", AUTH_ROLE_VIEWER), -EINVAL);
        assert_int_equal(store_user_add(f->s, "1abc", "h", AUTH_ROLE_VIEWER), -EINVAL);
        assert_int_equal(store_user_add(f->s, "", "h", AUTH_ROLE_VIEWER), -EINVAL);
        assert_int_equal(store_user_count(f->s, &n), 0);
        assert_int_equal(n, 2);

        struct user u;
        assert_int_equal(store_user_get(f->s, "vera", &u), 0);
        assert_string_equal(u.password_hash, "$argon2id$y");
        assert_int_equal(u.role, AUTH_ROLE_VIEWER);
        user_done(&u);
        assert_int_equal(store_user_get(f->s, "nobody", &u), -ENOENT);

        struct user *us;
        size_t cnt;
        assert_int_equal(store_user_list(f->s, &us, &cnt), 0);
        assert_int_equal(cnt, 2);
        assert_string_equal(us[0].name, "admin");
        assert_null(us[0].password_hash); /* lists never carry hashes */
        user_list_free(us, cnt);

        assert_int_equal(store_user_set_password(f->s, "vera", "$argon2id$new"), 0);
        assert_int_equal(store_user_set_password(f->s, "nobody", "h"), -ENOENT);
        assert_int_equal(store_user_remove(f->s, "vera"), 0);
        assert_int_equal(store_user_remove(f->s, "vera"), -ENOENT);
}

static void test_tokens(void **state)
{
        struct fx *f = *state;
        uint8_t h1[32], h2[32], h3[32];
        hash_of(h1, 1);
        hash_of(h2, 2);
        hash_of(h3, 3);
        assert_int_equal(store_token_add(f->s, "ci", h1, AUTH_ROLE_ADMIN), 0);
        assert_int_equal(store_token_add(f->s, "dash", h2, AUTH_ROLE_VIEWER), 0);
        assert_int_equal(store_token_add(f->s, "ci", h3, AUTH_ROLE_VIEWER), -EEXIST);
        struct api_token t;
        assert_int_equal(store_token_lookup(f->s, h1, 5000000, &t), 0);
        assert_string_equal(t.name, "ci");
        assert_int_equal(t.role, AUTH_ROLE_ADMIN);
        assert_int_equal(t.last_used, 5000000);
        free(t.name);
        /* last_used is written at most once a minute. */
        assert_int_equal(store_token_lookup(f->s, h1, 5000000 + 1000, &t), 0);
        assert_int_equal(t.last_used, 5000000);
        free(t.name);
        assert_int_equal(store_token_lookup(f->s, h3, 1, &t), -ENOENT);

        struct api_token *ts;
        size_t n;
        assert_int_equal(store_token_list(f->s, &ts, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(ts[1].name, "dash");
        assert_int_equal(ts[1].last_used, 0);
        api_token_list_free(ts, n);

        assert_int_equal(store_token_remove(f->s, "ci"), 0);
        assert_int_equal(store_token_lookup(f->s, h1, 1, &t), -ENOENT);
        assert_int_equal(store_token_remove(f->s, "ci"), -ENOENT);
}

static void test_sessions(void **state)
{
        struct fx *f = *state;
        const int64_t idle = 60000, max = 600000, t0 = 10000000;
        uint8_t h1[32], h2[32], h3[32];
        hash_of(h1, 11);
        hash_of(h2, 12);
        hash_of(h3, 13);
        char csrf[STORE_CSRF_LEN + 1];
        memset(csrf, 'c', STORE_CSRF_LEN);
        csrf[STORE_CSRF_LEN] = '\0';
        assert_int_equal(store_user_add(f->s, "admin", "h", AUTH_ROLE_ADMIN), 0);
        assert_int_equal(store_user_add(f->s, "vera", "h", AUTH_ROLE_VIEWER), 0);
        assert_int_equal(store_session_add(f->s, h1, "admin", csrf, t0), 0);
        assert_int_equal(store_session_add(f->s, h2, "vera", csrf, t0), 0);
        assert_int_equal(store_session_add(f->s, h3, "admin", csrf, t0), 0);

        struct auth_session ss;
        assert_int_equal(store_session_lookup(f->s, h1, t0 + 1000, idle, max, &ss), 0);
        assert_string_equal(ss.user, "admin");
        assert_int_equal(ss.role, AUTH_ROLE_ADMIN);
        assert_string_equal(ss.csrf, csrf);
        auth_session_done(&ss);

        /* Kept alive by use, a session still ends at its absolute expiry. */
        for (int64_t t = t0; t < t0 + max; t += idle / 2) {
                assert_int_equal(store_session_lookup(f->s, h1, t, idle, max, &ss), 0);
                auth_session_done(&ss);
        }
        assert_int_equal(store_session_lookup(f->s, h1, t0 + max + 1, idle, max, &ss), -ENOENT);
        /* ... and is gone for good. */
        assert_int_equal(store_session_lookup(f->s, h1, t0 + 1, idle, max, &ss), -ENOENT);

        /* Idle expiry. */
        assert_int_equal(store_session_lookup(f->s, h2, t0 + idle + 1, idle, max, &ss), -ENOENT);

        /* Removing the user ends their sessions (another admin remains:
         * the last one cannot be removed). */
        assert_int_equal(store_user_add(f->s, "ann", "h", AUTH_ROLE_ADMIN), 0);
        assert_int_equal(store_user_remove(f->s, "admin"), 0);
        assert_int_equal(store_session_lookup(f->s, h3, t0 + 1, idle, max, &ss), -ENOENT);
        assert_int_equal(store_session_remove(f->s, h3), -ENOENT);
}

static void test_session_password_change_and_purge(void **state)
{
        struct fx *f = *state;
        uint8_t h1[32], h2[32];
        hash_of(h1, 21);
        hash_of(h2, 22);
        assert_int_equal(store_user_add(f->s, "admin", "h", AUTH_ROLE_ADMIN), 0);
        assert_int_equal(store_session_add(f->s, h1, "admin", "x", 1000), 0);
        assert_int_equal(store_user_set_password(f->s, "admin", "h2"), 0);
        struct auth_session ss;
        assert_int_equal(store_session_lookup(f->s, h1, 1001, 60000, 600000, &ss), -ENOENT);

        assert_int_equal(store_session_add(f->s, h1, "admin", "x", 1000), 0);
        assert_int_equal(store_session_add(f->s, h2, "admin", "x", 500000), 0);
        assert_int_equal(store_session_purge(f->s, 520000, 60000, 600000), 1);
        assert_int_equal(store_session_lookup(f->s, h2, 520000, 60000, 600000, &ss), 0);
        auth_session_done(&ss);
        assert_int_equal(store_session_remove(f->s, h2), 0);
}

static void exec_sql(struct fx *f, const char *sql)
{
        if (tu_pg_url()) {
                tu_pg_exec(f->db, sql);
                return;
        }
        sqlite3 *db;
        assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
}

static void test_leases(void **state)
{
        struct fx *f = *state;
        /* 198.18.5.20 = 3323069716 */
        exec_sql(f, "INSERT INTO lease (ip, mac, subnet, state, starts, ends, hostname) VALUES "
                    "(3323069716, '52:54:00:00:00:01', 'lab', 'bound', 1000, 900000, 'a'),"
                    "(3323069717, '52:54:00:00:00:02', 'lab', 'bound', 1000, 2000, NULL),"
                    "(3323069718, '52:54:00:00:00:03', 'lab2', 'offered', 1000, 900000, NULL),"
                    "(3323069719, '52:54:00:00:00:04', 'lab2', 'bound', 1000, 900000, NULL);");
        struct lease_row *ls;
        size_t n;
        int64_t total;
        assert_int_equal(store_lease_rows(f->s, NULL, NULL, 0, 0, &ls, &n, &total), 0);
        assert_int_equal(n, 4);
        assert_int_equal(total, 4);
        assert_int_equal(ls[0].ip, 3323069716u);
        assert_string_equal(ls[0].hostname, "a");
        assert_null(ls[1].hostname);
        assert_string_equal(ls[2].state, "offered");
        lease_row_list_free(ls, n);

        assert_int_equal(store_lease_rows(f->s, NULL, "bound", 1, 1, &ls, &n, &total), 0);
        assert_int_equal(n, 1);
        assert_int_equal(total, 3);
        assert_int_equal(ls[0].ip, 3323069717u);
        lease_row_list_free(ls, n);

        struct mac m;
        assert_int_equal(mac_parse_str("52-54-00-00-00-03", &m), 0);
        assert_int_equal(store_lease_rows(f->s, &m, NULL, 0, 0, &ls, &n, NULL), 0);
        assert_int_equal(n, 1);
        lease_row_list_free(ls, n);

        struct lease_subnet_count *c;
        assert_int_equal(store_lease_in_use(f->s, 5000, &c, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(c[0].subnet, "lab");
        assert_int_equal(c[0].in_use, 1); /* the other "bound" one has ended */
        assert_string_equal(c[1].subnet, "lab2");
        assert_int_equal(c[1].in_use, 1);
        free(c);
}

static void test_machine_counts_and_idle(void **state)
{
        struct fx *f = *state;
        struct boot_event ev = {.time = 1000};
        snprintf(ev.stage, sizeof(ev.stage), "script");
        assert_int_equal(mac_parse_str("52:54:00:00:00:09", &ev.mac), 0);
        assert_int_equal(store_record_events(f->s, &ev, 1, 1000), 0);
        struct machine m = {.netboot = true};
        assert_int_equal(mac_parse_str("52:54:00:00:00:08", &m.mac), 0);
        assert_int_equal(store_machine_add(f->s, &m), 0);
        int64_t c[3];
        assert_int_equal(store_machine_counts(f->s, c), 0);
        assert_int_equal(c[MACHINE_DISCOVERED], 1);
        assert_int_equal(c[MACHINE_ASSIGNED], 0);
        assert_int_equal(c[MACHINE_UNASSIGNED], 1);

        /* A read left open by a cached statement pins an old snapshot; after
         * another connection writes, our write fails until store_idle(). */
        struct machine got;
        assert_int_equal(store_machine_get(f->s, &m.mac, &got), 0);
        machine_done(&got);
        exec_sql(f, "UPDATE machine SET notes = 'other writer'");
        store_idle(f->s);
        assert_int_equal(store_machine_remove(f->s, &m.mac), 0);
        store_idle(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_roles),
            cmocka_unit_test_setup_teardown(test_users, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
            cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
            cmocka_unit_test_setup_teardown(test_session_password_change_and_purge, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_leases, setup, teardown),
            cmocka_unit_test_setup_teardown(test_machine_counts_and_idle, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
