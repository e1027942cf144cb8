/* bootherd: argv -> global options -> `serve` or an admin command. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"

static const char usage_text[] =
    "usage: bootherd [--config FILE] [--state-dir DIR] [--log-level LEVEL] COMMAND ...\n"
    "\n"
    "  serve                                   run the daemon\n"
    "  init                                    create the database at the configured path\n"
    "  image add NAME --kernel K [--initrd I]... [--cmdline C] [--script FILE]\n"
    "                 [--description D]\n"
    "  image list | show NAME | edit NAME [flags as add, --no-initrd, --no-script]\n"
    "  image remove NAME [--force]\n"
    "  machine add MAC [--image NAME] [--hostname H] [--ip A.B.C.D] [--notes T]\n"
    "                  [--boot-file F] [--netboot on|off] [--secure-boot on|off]\n"
    "  machine edit MAC [flags as add; an empty value clears]\n"
    "  machine assign IMAGE MAC... | assign IMAGE --from FILE|- | unassign MAC...\n"
    "  machine list [--discovered | --state S] [--image NAME] [--hostname PATTERN]\n"
    "  machine show MAC [--attempts N] | remove MAC\n"
    "  discovered adopt --image NAME [--hostname-pattern 'node{n:03}'] [--start N]\n"
    "                   [--ip-range A-B] MAC... | --all [--match TEXT]\n"
    "  events [--mac MAC | --hostname H] [--since TIME] [--limit N] [--follow]\n"
    "  user add NAME [--role admin|viewer]     web UI/API user; password from stdin\n"
    "  user passwd NAME | list | remove NAME\n"
    "  token create NAME [--role viewer|admin] API token, printed once\n"
    "  token list | revoke NAME\n"
    "  audit [--since TIME] [--user ACTOR] [--limit N]  the audit log: who changed what\n"
    "  store copy --to URL [--events N]        copy the inventory into an empty database\n"
    "  help [COMMAND [SUBCOMMAND]]             usage of one command (or: COMMAND --help)\n"
    "  list and show commands take --json.\n"
    "\n"
    "  --config FILE     configuration (default " CONFIG_DEFAULT_PATH " when it exists)\n"
    "  --state-dir DIR   database and default images root (default /var/lib/bootherd)\n"
    "  --log-level L     error, warn, info or debug\n";

struct command {
        const char *name;
        int (*fn)(struct cli *c, int argc, char **argv);
        /* Nouns get argv from their verb ("add ..."); the others from their
         * own name, so that getopt() sees every option after argv[0]. */
        bool noun;
};

static const struct command commands[] = {
    {"serve", cli_serve, false},
    {"image", cli_image, true},
    {"machine", cli_machine, true},
    {"events", cli_events, false},
    {"user", cli_user, true},
    {"token", cli_token, true},
    {"store", cli_store_cmd, true},
    {"init", cli_init, false},
    {"discovered", cli_discovered, true},
    {"audit", cli_audit, false},
};

/* Commands that create state: they may create a database that is not there
 * yet; all others refuse to run on a missing one (cli_store()). */
static bool creates_state(const char *cmd, const char *verb)
{
        static const char *const pairs[][2] = {
            {"serve", NULL},    {"init", NULL},  {"image", "add"},
            {"machine", "add"}, {"user", "add"}, {"token", "create"},
        };
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
                if (strcmp(cmd, pairs[i][0]) == 0 &&
                    (!pairs[i][1] || (verb && strcmp(verb, pairs[i][1]) == 0)))
                        return true;
        return false;
}

/* --help or -h anywhere after the command (before a "--"). */
static bool wants_help(int argc, char **argv)
{
        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return true;
        return false;
}

/* Global options come before the command; they override the file. */
static int parse_globals(int argc, char **argv, struct cli *c, int *ret_index)
{
        const char *config_path = NULL, *state_dir = NULL, *log_level = NULL;
        int i = 1;
        for (; i < argc && argv[i][0] == '-'; i++) {
                const char *opt = argv[i];
                const char **dst = strcmp(opt, "--config") == 0      ? &config_path
                                   : strcmp(opt, "--state-dir") == 0 ? &state_dir
                                   : strcmp(opt, "--log-level") == 0 ? &log_level
                                                                     : NULL;
                if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
                        fputs(usage_text, stdout);
                        return -1;
                }
                if (strcmp(opt, "--version") == 0) {
                        printf("bootherd %s\n", BOOTHERD_VERSION);
                        return -1;
                }
                if (!dst)
                        return cli_usage("unknown option %s", opt);
                if (i + 1 >= argc)
                        return cli_usage("option %s needs a value", opt);
                *dst = argv[++i];
        }
        char err[CONFIG_ERR_MAX];
        if (!config_path && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
                config_path = CONFIG_DEFAULT_PATH;
        if (config_path && config_load(&c->cfg, config_path, err) < 0)
                return cli_fail("%s", err);
        if (state_dir &&
            config_set(&c->cfg, "server", "state_dir", state_dir, "--state-dir", err) < 0)
                return cli_fail("%s", err);
        if (log_level &&
            config_set(&c->cfg, "server", "log_level", log_level, "--log-level", err) < 0)
                return cli_fail("%s", err);
        log_set_level(c->cfg.log_level);
        *ret_index = i;
        return 0;
}

int main(int argc, char **argv)
{
        struct cli c = {0};
        if (cli_config_init(&c) < 0) {
                fputs("bootherd: out of memory\n", stderr);
                return CLI_ERR;
        }
        int idx = 0, rc = parse_globals(argc, argv, &c, &idx);
        if (rc != 0) {
                cli_config_done(&c);
                return rc < 0 ? 0 : rc;
        }
        if (idx + 1 < argc && strcmp(argv[idx], "help") == 0) {
                rc = cli_help(argv[idx + 1], idx + 2 < argc ? argv[idx + 2] : NULL);
                cli_config_done(&c);
                return rc;
        }
        if (idx >= argc || strcmp(argv[idx], "help") == 0) {
                fputs(usage_text, idx >= argc ? stderr : stdout);
                cli_config_done(&c);
                return idx >= argc ? CLI_USAGE : CLI_OK;
        }
        rc = -1;
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[idx], commands[i].name) == 0) {
                        const char *verb = idx + 1 < argc ? argv[idx + 1] : NULL;
                        if (wants_help(argc - idx, argv + idx)) {
                                rc = cli_help(argv[idx], commands[i].noun ? verb : NULL);
                                break;
                        }
                        c.may_create = creates_state(argv[idx], verb);
                        int skip = commands[i].noun ? 1 : 0;
                        rc = commands[i].fn(&c, argc - idx - skip, argv + idx + skip);
                }
        if (rc < 0)
                rc = cli_usage("unknown command \"%s\"", argv[idx]);
        store_close(c.store);
        cli_config_done(&c);
        return rc;
}
