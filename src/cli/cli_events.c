/* bootherd events [--mac MAC] [--limit N] [--json] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "json/inventory_json.h"

int cli_events(struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {
            {"mac", required_argument, NULL, 'm'},
            {"limit", required_argument, NULL, 'n'},
            {"json", no_argument, NULL, 'j'},
            {NULL, 0, NULL, 0},
        };
        struct mac mac;
        bool have_mac = false, json = false;
        long limit = 50;
        optind = 1;
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
                char *end;
                switch (opt) {
                case 'm':
                        if (mac_parse_str(optarg, &mac) < 0)
                                return cli_fail("invalid MAC address \"%s\"", optarg);
                        have_mac = true;
                        break;
                case 'n':
                        limit = strtol(optarg, &end, 10);
                        if (*end || limit < 1 || limit > 100000)
                                return cli_fail("--limit takes a number from 1 to 100000");
                        break;
                case 'j':
                        json = true;
                        break;
                case ':':
                        return cli_usage("option %s needs a value", argv[optind - 1]);
                default:
                        return cli_usage("unknown option %s", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return cli_usage("unexpected argument \"%s\"", argv[optind]);
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        struct boot_event *evs;
        size_t n;
        if (store_events_list(s, have_mac ? &mac : NULL, 0, limit, &evs, &n) < 0)
                return cli_store_fail(c);
        int rc = CLI_OK;
        if (json) {
                json_t *arr = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(arr, event_to_json(&evs[i]));
                rc = cli_print_json(arr);
        } else {
                for (size_t i = 0; i < n; i++) {
                        char m[MAC_STR_LEN];
                        mac_format(&evs[i].mac, m);
                        json_t *t = json_time(evs[i].time);
                        printf("%s  %s  %-7s %-22s %s\n", json_string_value(t), m, evs[i].stage,
                               evs[i].peer, evs[i].detail);
                        json_decref(t);
                }
        }
        free(evs);
        return rc;
}
