/* bootherd store copy --to URL [--events N]: copies the configured store
 * (normally the SQLite file) into an empty database at URL (normally
 * PostgreSQL), verifies the counts and says how to switch over.  The
 * upgrade path from one server to several (docs/ha.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int store_copy_cmd(struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {{"to", required_argument, NULL, 't'},
                                             {"events", required_argument, NULL, 'e'},
                                             {NULL, 0, NULL, 0}};
        const char *to = NULL;
        long long events = c->cfg.boot_event_retention;
        optind = 1;
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
                char *end;
                if (opt == 't')
                        to = optarg;
                if (opt == 'e' && ((events = strtoll(optarg, &end, 10)) < 0 || *end || !*optarg))
                        return cli_usage("--events takes a number of events (0 or more)");
                if (opt == ':')
                        return cli_usage("option %s needs a value", argv[optind - 1]);
                if (opt == '?')
                        return cli_usage("unknown option %s", argv[optind - 1]);
        }
        if (!to || optind != argc)
                return cli_usage("usage: bootherd store copy --to URL [--events N]");
        char *from = config_database_path(&c->cfg);
        if (!from)
                return cli_fail("out of memory");
        bool same = strcmp(from, to) == 0;
        free(from);
        if (same)
                return cli_fail("--to names the configured database itself");
        struct store *src = cli_store(c), *dst;
        if (!src)
                return CLI_ERR;
        if (store_open(to, &dst) < 0)
                return CLI_ERR; /* store_open said why */
        struct store_copy_counts n;
        if (store_copy(src, dst, events, &n) < 0) {
                int r = cli_fail("copy failed, nothing copied: %s", store_errmsg(dst));
                store_close(dst);
                return r;
        }
        store_close(dst);
        char shown[256];
        store_location_display(to, shown, sizeof(shown));
        fprintf(stderr,
                "bootherd: copied %lld images (%lld initrds), %lld machines, %lld leases, "
                "%lld users, %lld API tokens and %lld events (with %lld audit log entries) "
                "into %s; counts verified. "
                "Stop bootherd, set [store] url to it, start again\n",
                (long long)n.images, (long long)n.initrds, (long long)n.machines,
                (long long)n.leases, (long long)n.users, (long long)n.tokens, (long long)n.events,
                (long long)n.audit, shown);
        return CLI_OK;
}

int cli_store_cmd(struct cli *c, int argc, char **argv)
{
        if (argc >= 1 && strcmp(argv[0], "copy") == 0)
                return store_copy_cmd(c, argc, argv);
        return cli_usage("usage: bootherd store copy --to URL [--events N]");
}
