/* The key-table engine: typed values parsed from strings into a struct;
 * see config.h (struct config_key). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/validate.h"

void config_listen_format(const struct config_listen *l, char out[CONFIG_LISTEN_STRMAX])
{
        if (!l->set) {
                out[0] = '\0';
                return;
        }
        char ip[16];
        format_ipv4(config_listen_addr(l), ip);
        snprintf(out, CONFIG_LISTEN_STRMAX, "%s:%u", ip, config_listen_port(l));
}

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

/* Is value one of the '|'-separated words of choices? */
static bool choice_ok(const char *choices, const char *value)
{
        size_t n = strlen(value);
        for (const char *p = choices; *p;) {
                size_t len = strcspn(p, "|");
                if (len == n && strncmp(p, value, n) == 0)
                        return true;
                p += len + (p[len] == '|');
        }
        return false;
}

static int set_int(const struct config_key *k, void *field, const char *value, const char **why)
{
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

static int set_bool(void *field, const char *value, const char **why)
{
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0 ||
            strcmp(value, "on") == 0)
                *(bool *)field = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
                 strcmp(value, "0") == 0 || strcmp(value, "off") == 0)
                *(bool *)field = false;
        else {
                *why = "expected true or false (or on/off)";
                return -EINVAL;
        }
        return 0;
}

static int set_listen(void *field, const char *value, const char **why)
{
        struct config_listen l = {0};
        uint32_t addr;
        uint16_t port;
        if (*value) {
                if (validate_listen(value, &addr, &port) < 0) {
                        *why = "expected ADDRESS:PORT (IPv4) or empty";
                        return -EINVAL;
                }
                l.set = true;
                l.sa.sin_family = AF_INET;
                l.sa.sin_addr.s_addr = htonl(addr);
                l.sa.sin_port = htons(port);
        }
        *(struct config_listen *)field = l;
        return 0;
}

/* The string types: checked, then copied into the char * field. */
static int set_string(const struct config_key *k, void *field, const char *value, const char **why)
{
        switch (k->type) {
        case CONFIG_URL:
                if (*value && !validate_http_url(value)) {
                        *why = "expected an http:// or https:// URL without a trailing '/'";
                        return -EINVAL;
                }
                break;
        case CONFIG_DBURL:
                if (*value && !validate_db_url(value)) {
                        *why = "expected a postgresql:// URI (libpq) or empty";
                        return -EINVAL;
                }
                break;
        case CONFIG_IMAGE:
                if (*value && !validate_image_name(value)) {
                        *why = "not a valid image name ([a-z0-9][a-z0-9._-]{0,62})";
                        return -EINVAL;
                }
                break;
        case CONFIG_CHOICE:
                if (!choice_ok(k->choices, value)) {
                        *why = k->hint ? k->hint : "not an allowed value";
                        return -EINVAL;
                }
                break;
        case CONFIG_IFLIST:
                if (!iflist_ok(value)) {
                        *why = "expected interface names separated by spaces (at most 8)";
                        return -EINVAL;
                }
                break;
        default:
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

static int set_value(const struct config_key *k, void *base, const char *value, const char **why)
{
        void *field = (char *)base + k->offset;
        switch (k->type) {
        case CONFIG_INT:
                return set_int(k, field, value, why);
        case CONFIG_BOOL:
                return set_bool(field, value, why);
        case CONFIG_LOGLEVEL:
                if (log_level_parse(value, (enum log_level *)field) < 0) {
                        *why = "expected error, warn, info or debug";
                        return -EINVAL;
                }
                return 0;
        case CONFIG_LISTEN:
                return set_listen(field, value, why);
        default:
                return set_string(k, field, value, why);
        }
}

static bool is_string(enum config_type t)
{
        return t == CONFIG_STR || t == CONFIG_URL || t == CONFIG_IMAGE || t == CONFIG_CHOICE ||
               t == CONFIG_IFLIST || t == CONFIG_DBURL;
}

int config_keys_init(const struct config_key *keys, size_t n, void *base)
{
        for (size_t i = 0; i < n; i++) {
                const char *why;
                int r = set_value(&keys[i], base, keys[i].def, &why);
                if (r < 0)
                        return r == -ENOMEM ? r : -EINVAL; /* a bad default: a bug */
        }
        return 0;
}

void config_keys_done(const struct config_key *keys, size_t n, void *base)
{
        for (size_t i = 0; i < n; i++)
                if (is_string(keys[i].type)) {
                        char **f = (char **)((char *)base + keys[i].offset);
                        free(*f);
                        *f = NULL;
                }
}

int config_keys_set(const struct config_key *keys, size_t n, void *base, const char *name,
                    const char *value, const char **why)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(keys[i].name, name) == 0) {
                        *why = "invalid value";
                        return set_value(&keys[i], base, value, why);
                }
        return -ENOENT;
}

int config_keys_set_in(const struct config_key *keys, size_t n, void *base, const char *section,
                       const char *key, const char *value, char *err, size_t cap)
{
        const char *why = "invalid value";
        int r = config_keys_set(keys, n, base, key, value, &why);
        if (r == -ENOENT) {
                snprintf(err, cap, "unknown key \"%s\" in section [%s]", key, section);
                return -EINVAL;
        }
        if (r < 0)
                snprintf(err, cap, "[%s] %s = \"%.200s\": %s", section, key, value, why);
        return r;
}
