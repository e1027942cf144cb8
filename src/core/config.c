/* Configuration table and INI loading; see config.h. */
#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "store/store.h"

enum cfg_type {
        CFG_STR,
        CFG_INT,
        CFG_BOOL,
        CFG_LOGLEVEL,
        CFG_LISTEN,
        CFG_URL,
        CFG_IMAGE,
        CFG_METRICS,
        CFG_IFLIST,
        CFG_DBURL,
};

struct cfg_key {
        const char *section;
        const char *name;
        enum cfg_type type;
        size_t offset;
        const char *def;
        int64_t min, max; /* CFG_INT */
};

#define F(field) offsetof(struct config, field)

static const struct cfg_key keys[] = {
    {"server", "state_dir", CFG_STR, F(state_dir), "/var/lib/bootherd", 0, 0},
    {"server", "public_url", CFG_URL, F(public_url), "", 0, 0},
    {"server", "log_level", CFG_LOGLEVEL, F(log_level), "info", 0, 0},
    {"server", "database", CFG_STR, F(database), "", 0, 0},
    {"server", "user", CFG_STR, F(user), "", 0, 0},
    {"server", "name", CFG_STR, F(server_name), "", 0, 0},
    {"http", "listen", CFG_LISTEN, F(http_listen), "0.0.0.0:80", 0, 0},
    {"http", "threads", CFG_INT, F(http_threads), "2", 1, 64},
    {"http", "max_image_transfers", CFG_INT, F(http_max_image_transfers), "256", 1, 100000},
    {"http", "retry_after_s", CFG_INT, F(http_retry_after_s), "5", 1, 3600},
    {"http", "max_connections", CFG_INT, F(http_max_connections), "4096", 16, 1000000},
    {"http", "connection_timeout_s", CFG_INT, F(http_connection_timeout_s), "60", 1, 3600},
    {"http", "script_cache", CFG_INT, F(http_script_cache), "16384", 0, 10000000},
    {"http", "tls_listen", CFG_LISTEN, F(http_tls_listen), "", 0, 0},
    {"http", "tls_cert", CFG_STR, F(http_tls_cert), "", 0, 0},
    {"http", "tls_key", CFG_STR, F(http_tls_key), "", 0, 0},
    {"images", "root", CFG_STR, F(images_root), "", 0, 0},
    {"boot", "unknown_retry_s", CFG_INT, F(boot_unknown_retry_s), "30", 1, 86400},
    {"boot", "default_image", CFG_IMAGE, F(boot_default_image), "", 0, 0},
    {"boot", "event_retention", CFG_INT, F(boot_event_retention), "100000", 100, 100000000},
    {"auth", "session_idle_s", CFG_INT, F(auth_session_idle_s), "3600", 60, 2592000},
    {"auth", "session_max_s", CFG_INT, F(auth_session_max_s), "43200", 60, 2592000},
    {"auth", "login_burst", CFG_INT, F(auth_login_burst), "5", 1, 1000},
    {"auth", "login_refill_s", CFG_INT, F(auth_login_refill_s), "12", 1, 86400},
    {"auth", "metrics", CFG_METRICS, F(auth_metrics), "open", 0, 0},
    {"store", "url", CFG_DBURL, F(store_url), "", 0, 0},
    {"tftp", "enabled", CFG_BOOL, F(tftp_enabled), "true", 0, 0},
    {"tftp", "listen", CFG_LISTEN, F(tftp_listen), "0.0.0.0:69", 0, 0},
    {"tftp", "root", CFG_STR, F(tftp_root), "/usr/lib/ipxe", 0, 0},
    {"tftp", "max_blksize", CFG_INT, F(tftp_max_blksize), "65464", 512, 65464},
    {"tftp", "max_windowsize", CFG_INT, F(tftp_max_windowsize), "64", 1, 1024},
    {"tftp", "max_transfers", CFG_INT, F(tftp_max_transfers), "256", 1, 100000},
    {"tftp", "max_per_client", CFG_INT, F(tftp_max_per_client), "8", 1, 100000},
    {"tftp", "timeout_ms", CFG_INT, F(tftp_timeout_ms), "1000", 100, 255000},
    {"tftp", "retries", CFG_INT, F(tftp_retries), "8", 1, 100},
    {"tftp", "pxelinux_tftp_paths", CFG_BOOL, F(tftp_pxelinux_tftp_paths), "false", 0, 0},
    {"ra", "enabled", CFG_BOOL, F(ra_enabled), "false", 0, 0},
    {"ra", "interfaces", CFG_IFLIST, F(ra_interfaces), "", 0, 0},
    {"ra", "interval_s", CFG_INT, F(ra_interval_s), "600", 4, 1800},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* "eth0 eth1" (spaces or commas): 1 to CONFIG_IFLIST_MAX interface names
 * of 1 to 15 characters, none "." / ".." or with a '/' (IFNAMSIZ rules). */
static bool iflist_ok(const char *s)
{
        size_t n = 0;
        while (*s) {
                size_t len = strcspn(s, " \t,");
                if (len > 0) {
                        if (len > 15 || ++n > CONFIG_IFLIST_MAX || memchr(s, '/', len) ||
                            strncmp(s, ".", len) == 0 || strncmp(s, "..", len) == 0)
                                return false;
                        s += len;
                }
                s += strspn(s, " \t,");
        }
        return true;
}

static int set_value(struct config *c, const struct cfg_key *k, const char *value, const char **why)
{
        void *field = (char *)c + k->offset;
        switch (k->type) {
        case CFG_INT: {
                char *end;
                errno = 0;
                long long v = strtoll(value, &end, 10);
                if (errno || end == value || *end) {
                        *why = "expected an integer";
                        return -EINVAL;
                }
                if (v < k->min || v > k->max) {
                        *why = "out of range";
                        return -ERANGE;
                }
                *(int64_t *)field = v;
                return 0;
        }
        case CFG_BOOL:
                if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
                    strcmp(value, "1") == 0)
                        *(bool *)field = true;
                else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
                         strcmp(value, "0") == 0)
                        *(bool *)field = false;
                else {
                        *why = "expected true or false";
                        return -EINVAL;
                }
                return 0;
        case CFG_LOGLEVEL:
                if (log_level_parse(value, (enum log_level *)field) < 0) {
                        *why = "expected error, warn, info or debug";
                        return -EINVAL;
                }
                return 0;
        case CFG_LISTEN:
                if (*value && validate_listen(value, NULL, NULL) < 0) {
                        *why = "expected ADDRESS:PORT (IPv4) or empty";
                        return -EINVAL;
                }
                break;
        case CFG_URL:
                if (*value && !validate_http_url(value)) {
                        *why = "expected an http:// or https:// URL without a trailing '/'";
                        return -EINVAL;
                }
                break;
        case CFG_IMAGE:
                if (*value && !validate_image_name(value)) {
                        *why = "not a valid image name ([a-z0-9][a-z0-9._-]{0,62})";
                        return -EINVAL;
                }
                break;
        case CFG_METRICS:
                if (strcmp(value, "open") != 0 && strcmp(value, "token") != 0) {
                        *why = "expected open or token";
                        return -EINVAL;
                }
                break;
        case CFG_IFLIST:
                if (!iflist_ok(value)) {
                        *why = "expected interface names separated by spaces (at most 8)";
                        return -EINVAL;
                }
                break;
        case CFG_DBURL:
                if (*value && (!store_is_url(value) || strpbrk(value, " \t\r\n"))) {
                        *why = "expected a postgresql:// URI (libpq) or empty";
                        return -EINVAL;
                }
                break;
        case CFG_STR:
                break;
        }
        char *dup = strdup(value);
        if (!dup) {
                *why = "out of memory";
                return -ENOMEM;
        }
        free(*(char **)field);
        *(char **)field = dup;
        return 0;
}

