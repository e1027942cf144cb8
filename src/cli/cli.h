/* The admin CLI: one file per noun, all on the same store calls as the
 * daemon and the REST API, usable whether or not the daemon runs.
 *
 * Each command returns the process exit status: 0 on success, 1 on any
 * error after printing exactly one line "bootherd: ..." on stderr, 2 for
 * usage errors. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "core/config.h"
#include "dhcp/dhcp_config.h"
#include "http/http_config.h"
#include "ra/ra_config.h"
#include "store/store.h"
#include "tftp/tftp_config.h"

#define CLI_OK    0
#define CLI_ERR   1
#define CLI_USAGE 2

struct cli {
        struct config cfg; /* core's sections; the protocols' below (cli_config.c) */
        struct http_config http;
        struct tftp_config tftp;
        struct dhcp_config dhcp;
        struct ra_config ra;
        struct store *store; /* opened on demand by cli_store() */
        /* The command creates state (serve, init, the add/create commands):
         * cli_store() may create a database that does not exist yet.  Every
         * other command fails on a missing database, naming its path. */
        bool may_create;
};

/* The whole configuration with its defaults: core's keys plus the
 * sections every protocol registers (cli_config.c).  0 or -ENOMEM. */
int cli_config_init(struct cli *c);
void cli_config_done(struct cli *c);

/* Prints "bootherd: <message>" on stderr; returns CLI_ERR. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: "bootherd: <message> (see: bootherd help)"; returns CLI_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports the store's last error; returns CLI_ERR. */
int cli_store_fail(struct cli *c);

/* Opens the database (creating the state directory and the database if
 * needed, when c->may_create; else a missing SQLite file is an error). */
struct store *cli_store(struct cli *c);

/* Prints j as indented JSON on stdout (reference stolen). */
int cli_print_json(json_t *j);

/* Reads a whole file (or "-" for stdin) into a NUL-terminated string. */
char *cli_read_file(const char *path, size_t max);

/* --since values: "30s", "10m", "2h", "7d" ago, or an ISO 8601 time (Z, an
 * offset, or local); 0 and ms since the epoch, or -1 (cli_events.c). */
int cli_parse_since(const char *s, int64_t *ret_ms);

int cli_image(struct cli *c, int argc, char **argv);
int cli_machine(struct cli *c, int argc, char **argv);
int cli_discovered(struct cli *c, int argc, char **argv);
int cli_events(struct cli *c, int argc, char **argv);
int cli_serve(struct cli *c, int argc, char **argv);
int cli_user(struct cli *c, int argc, char **argv);
int cli_token(struct cli *c, int argc, char **argv);
int cli_store_cmd(struct cli *c, int argc, char **argv);
int cli_audit(struct cli *c, int argc, char **argv);
int cli_init(struct cli *c, int argc, char **argv);

/* Prints the usage of NOUN (VERB NULL or an option) or of NOUN VERB on
 * stdout (cli_help.c); CLI_OK, or CLI_USAGE when there is no such page. */
int cli_help(const char *noun, const char *verb);
