/* Configuration (src/core/config.c): defaults, loading an INI file, errors
 * that name file:line, and command-line overrides. */
#include "../test_util.h"

#include <errno.h>
#include <stdio.h>

#include "core/config.h"

struct fixture {
        char *dir;
        char path[600];
        struct config c;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->dir = tu_tmpdir();
        snprintf(f->path, sizeof(f->path), "%s/bootherd.conf", f->dir);
        assert_int_equal(config_init(&f->c), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        config_done(&f->c);
        tu_rmdir(f->dir);
        free(f);
        return 0;
}

static void write_file(struct fixture *f, const char *text)
{
        FILE *fp = fopen(f->path, "w");
        assert_non_null(fp);
        assert_int_equal(fputs(text, fp) >= 0, 1);
        assert_int_equal(fclose(fp), 0);
}

/* Loads text and expects an error "PATH:LINE: ..." containing `needle`. */
static void expect_error(struct fixture *f, const char *text, int line, const char *needle)
{
        char err[CONFIG_ERR_MAX] = "";
        write_file(f, text);
        int r = config_load(&f->c, f->path, err);
        assert_true(r < 0);
        char prefix[700];
        snprintf(prefix, sizeof(prefix), "%s:%d: ", f->path, line);
        if (strncmp(err, prefix, strlen(prefix)) != 0)
                print_error("expected prefix \"%s\" in \"%s\"\n", prefix, err);
        assert_int_equal(strncmp(err, prefix, strlen(prefix)), 0);
        if (!strstr(err, needle))
                print_error("expected \"%s\" in \"%s\"\n", needle, err);
        assert_non_null(strstr(err, needle));
        assert_null(strchr(err, '\n'));
}

static void test_defaults(void **state)
{
        struct fixture *f = *state;
        struct config *c = &f->c;
        assert_string_equal(c->state_dir, "/var/lib/bootherd");
        assert_string_equal(c->public_url, "");
        assert_int_equal(c->log_level, LOG_INFO);
        assert_string_equal(c->database, "");
        assert_string_equal(c->user, "");
        assert_string_equal(c->http_listen, "0.0.0.0:80");
        assert_int_equal(c->http_threads, 2);
        assert_int_equal(c->http_max_image_transfers, 256);
        assert_int_equal(c->http_retry_after_s, 5);
        assert_int_equal(c->http_max_connections, 4096);
        assert_int_equal(c->http_connection_timeout_s, 60);
        assert_string_equal(c->images_root, "");
        assert_int_equal(c->boot_unknown_retry_s, 30);
        assert_string_equal(c->boot_default_image, "");
        assert_int_equal(c->boot_event_retention, 100000);

        char *db = config_database_path(c), *img = config_images_root(c);
        assert_string_equal(db, "/var/lib/bootherd/bootherd.db");
        assert_string_equal(img, "/var/lib/bootherd/images");
        free(db);
        free(img);
        assert_string_equal(bootfiles_find(&c->bootfiles, "ipxe.efi"), "/usr/lib/ipxe/ipxe.efi");
        assert_string_equal(bootfiles_find(&c->bootfiles, "undionly.kpxe"),
                            "/usr/lib/ipxe/undionly.kpxe");
}

static void test_load_every_key(void **state)
{
        struct fixture *f = *state;
        struct config *c = &f->c;
        write_file(f, "# bootherd test configuration\n"
                      "; another comment style\n"
                      "\n"
                      "[server]\n"
                      "state_dir = /srv/bootherd\n"
                      "public_url = http://198.18.0.1:8080\n"
                      "log_level = debug\n"
                      "database = /srv/db/inventory.db\n"
                      "user = bootherd\n"
                      "[http]\n"
                      "listen = 198.18.0.1:8080\n"
                      "threads = 4\n"
                      "max_image_transfers = 1\n"
                      "retry_after_s = 7\n"
                      "max_connections = 100\n"
                      "connection_timeout_s = 9\n"
                      "[images]\n"
                      "root = /srv/images\n"
                      "[boot]\n"
                      "unknown_retry_s = 11\n"
                      "default_image = debian-12\n"
                      "event_retention = 1000\n"
                      "[bootfiles]\n"
                      "ipxe.efi = /opt/ipxe/ipxe.efi\n"
                      "custom.efi = /opt/ipxe/custom.efi\n");
        char err[CONFIG_ERR_MAX] = "";
        int r = config_load(c, f->path, err);
        if (r < 0)
                print_error("%s\n", err);
        assert_int_equal(r, 0);
        assert_string_equal(c->state_dir, "/srv/bootherd");
        assert_string_equal(c->public_url, "http://198.18.0.1:8080");
        assert_int_equal(c->log_level, LOG_DEBUG);
        assert_string_equal(c->database, "/srv/db/inventory.db");
        assert_string_equal(c->user, "bootherd");
        assert_string_equal(c->http_listen, "198.18.0.1:8080");
        assert_int_equal(c->http_threads, 4);
        assert_int_equal(c->http_max_image_transfers, 1);
        assert_int_equal(c->http_retry_after_s, 7);
        assert_int_equal(c->http_max_connections, 100);
        assert_int_equal(c->http_connection_timeout_s, 9);
        assert_string_equal(c->images_root, "/srv/images");
        assert_int_equal(c->boot_unknown_retry_s, 11);
        assert_string_equal(c->boot_default_image, "debian-12");
        assert_int_equal(c->boot_event_retention, 1000);
        assert_string_equal(bootfiles_find(&c->bootfiles, "ipxe.efi"), "/opt/ipxe/ipxe.efi");
        assert_string_equal(bootfiles_find(&c->bootfiles, "custom.efi"), "/opt/ipxe/custom.efi");

        char *db = config_database_path(c), *img = config_images_root(c);
        assert_string_equal(db, "/srv/db/inventory.db");
        assert_string_equal(img, "/srv/images");
        free(db);
        free(img);
}

static void test_empty_values(void **state)
{
        struct fixture *f = *state;
        /* Empty listen turns HTTP off; empty URL/image mean "none". */
        write_file(f, "[http]\nlisten =\n[server]\npublic_url =\n[boot]\ndefault_image =\n");
        char err[CONFIG_ERR_MAX] = "";
        assert_int_equal(config_load(&f->c, f->path, err), 0);
        assert_string_equal(f->c.http_listen, "");
        assert_string_equal(f->c.public_url, "");
        assert_string_equal(f->c.boot_default_image, "");
}

static void test_unknown_key(void **state)
{
        expect_error(*state, "[server]\nstate_dir = /x\n\nstate_dri = /y\n", 4, "state_dri");
}

static void test_unknown_section(void **state)
{
        expect_error(*state, "# comment\n[server]\nlog_level = info\n[srever]\nlog_level = info\n",
                     5, "srever");
}

static void test_key_before_section(void **state)
{
        expect_error(*state, "\nlog_level = info\n", 2, "unknown section");
}

static void test_bad_int(void **state)
{
        expect_error(*state, "[http]\nthreads = two\n", 2, "threads");
        expect_error(*state, "[http]\nthreads = 2x\n", 2, "expected an integer");
        expect_error(*state, "[http]\nthreads =\n", 2, "expected an integer");
        expect_error(*state, "[boot]\nunknown_retry_s = 1.5\n", 2, "unknown_retry_s");
        expect_error(*state, "[boot]\nunknown_retry_s = 99999999999999999999999\n", 2,
                     "unknown_retry_s");
}

static void test_out_of_range(void **state)
{
        expect_error(*state, "[http]\nthreads = 0\n", 2, "out of range");
        expect_error(*state, "[http]\n\n\nthreads = 65\n", 4, "threads");
        expect_error(*state, "[http]\nmax_image_transfers = -1\n", 2, "out of range");
        expect_error(*state, "[boot]\nunknown_retry_s = 86401\n", 2, "out of range");
        expect_error(*state, "[boot]\nevent_retention = 99\n", 2, "event_retention");
}

static void test_bad_log_level(void **state)
{
        expect_error(*state, "[server]\nstate_dir = /x\nlog_level = verbose\n", 3, "log_level");
        expect_error(*state, "[server]\nlog_level = INFO\n", 2, "expected error, warn, info");
}

static void test_bad_typed_values(void **state)
{
        expect_error(*state, "[http]\nlisten = 80\n", 2, "listen");
        expect_error(*state, "[http]\nlisten = localhost:80\n", 2, "ADDRESS:PORT");
        expect_error(*state, "[server]\npublic_url = http://host/\n", 2, "public_url");
        expect_error(*state, "[server]\npublic_url = ftp://host\n", 2, "public_url");
        expect_error(*state, "[boot]\ndefault_image = Debian 12\n", 2, "default_image");
        expect_error(*state, "[bootfiles]\nipxe.efi = relative/path\n", 2, "bootfiles");
        expect_error(*state, "[bootfiles]\nsub/dir.efi = /x\n", 2, "bootfiles");
}

static void test_syntax_error(void **state)
{
        expect_error(*state, "[server]\nstate_dir /x\n", 2, "syntax error");
        expect_error(*state, "[server\nstate_dir = /x\n", 1, "syntax error");
}

static void test_first_error_wins(void **state)
{
        expect_error(*state, "[http]\nthreads = 0\nbogus = 1\n[nope]\n", 2, "threads");
}

static void test_missing_file(void **state)
{
        struct fixture *f = *state;
        char err[CONFIG_ERR_MAX] = "";
        char path[700];
        snprintf(path, sizeof(path), "%s/absent.conf", f->dir);
        assert_int_equal(config_load(&f->c, path, err), -ENOENT);
        assert_non_null(strstr(err, path));
        /* Nothing changed. */
        assert_string_equal(f->c.state_dir, "/var/lib/bootherd");
}

static void test_command_line_override(void **state)
{
        struct fixture *f = *state;
        char err[CONFIG_ERR_MAX] = "";
        write_file(f, "[server]\nstate_dir = /from/file\nlog_level = warn\n");
        assert_int_equal(config_load(&f->c, f->path, err), 0);
        assert_string_equal(f->c.state_dir, "/from/file");
        /* main.c applies flags after the file: the flag wins. */
        assert_int_equal(config_set(&f->c, "server", "state_dir", "/from/flag", "--state-dir", err),
                         0);
        assert_int_equal(config_set(&f->c, "server", "log_level", "debug", "--log-level", err), 0);
        assert_string_equal(f->c.state_dir, "/from/flag");
        assert_int_equal(f->c.log_level, LOG_DEBUG);
        char *db = config_database_path(&f->c);
        assert_string_equal(db, "/from/flag/bootherd.db");
        free(db);

        /* A bad flag value names the flag, and leaves the value alone. */
        assert_int_equal(config_set(&f->c, "server", "log_level", "loud", "--log-level", err),
                         -EINVAL);
        assert_int_equal(strncmp(err, "--log-level: ", 13), 0);
        assert_non_null(strstr(err, "loud"));
        assert_int_equal(f->c.log_level, LOG_DEBUG);

        assert_int_equal(config_set(&f->c, "http", "threads", "1000", "--threads", err), -ERANGE);
        assert_int_equal(f->c.http_threads, 2);
        assert_int_equal(config_set(&f->c, "http", "nope", "1", "--nope", err), -EINVAL);
        assert_non_null(strstr(err, "unknown key"));
        assert_int_equal(config_set(&f->c, "nope", "x", "1", "--nope", err), -EINVAL);
        assert_non_null(strstr(err, "unknown section"));
}

static void test_long_line(void **state)
{
        struct fixture *f = *state;
        /* Debian's inih reads lines into a 200-byte buffer: a longer line must
         * be an error on that line, never a silently truncated value. */
        char text[1024];
        char longv[400];
        memset(longv, 'a', sizeof(longv) - 1);
        longv[sizeof(longv) - 1] = '\0';
        snprintf(text, sizeof(text), "[server]\nstate_dir = /%s\nlog_level = info\n", longv);
        expect_error(f, text, 2, "line longer than");
        assert_string_equal(f->c.state_dir, "/var/lib/bootherd");

        /* A value that fits is kept whole. */
        char fits[190];
        memset(fits, 'b', sizeof(fits) - 1);
        fits[sizeof(fits) - 1] = '\0';
        snprintf(text, sizeof(text), "[server]\nstate_dir=/%.180s\n[http]\nthreads = 3\n", fits);
        write_file(f, text);
        char err[CONFIG_ERR_MAX] = "";
        int r = config_load(&f->c, f->path, err);
        if (r < 0)
                print_error("%s\n", err);
        assert_int_equal(r, 0);
        assert_int_equal(strlen(f->c.state_dir), 181);
        assert_int_equal(f->c.http_threads, 3);
}

static void test_done_twice_safe(void **state)
{
        struct config c;
        assert_int_equal(config_init(&c), 0);
        config_done(&c);
        config_done(&c);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(test_defaults),        T(test_load_every_key),
            T(test_empty_values),    T(test_unknown_key),
            T(test_unknown_section), T(test_key_before_section),
            T(test_bad_int),         T(test_out_of_range),
            T(test_bad_log_level),   T(test_bad_typed_values),
            T(test_syntax_error),    T(test_first_error_wins),
            T(test_missing_file),    T(test_command_line_override),
            T(test_long_line),       cmocka_unit_test(test_done_twice_safe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