static bool is_string(enum cfg_type t)
{
        return t != CFG_INT && t != CFG_LOGLEVEL && t != CFG_BOOL;
}

int config_init(struct config *c)
{
        memset(c, 0, sizeof(*c));
        if (bootfiles_set_defaults(&c->bootfiles) < 0)
                return -ENOMEM;
        if (dhcp_config_init(&c->dhcp) < 0) {
                bootfiles_done(&c->bootfiles);
                return -ENOMEM;
        }
        for (size_t i = 0; i < N_KEYS; i++) {
                const char *why;
                if (set_value(c, &keys[i], keys[i].def, &why) < 0) {
                        config_done(c);
                        return -ENOMEM;
                }
        }
        return 0;
}

void config_done(struct config *c)
{
        bootfiles_done(&c->bootfiles);
        dhcp_config_done(&c->dhcp);
        for (size_t i = 0; i < N_KEYS; i++)
                if (is_string(keys[i].type)) {
                        char **f = (char **)((char *)c + keys[i].offset);
                        free(*f);
                        *f = NULL;
                }
}

int config_set(struct config *c, const char *section, const char *key, const char *value,
               const char *origin, char err[CONFIG_ERR_MAX])
{
        if (strcmp(section, "bootfiles") == 0) {
                int r = bootfiles_set(&c->bootfiles, key, value);
                if (r < 0)
                        snprintf(err, CONFIG_ERR_MAX, "%s: [bootfiles] %s: %s", origin, key,
                                 r == -ENOSPC ? "too many boot files"
                                              : "expected NAME = /absolute/path, NAME a plain "
                                                "file name");
                return r;
        }
        if (dhcp_config_owns(section)) {
                char why[DHCP_CONFIG_ERR_MAX];
                int r = dhcp_config_set(&c->dhcp, section, key, value, why);
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
                int r = set_value(c, &keys[i], value, &why);
                if (r < 0)
                        snprintf(err, CONFIG_ERR_MAX, "%s: [%s] %s = \"%s\": %s", origin, section,
                                 key, value, why);
                return r;
        }
        if (!section_known)
                snprintf(err, CONFIG_ERR_MAX, "%s: unknown section [%s]", origin, section);
        else
                snprintf(err, CONFIG_ERR_MAX, "%s: unknown key \"%s\" in section [%s]", origin, key,
                         section);
        return -EINVAL;
}

