/* Configuration: an INI file (inih) plus command-line overrides.
 *
 * Every key lives in one table in config.c (section, name, type, range,
 * default, field); docs/configuration.md documents each.  An unknown section
 * or key, or a bad value, is an error naming file:line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bootfiles.h"
#include "core/log.h"
#include "dhcp/dhcp_config.h"

#define CONFIG_DEFAULT_PATH "/etc/bootherd/bootherd.conf"
#define CONFIG_ERR_MAX      512
#define CONFIG_IFLIST_MAX   8 /* names in an interface list ([ra] interfaces) */

struct config {
        /* [server] */
        char *state_dir;  /* database and default images root */
        char *public_url; /* e.g. "http://198.18.0.1"; empty = address the request came in on */
        enum log_level log_level;
        char *database;    /* empty = <state_dir>/bootherd.db */
        char *user;        /* drop root to this user once sockets are open; empty = stay */
        char *server_name; /* names this server in events; empty = host name */

        /* [store] */
        char *store_url; /* postgresql:// URI; empty = SQLite (database / state_dir) */

        /* [http] */
        char *http_listen; /* "ADDR:PORT"; empty = HTTP off */
        int64_t http_threads;
        int64_t http_max_image_transfers; /* concurrent /images bodies; beyond: 503 */
        int64_t http_retry_after_s;
        int64_t http_max_connections;
        int64_t http_connection_timeout_s;
        int64_t http_script_cache; /* rendered boot scripts kept per thread; 0 = none */
        char *http_tls_listen;     /* "ADDR:PORT" for HTTPS (UI, API, boot paths); empty = off */
        char *http_tls_cert;       /* PEM certificate chain */
        char *http_tls_key;        /* PEM private key */

        /* [images] */
        char *images_root; /* empty = <state_dir>/images */

        /* [boot] */
        int64_t boot_unknown_retry_s;
        char *boot_default_image;     /* empty = none: unknown machines wait */
        int64_t boot_event_retention; /* events kept (newest) */

        /* [auth] web UI and REST API */
        int64_t auth_session_idle_s; /* a session unused this long ends */
        int64_t auth_session_max_s;  /* and every session ends this long after login */
        int64_t auth_login_burst;    /* failed logins allowed per address/user name ... */
        int64_t auth_login_refill_s; /* ... then one more every this many seconds */
        char *auth_metrics;          /* "open" or "token": who may read /metrics */
        /* [tftp] */
        bool tftp_enabled;
        char *tftp_listen; /* "ADDR:PORT" */
        char *tftp_root;   /* confined root for files not in the boot-file map */
        int64_t tftp_max_blksize;
        int64_t tftp_max_windowsize;
        int64_t tftp_max_transfers;
        int64_t tftp_max_per_client;
        int64_t tftp_timeout_ms;       /* retransmission timeout ceiling */
        int64_t tftp_retries;          /* retransmissions without progress before giving up */
        bool tftp_pxelinux_tftp_paths; /* pxelinux.cfg: /images/… paths instead of http URLs */

        /* [bootfiles] name = path, over Debian's defaults */
        struct bootfiles bootfiles;

        /* [ra] IPv6 router advertisements that end iPXE's IPv6 wait (ra/ra_server.c) */
        bool ra_enabled;
        char *ra_interfaces;   /* space-separated names; empty = the interfaces DHCP serves */
        int64_t ra_interval_s; /* MaxRtrAdvInterval (RFC 4861 §6.2.1) */

        /* [dhcp] and [subnet NAME] (parsed by dhcp/dhcp_config.c) */
        struct dhcp_config dhcp;
};

/* Fills c with defaults (all strings allocated). */
int config_init(struct config *c);
void config_done(struct config *c);

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
