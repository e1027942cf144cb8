/* Shared CLI plumbing: errors, store opening, JSON output. */
#include "cli/cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((format(printf, 2, 0))) static void vfail(const char *suffix, const char *fmt,
                                                        va_list ap)
{
        char msg[1024];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        /* Exactly one line, even when the message quotes a value the user
         * typed with a newline in it ("--hostname $'a\\nb'"). */
        for (char *p = msg; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        fprintf(stderr, "bootherd: %s%s\n", msg, suffix);
}

int cli_fail(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vfail("", fmt, ap);
        va_end(ap);
        return CLI_ERR;
}

int cli_usage(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vfail(" (see: bootherd help)", fmt, ap);
        va_end(ap);
        return CLI_USAGE;
}

int cli_store_fail(struct cli *c)
{
        return cli_fail("%s", store_errmsg(c->store));
}

/* mkdir -p for the state directory (mode 0700: it holds the database). */
static int mkdir_p(const char *path)
{
        char buf[4096];
        if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
                return -ENAMETOOLONG;
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* The CLI's changes are recorded in the audit log as "cli:<unix user>". */
static void cli_audit_as_caller(struct cli *c)
{
        char actor[64];
        struct passwd *pw = getpwuid(geteuid());
        if (pw)
                snprintf(actor, sizeof(actor), "cli:%s", pw->pw_name);
        else
                snprintf(actor, sizeof(actor), "cli:uid%u", (unsigned)geteuid());
        store_set_actor(c->store, actor);
        store_set_audit_retention(c->cfg.auth_audit_retention);
}

struct store *cli_store(struct cli *c)
{
        if (c->store)
                return c->store;
        char *db = config_database_path(&c->cfg);
        if (!db) {
                cli_fail("out of memory");
                return NULL;
        }
        /* A SQLite file that is not there: a mistyped --state-dir or config
         * must not look like an empty inventory. */
        bool fresh = !store_is_url(db) && access(db, F_OK) < 0 && errno == ENOENT;
        if (fresh && !c->may_create) {
                cli_fail("no database at %s (check --state-dir or --config; "
                         "`bootherd init` creates one)",
                         db);
                free(db);
                return NULL;
        }
        int r = 0;
        if (!*c->cfg.database)
                r = mkdir_p(c->cfg.state_dir);
        if (r < 0) {
                cli_fail("cannot create state directory %s: %s", c->cfg.state_dir, strerror(-r));
        } else if (store_open(db, &c->store) < 0) {
                /* store_open printed why */
                c->store = NULL;
        } else {
                if (fresh)
                        fprintf(stderr, "bootherd: created a new database at %s\n", db);
                cli_audit_as_caller(c);
        }
        free(db);
        return c->store;
}

int cli_init(struct cli *c, int argc, char **argv)
{
        if (argc > 1)
                return cli_usage("init takes no arguments (use bootherd --state-dir DIR init)");
        c->may_create = true;
        char *db = config_database_path(&c->cfg);
        if (!db)
                return cli_fail("out of memory");
        bool existed = store_is_url(db) || access(db, F_OK) == 0;
        int rc = CLI_ERR;
        if (cli_store(c)) {
                char shown[256];
                store_location_display(db, shown, sizeof(shown));
                if (existed)
                        fprintf(stderr, "bootherd: database %s is ready (schema up to date)\n",
                                shown);
                rc = CLI_OK;
        }
        free(db);
        return rc;
}

int cli_print_json(json_t *j)
{
        if (!j)
                return cli_fail("out of memory");
        int r = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        json_decref(j);
        fputc('\n', stdout);
        return r < 0 ? cli_fail("cannot write output") : CLI_OK;
}

char *cli_read_file(const char *path, size_t max)
{
        FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
        if (!f)
                return NULL;
        char *buf = malloc(max + 1);
        size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
        bool err = !buf || ferror(f) || n > max;
        if (f != stdin)
                fclose(f);
        if (err) {
                int e = buf ? EFBIG : ENOMEM;
                free(buf);
                errno = e;
                return NULL;
        }
        buf[n] = '\0';
        return buf;
}
