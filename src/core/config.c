/* Core configuration table, section registry and INI loading; see config.h. */
#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct config, field)

static const struct config_key keys[] = {
    {"server", "state_dir", CONFIG_STR, F(state_dir), "/var/lib/bootherd", 0, 0, NULL, NULL},
    {"server", "public_url", CONFIG_URL, F(public_url), "", 0, 0, NULL, NULL},
    {"server", "log_level", CONFIG_LOGLEVEL, F(log_level), "info", 0, 0, NULL, NULL},
    {"server", "database", CONFIG_STR, F(database), "", 0, 0, NULL, NULL},
    {"server", "user", CONFIG_STR, F(user), "", 0, 0, NULL, NULL},
    {"server", "name", CONFIG_STR, F(server_name), "", 0, 0, NULL, NULL},
    {"server", "landlock", CONFIG_BOOL, F(landlock), "true", 0, 0, NULL, NULL},
    {"server", "seccomp", CONFIG_CHOICE, F(seccomp), "enforce", 0, 0, "enforce|log|off",
     "expected enforce, log or off"},
    {"store", "url", CONFIG_DBURL, F(store_url), "", 0, 0, NULL, NULL},
    {"images", "root", CONFIG_STR, F(images_root), "", 0, 0, NULL, NULL},
    {"images", "upload", CONFIG_BOOL, F(images_upload), "true", 0, 0, NULL, NULL},
    {"images", "upload_max", CONFIG_INT, F(images_upload_max), "4294967296", 1, INT64_C(1) << 50,
     NULL, NULL},
    {"boot", "unknown_retry_s", CONFIG_INT, F(boot_unknown_retry_s), "30", 1, 86400, NULL, NULL},
    {"boot", "default_image", CONFIG_IMAGE, F(boot_default_image), "", 0, 0, NULL, NULL},
    {"boot", "event_retention", CONFIG_INT, F(boot_event_retention), "100000", 100, 100000000, NULL,
     NULL},
    {"boot", "discovered_max", CONFIG_INT, F(boot_discovered_max), "10000", 10, 10000000, NULL,
     NULL},
    {"boot", "discovered_per_address_burst", CONFIG_INT, F(boot_discovered_burst), "256", 1,
     1000000, NULL, NULL},
    {"boot", "discovered_per_address_per_min", CONFIG_INT, F(boot_discovered_per_min), "60", 1,
     1000000, NULL, NULL},
    {"boot", "discovered_expire_s", CONFIG_INT, F(boot_discovered_expire_s), "2592000", 0,
     315360000, NULL, NULL},
    {"auth", "session_idle_s", CONFIG_INT, F(auth_session_idle_s), "3600", 60, 2592000, NULL, NULL},
    {"auth", "session_max_s", CONFIG_INT, F(auth_session_max_s), "43200", 60, 2592000, NULL, NULL},
    {"auth", "login_burst", CONFIG_INT, F(auth_login_burst), "5", 1, 1000, NULL, NULL},
    {"auth", "login_refill_s", CONFIG_INT, F(auth_login_refill_s), "12", 1, 86400, NULL, NULL},
    {"auth", "audit_retention", CONFIG_INT, F(auth_audit_retention), "100000", 100, 100000000, NULL,
     NULL},
    {"auth", "metrics", CONFIG_CHOICE, F(auth_metrics), "open", 0, 0, "open|token",
     "expected open or token"},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

int config_init(struct config *c)
{
        memset(c, 0, sizeof(*c));
        if (bootfiles_set_defaults(&c->bootfiles) < 0)
                return -ENOMEM;
        if (config_keys_init(keys, N_KEYS, c) < 0) {
                config_done(c);
                return -ENOMEM;
        }
        return 0;
}

void config_done(struct config *c)
{
        bootfiles_done(&c->bootfiles);
        config_keys_done(keys, N_KEYS, c);
        c->n_sections = 0;
}

int config_register(struct config *c, struct config_section *s)
{
        if (c->n_sections >= CONFIG_SECTIONS_MAX)
                return -ENOSPC;
        c->sections[c->n_sections++] = s;
        return 0;
}

static struct config_section *section_owner(const struct config *c, const char *section)
{
        for (size_t i = 0; i < c->n_sections; i++) {
                struct config_section *s = c->sections[i];
                size_t n = strlen(s->name);
                if (s->prefix ? strncmp(section, s->name, n) == 0 && section[n] == ' '
                              : strcmp(section, s->name) == 0)
                        return s;
        }
        return NULL;
}

static int set_bootfile(struct config *c, const char *key, const char *value, const char *origin,
                        char err[CONFIG_ERR_MAX])
{
        int r = bootfiles_set(&c->bootfiles, key, value);
        if (r < 0)
                snprintf(err, CONFIG_ERR_MAX, "%s: [bootfiles] %s: %s", origin, key,
                         r == -ENOSPC ? "too many boot files"
                                      : "expected NAME = /absolute/path, NAME a plain file name");
        return r;
}

int config_set(struct config *c, const char *section, const char *key, const char *value,
               const char *origin, char err[CONFIG_ERR_MAX])
{
        if (strcmp(section, "bootfiles") == 0)
                return set_bootfile(c, key, value, origin, err);
        struct config_section *owner = section_owner(c, section);
        if (owner) {
                char why[CONFIG_ERR_MAX - 64];
                int r = owner->set(owner->data, section, key, value, why, sizeof(why));
                if (r < 0)
                        snprintf(err, CONFIG_ERR_MAX, "%s: %s", origin, why);
                return r;
        }
        bool section_known = false;
        for (size_t i = 0; i < N_KEYS; i++) {
                if (strcmp(keys[i].section, section) != 0)
                        continue;
                section_known = true;
                if (strcmp(keys[i].name, key) != 0)
                        continue;
                const char *why = "invalid value";
                int r = config_keys_set(&keys[i], 1, c, key, value, &why);
                if (r < 0)
                        snprintf(err, CONFIG_ERR_MAX, "%s: [%s] %s = \"%.200s\": %s", origin,
                                 section, key, value, why);
                return r;
        }
        if (!section_known)
                snprintf(err, CONFIG_ERR_MAX, "%s: unknown section [%s]", origin, section);
        else
                snprintf(err, CONFIG_ERR_MAX, "%s: unknown key \"%s\" in section [%s]", origin, key,
                         section);
        return -EINVAL;
}

/* ---- loading ---- */

/* A key whose value may still continue on indented lines: applied when the
 * next key (or the end of the file) shows it is complete. */
struct pending {
        char section[200], name[200];
        char *value;
        size_t len;
        int line;
};

struct load_ctx {
        struct config *c;
        FILE *f;
        int lines_read; /* counts like inih's line number */
        bool indented;  /* the line inih is parsing starts with a blank */
        int long_line;  /* first line longer than inih's buffer */
        int max_line;
        struct pending p; /* p.value NULL: none */
        bool failed;
        bool oom;
        int failed_line;
        char msg[CONFIG_ERR_MAX];
};

/* fgets for inih that counts lines (inih reports only the first error's
 * line) and notes whether a line is indented (a continuation). */
static char *config_read_line(char *str, int num, void *stream)
{
        struct load_ctx *ctx = stream;
        char *r = fgets(str, num, ctx->f);
        if (!r)
                return NULL;
        ctx->lines_read++;
        ctx->indented = str[0] == ' ' || str[0] == '\t';
        size_t n = strlen(str);
        if (n + 1 == (size_t)num && str[n - 1] != '\n') {
                int ch = fgetc(ctx->f);
                if (ch == EOF || ch == '\n')
                        return r; /* the line just fitted */
                /* inih would cut the value here and parse the rest as another
                 * line: drop the rest, and hand inih a line it refuses. */
                while ((ch = fgetc(ctx->f)) != EOF && ch != '\n')
                        ;
                if (!ctx->long_line) {
                        ctx->long_line = ctx->lines_read;
                        ctx->max_line = num - 2;
                }
                snprintf(str, (size_t)num, "!\n");
        }
        return r;
}

/* Applies the pending key; keeps only the first error. */
static void flush_pending(struct load_ctx *ctx)
{
        struct pending *p = &ctx->p;
        if (!p->value)
                return;
        char tmp[CONFIG_ERR_MAX];
        if (!ctx->failed && config_set(ctx->c, p->section, p->name, p->value, "", tmp) < 0) {
                /* tmp starts with ": " (the empty origin). */
                snprintf(ctx->msg, sizeof(ctx->msg), "%s", tmp + 2);
                ctx->failed = true;
                ctx->failed_line = p->line;
        }
        free(p->value);
        p->value = NULL;
}

static bool append(struct pending *p, const char *s)
{
        size_t n = strlen(s);
        char *v = realloc(p->value, p->len + n + 1);
        if (!v)
                return false;
        memcpy(v + p->len, s, n + 1);
        p->value = v;
        p->len += n;
        return true;
}

/* inih handler: a continuation (an indented line after a key) is appended
 * to the pending value; a new key first completes the pending one. */
static int config_ini_line(void *user, const char *section, const char *name, const char *value)
{
        struct load_ctx *ctx = user;
        struct pending *p = &ctx->p;
        if (ctx->indented && p->value && strcmp(p->section, section) == 0 &&
            strcmp(p->name, name) == 0) {
                if (!append(p, value))
                        ctx->oom = true;
                return 1;
        }
        flush_pending(ctx);
        snprintf(p->section, sizeof(p->section), "%s", section);
        snprintf(p->name, sizeof(p->name), "%s", name);
        p->len = 0;
        p->line = ctx->lines_read;
        if (!append(p, value))
                ctx->oom = true;
        /* Errors are reported after the parse, with the key's own line. */
        return 1;
}

int config_load(struct config *c, const char *path, char err[CONFIG_ERR_MAX])
{
        struct load_ctx ctx = {.c = c};
        FILE *f = fopen(path, "re");
        if (!f) {
                int r = -errno;
                snprintf(err, CONFIG_ERR_MAX, "%s: %s", path, strerror(-r));
                return r;
        }
        ctx.f = f;
        int line = ini_parse_stream(config_read_line, &ctx, config_ini_line, &ctx);
        fclose(f);
        flush_pending(&ctx);
        if (ctx.oom) {
                snprintf(err, CONFIG_ERR_MAX, "%s: out of memory", path);
                return -ENOMEM;
        }
        if (line < 0) {
                snprintf(err, CONFIG_ERR_MAX, "%s: cannot read file", path);
                return -EIO;
        }
        const char *why;
        if (ctx.failed && (line == 0 || ctx.failed_line <= line)) {
                line = ctx.failed_line;
                why = ctx.msg;
        } else if (line == 0) {
                return 0;
        } else if (line == ctx.long_line) {
                snprintf(ctx.msg, sizeof(ctx.msg),
                         "line longer than %d characters (continue a long value on indented "
                         "lines)",
                         ctx.max_line);
                why = ctx.msg;
        } else {
                why = "syntax error (expected [section] or key = value)";
        }
        /* A very long path may truncate the message; the line number stays. */
        if (snprintf(err, CONFIG_ERR_MAX, "%s:%d: %s", path, line, why) >= CONFIG_ERR_MAX)
                err[CONFIG_ERR_MAX - 1] = '\0';
        return -EINVAL;
}

static char *join(const char *dir, const char *leaf)
{
        char *s;
        if (asprintf(&s, "%s/%s", dir, leaf) < 0)
                return NULL;
        return s;
}

char *config_database_path(const struct config *c)
{
        if (*c->store_url)
                return strdup(c->store_url);
        return *c->database ? strdup(c->database) : join(c->state_dir, "bootherd.db");
}

char *config_images_root(const struct config *c)
{
        return *c->images_root ? strdup(c->images_root) : join(c->state_dir, "images");
}
