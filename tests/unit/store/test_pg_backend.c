/* What only the PostgreSQL backend has: its migrations (fresh, current,
 * newer, failed half-way, several servers opening one empty database at
 * once), connection errors, and recovery when the connection breaks.
 * Runs under with-pg.sh only.  The behaviour both backends share is
 * tested by the other store tests, which run on both. */
#include "../test_util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "store/store.h"

#include "../store_db.h"

struct fixture {
        char *dir;
        char url[600];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->dir = tu_tmpdir();
        tu_db_location(f->dir, "pg", f->url, sizeof(f->url));
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        if (!f)
                return 0;
        tu_rmdir(f->dir);
        free(f);
        return 0;
}

/* One integer from a query on the fixture's schema. */
static long long pg_int(const char *url, const char *sql)
{
        PGconn *c = PQconnectdb(url);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
                print_error("pg: %s: %s\n", sql, PQerrorMessage(c));
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        assert_int_equal(PQntuples(r), 1);
        long long v = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        PQfinish(c);
        return v;
}

static long long table_count(const char *url)
{
        return pg_int(url, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()");
}

static void test_fresh_and_current(void **state)
{
        struct fixture *f = *state;
        struct store *s;
        assert_int_equal(store_open(f->url, &s), 0);
        assert_string_equal(store_backend_name(s), "postgresql");
        int v = -1;
        assert_int_equal(store_schema_version(s, &v), 0);
        assert_int_equal(v, store_schema_latest());
        /* The ten tables of the SQLite schema (audit since v9,
         * image_initrd_arm64 since v11), the two counters and the version
         * table. */
        assert_int_equal(table_count(f->url), 13);
        store_close(s);
        /* Opening a current database changes nothing. */
        assert_int_equal(store_open(f->url, &s), 0);
        assert_int_equal(store_schema_version(s, &v), 0);
        assert_int_equal(v, store_schema_latest());
        assert_int_equal(pg_int(f->url, "SELECT count(*) FROM bootherd_schema"), 1);
        store_close(s);
}

static void test_newer_database_refused(void **state)
{
        struct fixture *f = *state;
        struct store *s;
        assert_int_equal(store_open(f->url, &s), 0);
        store_close(s);
        char sql[80];
        snprintf(sql, sizeof(sql), "UPDATE bootherd_schema SET version = %d",
                 store_schema_latest() + 1);
        tu_pg_exec(f->url, sql);
        s = NULL;
        assert_int_equal(store_open(f->url, &s), -EPROTO);
        assert_null(s);
        assert_int_equal(pg_int(f->url, "SELECT version FROM bootherd_schema"),
                         store_schema_latest() + 1);
}

/* DDL is transactional: a migration that fails half-way leaves nothing. */
static void test_failed_migration_leaves_nothing(void **state)
{
        struct fixture *f = *state;
        tu_pg_exec(f->url, "CREATE TABLE lease (x integer)");
        struct store *s = NULL;
        assert_true(store_open(f->url, &s) < 0);
        assert_null(s);
        assert_int_equal(table_count(f->url), 1);
        assert_int_equal(pg_int(f->url, "SELECT count(*) FROM pg_tables WHERE tablename = "
                                        "'image' AND schemaname = current_schema()"),
                         0);
}

struct opener {
        const char *url;
        int r;
};

static void *open_one(void *arg)
{
        struct opener *o = arg;
        struct store *s = NULL;
        o->r = store_open(o->url, &s);
        store_close(s);
        return NULL;
}

/* Several servers started at once on an empty database: one migrates, the
 * others wait for it (advisory lock) and find the schema current. */
static void test_concurrent_first_open(void **state)
{
        struct fixture *f = *state;
        enum { N = 6 };
        pthread_t t[N];
        struct opener o[N];
        for (int i = 0; i < N; i++) {
                o[i] = (struct opener){.url = f->url, .r = 1};
                assert_int_equal(pthread_create(&t[i], NULL, open_one, &o[i]), 0);
        }
        for (int i = 0; i < N; i++) {
                pthread_join(t[i], NULL);
                assert_int_equal(o[i].r, 0);
        }
        assert_int_equal(pg_int(f->url, "SELECT version FROM bootherd_schema"),
                         store_schema_latest());
        assert_int_equal(pg_int(f->url, "SELECT count(*) FROM bootherd_schema"), 1);
        assert_int_equal(pg_int(f->url, "SELECT gen FROM script_generation"), 1);
}

static void test_bad_locations(void **state)
{
        struct fixture *f = *state;
        char url[700];
        struct store *s = NULL;
        /* No server there. */
        assert_int_equal(store_open("postgresql:///bootherd?host=/nonexistent-dir", &s), -EIO);
        assert_null(s);
        /* A database that does not exist, on a server that does. */
        snprintf(url, sizeof(url), "postgresql:///no_such_db?host=%s&user=bootherd",
                 getenv("PGHOST"));
        assert_int_equal(store_open(url, &s), -EIO);
        assert_null(s);
        /* Nothing listens on this TCP port (loopback: the connection is
         * refused at once). */
        assert_int_equal(store_open("postgresql://127.0.0.1:1/bootherd", &s), -EIO);
        assert_null(s);
        (void)f;
}

static void test_location_display(void **state)
{
        (void)state;
        char b[200];
        store_location_display("postgresql://bob:s3cret@db1:5432,db2/inv?sslmode=require", b,
                               sizeof(b));
        assert_string_equal(b, "postgresql://db1:5432,db2/inv?sslmode=require");
        store_location_display("postgres:///inv?host=/run/pg&password=s3cret&user=bob", b,
                               sizeof(b));
        assert_string_equal(b, "postgres:///inv?host=/run/pg&password=***&user=bob");
        store_location_display("/var/lib/bootherd/bootherd.db", b, sizeof(b));
        assert_string_equal(b, "/var/lib/bootherd/bootherd.db");
        assert_true(store_is_url("postgresql://x/y"));
        assert_false(store_is_url("/tmp/postgresql://"));
}

/* Ends the server side of the connections named app (as a restart or an
 * administrator would) and waits until they are gone: pg_terminate_backend
 * only signals. */
static void terminate(const char *url, const char *app)
{
        char sql[300];
        snprintf(sql, sizeof(sql),
                 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE application_name = '%s'",
                 app);
        assert_int_equal(pg_int(url, sql), 1);
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'", app);
        for (int i = 0; i < 500 && pg_int(url, sql) > 0; i++)
                usleep(10000);
        assert_int_equal(pg_int(url, sql), 0);
}

static struct mac mac_of(const char *s)
{
        struct mac m;
        assert_int_equal(mac_parse_str(s, &m), 0);
        return m;
}

/* The server ends the connection (restart, failover, an administrator):
 * the next read reconnects and prepares its statements again; writes
 * resume too.  Nothing restarts bootherd. */
static void test_reconnects(void **state)
{
        struct fixture *f = *state;
        char url[700], app[64];
        snprintf(app, sizeof(app), "reconnect_%d", (int)getpid());
        snprintf(url, sizeof(url), "%s&application_name=%s", f->url, app);
        struct store *s;
        assert_int_equal(store_open(url, &s), 0);
        struct image img = {.name = "a", .kernel = "k", .cmdline = "", .description = ""};
        assert_int_equal(store_image_put(s, &img, true), 0);
        struct machine m = {.mac = mac_of("52:54:00:00:00:01"), .image = "a", .notes = ""};
        assert_int_equal(store_machine_add(s, &m), 0);
        struct machine got;
        assert_int_equal(store_machine_get(s, &m.mac, &got), 0);
        machine_done(&got);

        terminate(f->url, app);
        /* The read runs again on a new connection. */
        assert_int_equal(store_machine_get(s, &m.mac, &got), 0);
        assert_string_equal(got.image, "a");
        machine_done(&got);
        int64_t gen;
        assert_int_equal(store_script_generation(s, &gen), 0);
        /* A write after the read: the new connection takes it. */
        assert_int_equal(store_machine_assign(s, &m.mac, NULL), 0);

        /* A write is never repeated behind the caller's back: the one that
         * meets the broken connection fails with -EAGAIN (503), the next
         * one reconnects. */
        terminate(f->url, app);
        int r = store_machine_assign(s, &m.mac, "a");
        assert_int_equal(r, -EAGAIN);
        assert_non_null(strstr(store_errmsg(s), "unavailable"));
        assert_int_equal(store_machine_assign(s, &m.mac, "a"), 0);
        assert_int_equal(store_machine_get(s, &m.mac, &got), 0);
        assert_string_equal(got.image, "a");
        machine_done(&got);
        store_close(s);
}

static int64_t gen_of(struct store *s)
{
        int64_t g = -1;
        assert_int_equal(store_script_generation(s, &g), 0);
        return g;
}

static int64_t inv_of(struct store *s)
{
        int64_t v = -1;
        assert_int_equal(store_data_version(s, &v), 0);
        return v;
}

/* Polls until f(s) differs from before, for at most a second (the
 * staleness the issue allows); returns the new value or before. */
static int64_t changed_within_1s(struct store *s, int64_t (*f)(struct store *), int64_t before)
{
        for (int i = 0; i < 100; i++) {
                int64_t v = f(s);
                if (v != before)
                        return v;
                struct timespec ts = {.tv_nsec = 10 * 1000000L};
                nanosleep(&ts, NULL);
        }
        return before;
}

/* Two servers' connections: a change through one is what the other's
 * cached counters report on its next read after the NOTIFY (well within a
 * second), with no query per read when nothing changed. */
static void test_notify_invalidates(void **state)
{
        struct fixture *f = *state;
        struct store *a, *b;
        assert_int_equal(store_open(f->url, &a), 0);
        assert_int_equal(store_open(f->url, &b), 0);
        int64_t g0 = gen_of(a), v0 = inv_of(a);
        assert_int_equal(gen_of(a), g0); /* cached: same answer */

        struct image img = {.name = "a", .kernel = "k", .cmdline = "", .description = ""};
        assert_int_equal(store_image_put(b, &img, true), 0);
        int64_t g1 = changed_within_1s(a, gen_of, g0);
        assert_true(g1 > g0);
        assert_int_equal(g1, gen_of(b));
        int64_t v1 = changed_within_1s(a, inv_of, v0);
        assert_true(v1 > v0);

        /* Inventory-only changes (boot_file, notes): the data version
         * moves, the script generation does not. */
        struct machine m = {.mac = mac_of("52:54:00:00:00:01"), .image = "a", .notes = ""};
        assert_int_equal(store_machine_add(b, &m), 0);
        g1 = changed_within_1s(a, gen_of, g1);
        v1 = changed_within_1s(a, inv_of, v1);
        m.notes = "rack 2";
        assert_int_equal(store_machine_update(b, &m), 0);
        assert_true(changed_within_1s(a, inv_of, v1) > v1);
        assert_int_equal(gen_of(a), g1);
        /* Our own commits count too. */
        m.hostname = "n1";
        assert_int_equal(store_machine_update(a, &m), 0);
        assert_true(gen_of(a) > g1);
        store_close(a);
        store_close(b);
}

/* What changed while a connection was broken is read after it reconnects
 * (the notifications sent meanwhile never reached it). */
static void test_notify_after_reconnect(void **state)
{
        struct fixture *f = *state;
        char url[700], app[64];
        snprintf(app, sizeof(app), "notify_%d", (int)getpid());
        snprintf(url, sizeof(url), "%s&application_name=%s", f->url, app);
        struct store *a, *b;
        assert_int_equal(store_open(url, &a), 0);
        assert_int_equal(store_open(f->url, &b), 0);
        int64_t g0 = gen_of(a);
        terminate(f->url, app);
        struct image img = {.name = "b", .kernel = "k", .cmdline = "", .description = ""};
        assert_int_equal(store_image_put(b, &img, true), 0);
        assert_true(gen_of(a) > g0);
        store_close(a);
        store_close(b);
}

/* The database out of reach (it refuses connections; a stopped server does
 * the same): the counters answer the last values read, so caches built on
 * them keep serving; reads and writes fail with -EAGAIN (the API's 503);
 * once it accepts connections again everything works, with no reopen. */
static void test_outage_keeps_last_counters(void **state)
{
        struct fixture *f = *state;
        char url[700], app[64];
        snprintf(app, sizeof(app), "outage_%d", (int)getpid());
        snprintf(url, sizeof(url), "%s&application_name=%s", f->url, app);
        struct store *s;
        assert_int_equal(store_open(url, &s), 0);
        struct image img = {.name = "a", .kernel = "k", .cmdline = "", .description = ""};
        assert_int_equal(store_image_put(s, &img, true), 0);
        int64_t g = gen_of(s), v = inv_of(s);

        char admin[600]; /* a database cannot close itself: from another one */
        snprintf(admin, sizeof(admin), "postgresql:///postgres?host=%s&user=bootherd",
                 getenv("PGHOST"));
        tu_pg_exec(admin, "ALTER DATABASE bootherd ALLOW_CONNECTIONS false");
        terminate(admin, app);
        assert_int_equal(gen_of(s), g);
        assert_int_equal(inv_of(s), v);
        struct image got;
        assert_int_equal(store_image_get(s, "a", &got), -EAGAIN);
        assert_non_null(strstr(store_errmsg(s), "unavailable"));
        assert_int_equal(store_image_put(s, &img, false), -EAGAIN);
        assert_int_equal(gen_of(s), g);

        tu_pg_exec(admin, "ALTER DATABASE bootherd ALLOW_CONNECTIONS true");
        int r = -EAGAIN;
        for (int i = 0; i < 300 && r == -EAGAIN; i++) { /* reconnections: 1/s */
                usleep(10000);
                r = store_image_get(s, "a", &got);
        }
        assert_int_equal(r, 0);
        image_done(&got);
        assert_int_equal(store_image_put(s, &img, false), 0);
        assert_true(gen_of(s) > g);
        store_close(s);
}

int main(void)
{
        if (!tu_pg_url()) {
                fprintf(stderr, "test_pg_backend: BOOTHERD_TEST_PG unset (run under with-pg.sh)\n");
                return 77; /* skipped */
        }
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(test_fresh_and_current),
            T(test_newer_database_refused),
            T(test_failed_migration_leaves_nothing),
            T(test_concurrent_first_open),
            T(test_bad_locations),
            T(test_reconnects),
            T(test_notify_invalidates),
            T(test_notify_after_reconnect),
            T(test_outage_keeps_last_counters),
            cmocka_unit_test(test_location_display),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
