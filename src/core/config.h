/* Configuration: an INI file (inih) plus command-line overrides.
 *
 * core/ owns the settings every layer shares ([server], [images], [boot],
 * [auth], [bootfiles]); each protocol module owns its own sections ([http],
 * [tftp], [dhcp] and [subnet NAME], [ra]) and registers them here with
 * config_register(), so core/ knows none of them.  Keys are described by
 * tables (struct config_key: name, type, range, default, field) that this
 * file's engine parses; docs/configuration.md documents each.  An unknown
 * section or key, or a bad value, is an error naming file:line.
 *
 * A value may continue on the lines after it when they are indented (inih
 * reads lines of at most 199 characters): the pieces are joined as they
 * are, without a separator, so a long public_url can be split anywhere. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bootfiles.h"
#include "core/log.h"

#define CONFIG_DEFAULT_PATH  "/etc/bootherd/bootherd.conf"
#define CONFIG_ERR_MAX       512
#define CONFIG_IFLIST_MAX    8  /* names in an interface list ([ra] interfaces) */
#define CONFIG_SECTIONS_MAX  8  /* sections registered by modules */
#define CONFIG_LISTEN_STRMAX 22 /* "255.255.255.255:65535" */

/* An "ADDRESS:PORT" value, parsed when the file is loaded.  set = false:
 * the value was empty (the listener is off). */
struct config_listen {
        bool set;
        struct sockaddr_in sa; /* AF_INET, network order as bind(2) wants it */
};

static inline uint32_t config_listen_addr(const struct config_listen *l)
{
        return ntohl(l->sa.sin_addr.s_addr);
}

static inline uint16_t config_listen_port(const struct config_listen *l)
{
        return ntohs(l->sa.sin_port);
}

/* "A.B.C.D:PORT", or "" when not set. */
void config_listen_format(const struct config_listen *l, char out[CONFIG_LISTEN_STRMAX]);

struct config {
        /* [server] */
        char *state_dir;  /* database and default images root */
        char *public_url; /* e.g. "http://198.18.0.1"; empty = address the request came in on */
        enum log_level log_level;
        char *database;    /* empty = <state_dir>/bootherd.db */
        char *user;        /* drop root to this user once sockets are open; empty = stay */
        char *server_name; /* names this server in events; empty = host name */
        bool landlock;     /* confine files with Landlock (core/confine.h) */
        char *seccomp;     /* "enforce", "log" or "off": the system-call allow-list */

        /* [store] */
        char *store_url; /* postgresql:// URI; empty = SQLite (database / state_dir) */

        /* [images] */
        char *images_root;         /* empty = <state_dir>/images */
        bool images_upload;        /* the API may write files there (admins) */
        int64_t images_upload_max; /* bytes per uploaded file */

        /* [boot] */
        int64_t boot_unknown_retry_s;
        char *boot_default_image;         /* empty = none: unknown machines wait */
        int64_t boot_event_retention;     /* events kept (newest) */
        int64_t boot_discovered_max;      /* discovered machines kept at most */
        int64_t boot_discovered_burst;    /* created at once per peer address ... */
        int64_t boot_discovered_per_min;  /* ... then this many a minute */
        int64_t boot_discovered_expire_s; /* not seen this long: removed; 0 = never */

        /* [auth] web UI and REST API */
        int64_t auth_session_idle_s; /* a session unused this long ends */
        int64_t auth_session_max_s;  /* and every session ends this long after login */
        int64_t auth_login_burst;    /* failed logins allowed per address/user name ... */
        int64_t auth_login_refill_s; /* ... then one more every this many seconds */
        char *auth_metrics;          /* "open" or "token": who may read /metrics */
        /* audit log rows kept (the newest) */
        int64_t auth_audit_retention;

        /* [bootfiles] name = path, over Debian's defaults */
        struct bootfiles bootfiles;

        /* Sections registered by the protocol modules (config_register). */
        struct config_section *sections[CONFIG_SECTIONS_MAX];
        size_t n_sections;
};

/* ---- key tables, for core and for the modules' own sections ---- */

enum config_type {
        CONFIG_STR,
        CONFIG_INT,      /* int64_t within [min, max] */
        CONFIG_BOOL,     /* bool: true/false, yes/no, on/off, 1/0 */
        CONFIG_LOGLEVEL, /* enum log_level */
        CONFIG_LISTEN,   /* struct config_listen: "A.B.C.D:PORT" or empty */
        CONFIG_URL,      /* char *: http(s) URL without a trailing '/', or empty */
        CONFIG_IMAGE,    /* char *: an image name, or empty */
        CONFIG_CHOICE,   /* char *: one of the '|'-separated words in `choices` */
        CONFIG_IFLIST,   /* char *: interface names separated by spaces or commas */
        CONFIG_DBURL,    /* char *: a postgresql:// URI (libpq), or empty */
};

struct config_key {
        const char *section; /* core's table only; a module's table leaves it NULL */
        const char *name;
        enum config_type type;
        size_t offset; /* of the field in the table's struct */
        const char *def;
        int64_t min, max;    /* CONFIG_INT */
        const char *choices; /* CONFIG_CHOICE: "open|token" */
        const char *hint;    /* CONFIG_CHOICE: the error message ("expected open or token") */
};

/* Sets every key of the table to its default in the struct at base.
 * -ENOMEM (the struct is then released with config_keys_done()). */
int config_keys_init(const struct config_key *keys, size_t n, void *base);
/* Frees the strings the table's keys own in the struct at base. */
void config_keys_done(const struct config_key *keys, size_t n, void *base);
/* Parses value into key `name` of the table.  -ENOENT: no such key;
 * -EINVAL/-ERANGE: bad value, *why says why; -ENOMEM. */
int config_keys_set(const struct config_key *keys, size_t n, void *base, const char *name,
                    const char *value, const char **why);

/* config_keys_set() with the messages config_set() prints: "[section] key
 * = "value": why" or "unknown key ... in section [section]" in err. */
int config_keys_set_in(const struct config_key *keys, size_t n, void *base, const char *section,
                       const char *key, const char *value, char *err, size_t cap);

/* ---- sections owned by modules ---- */

struct config_section {
        const char *name; /* "tftp"; with prefix, matches "name WORD" ("subnet lab2") */
        bool prefix;
        /* Sets one key of section (its full name).  Returns 0, or a negative
         * errno with "[section] key = "value": why" (or "unknown key ...")
         * written into err. */
        int (*set)(void *data, const char *section, const char *key, const char *value, char *err,
                   size_t cap);
        void *data; /* the module's configuration struct */
};

/* Fills c with defaults (all strings allocated); no sections registered. */
int config_init(struct config *c);
/* Releases core's fields (registered sections belong to their modules). */
void config_done(struct config *c);

/* Routes the sections s names to s->set from now on.  s must outlive c.
 * -ENOSPC when CONFIG_SECTIONS_MAX are registered. */
int config_register(struct config *c, struct config_section *s);

/* Loads path over the current values.  On error returns negative errno and
 * writes "FILE:LINE: message" into err. */
int config_load(struct config *c, const char *path, char err[CONFIG_ERR_MAX]);

/* Sets one key from the command line ("section.key" spelling errors are
 * reported the same way, with origin instead of file:line). */
int config_set(struct config *c, const char *section, const char *key, const char *value,
               const char *origin, char err[CONFIG_ERR_MAX]);

/* Derived paths: malloc'ed, caller frees.  The database's location is what
 * store_open() takes: [store] url when set, else the SQLite file. */
char *config_database_path(const struct config *c);
char *config_images_root(const struct config *c);