struct load_ctx {
        struct config *c;
        const char *path;
        char *err;
        bool failed;
        FILE *f;
        int lines_read; /* counts like inih's line number */
        int failed_line;
        int long_line; /* first line longer than inih's buffer */
        int max_line;
};

/* fgets for inih that counts lines, so a handler error can be told apart
 * from an earlier syntax error (inih reports only the first error's line). */
static char *config_read_line(char *str, int num, void *stream)
{
        struct load_ctx *ctx = stream;
        char *r = fgets(str, num, ctx->f);
        if (!r)
                return NULL;
        ctx->lines_read++;
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

static int config_ini_line(void *user, const char *section, const char *name, const char *value)
{
        struct load_ctx *ctx = user;
        if (ctx->failed)
                return 1; /* keep only the first error */
        char tmp[CONFIG_ERR_MAX];
        if (config_set(ctx->c, section, name, value, "", tmp) < 0) {
                /* tmp starts with ": "; ini_parse() tells us the line afterwards. */
                snprintf(ctx->err, CONFIG_ERR_MAX, "%s", tmp + 2);
                ctx->failed = true;
                ctx->failed_line = ctx->lines_read;
                return 0;
        }
        return 1;
}

int config_load(struct config *c, const char *path, char err[CONFIG_ERR_MAX])
{
        char msg[CONFIG_ERR_MAX] = "";
        struct load_ctx ctx = {.c = c, .path = path, .err = msg};
        FILE *f = fopen(path, "re");
        if (!f) {
                int r = -errno;
                snprintf(err, CONFIG_ERR_MAX, "%s: %s", path, strerror(-r));
                return r;
        }
        ctx.f = f;
        int line = ini_parse_stream(config_read_line, &ctx, config_ini_line, &ctx);
        fclose(f);
        if (line == 0)
                return 0;
        if (line < 0) {
                snprintf(err, CONFIG_ERR_MAX, "%s: cannot read file", path);
                return -EIO;
        }
        if (line == ctx.long_line)
                snprintf(msg, sizeof(msg), "line longer than %d characters", ctx.max_line);
        const char *why = (ctx.failed && ctx.failed_line == line) || line == ctx.long_line
                              ? msg
                              : "syntax error (expected [section] or key = value)";
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
