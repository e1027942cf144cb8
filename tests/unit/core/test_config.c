/* Configuration (src/core/config.c): defaults, loading an INI file, errors
 * that name file:line, command-line overrides, a section registered by a
 * module ([http], http/http_config.c), and values continued on indented
 * lines. */
#include "../test_util.h"

#include <errno.h>
#include <stdio.h>

#include "core/config.h"
#include "http/http_config.h"

struct fixture {
        char *dir;
        char path[600];
        struct config c;
        struct http_config h;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->dir = tu_tmpdir();
        snprintf(f->path, sizeof(f->path), "%s/bootherd.conf", f->dir);
        assert_int_equal(config_init(&f->c), 0);
        assert_int_equal(http_config_init(&f->h), 0);
        assert_int_equal(config_register(&f->c, &f->h.section), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        http_config_done(&f->h);
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
        const struct http_config *h = &f->h;
        assert_true(h->listen.set);
        assert_int_equal(config_listen_addr(&h->listen), 0);
        assert_int_equal(config_listen_port(&h->listen), 80);
        assert_int_equal(h->threads, 2);
        assert_int_equal(h->max_image_transfers, 256);
        assert_int_equal(h->retry_after_s, 5);
        assert_int_equal(h->max_connections, 4096);
        assert_int_equal(h->connection_timeout_s, 60);
        assert_false(h->tls_listen.set);
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
        char listen[CONFIG_LISTEN_STRMAX];
        config_listen_format(&f->h.listen, listen);
        assert_string_equal(listen, "198.18.0.1:8080");
        assert_int_equal(f->h.listen.sa.sin_family, AF_INET);
        assert_int_equal(f->h.threads, 4);
        assert_int_equal(f->h.max_image_transfers, 1);
        assert_int_equal(f->h.retry_after_s, 7);
        assert_int_equal(f->h.max_connections, 100);
        assert_int_equal(f->h.connection_timeout_s, 9);
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
        assert_false(f->h.listen.set);
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
        assert_int_equal(f->h.threads, 2);
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
        assert_int_equal(f->h.threads, 3);
}

/* A value longer than a line continues on indented lines, joined as is:
 * a 1,000-character public_url fits in a file of short lines. */
static void test_continued_value(void **state)
{
        struct fixture *f = *state;
        char url[1001], text[2048];
        memcpy(url, "http://198.18.0.1:8080/", 23);
        for (size_t i = 23; i < 1000; i++)
                url[i] = (char)('a' + i % 26);
        url[1000] = '\0';
        size_t n = (size_t)snprintf(text, sizeof(text), "[server]\npublic_url = %.150s\n", url);
        for (size_t i = 150; i < 1000; i += 150)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%.150s\n",
                                      i % 300 ? "\t" : "    ", url + i);
        snprintf(text + n, sizeof(text) - n, "log_level = debug\n[http]\nthreads = 3\n");
        write_file(f, text);
        char err[CONFIG_ERR_MAX] = "";
        int r = config_load(&f->c, f->path, err);
        if (r < 0)
                print_error("%s\n", err);
        assert_int_equal(r, 0);
        assert_string_equal(f->c.public_url, url);
        assert_int_equal(f->c.log_level, LOG_DEBUG);
        assert_int_equal(f->h.threads, 3);

        /* Pieces are checked joined, not one by one ("http://h/" alone
         * would be refused for its trailing '/')... */
        write_file(f, "[server]\npublic_url = http://h/\n  x\n");
        assert_int_equal(config_load(&f->c, f->path, err), 0);
        assert_string_equal(f->c.public_url, "http://h/x");
        /* ... and an error names the key's own line. */
        expect_error(f, "[boot]\nunknown_retry_s = 1\n  x\n", 2, "expected an integer");
        expect_error(f, "[server]\n\npublic_url = http://h\n  /x/\n", 3, "public_url");
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
            T(test_defaults),
            T(test_load_every_key),
            T(test_empty_values),
            T(test_unknown_key),
            T(test_unknown_section),
            T(test_key_before_section),
            T(test_bad_int),
            T(test_out_of_range),
            T(test_bad_log_level),
            T(test_bad_typed_values),
            T(test_syntax_error),
            T(test_first_error_wins),
            T(test_missing_file),
            T(test_command_line_override),
            T(test_long_line),
            T(test_continued_value),
            cmocka_unit_test(test_done_twice_safe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
