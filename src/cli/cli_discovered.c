/* bootherd discovered adopt: bulk adoption of discovered machines (an
 * image, a hostname pattern, addresses from a range), on the same store
 * call as POST /api/v1/discovered/adopt. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/ipv4_range.h"
#include "core/validate.h"

enum { OPT_IMAGE = 256, OPT_PATTERN, OPT_START, OPT_RANGE, OPT_ALL, OPT_MATCH, OPT_JSON };

static const struct option adopt_opts[] = {
    {"image", required_argument, NULL, OPT_IMAGE},
    {"hostname-pattern", required_argument, NULL, OPT_PATTERN},
    {"start", required_argument, NULL, OPT_START},
    {"ip-range", required_argument, NULL, OPT_RANGE},
    {"all", no_argument, NULL, OPT_ALL},
    {"match", required_argument, NULL, OPT_MATCH},
    {"json", no_argument, NULL, OPT_JSON},
    {NULL, 0, NULL, 0},
};

static int print_result(const struct adopt_result *res, bool json)
{
        json_t *rows = json ? json_array() : NULL;
        for (size_t i = 0; i < res->n; i++) {
                char mac[MAC_STR_LEN], ip[16] = "-";
                mac_format(&res->rows[i].mac, mac);
                if (res->rows[i].ipv4)
                        format_ipv4(res->rows[i].ipv4, ip);
                const char *host = res->rows[i].hostname[0] ? res->rows[i].hostname : "-";
                if (json)
                        json_array_append_new(rows, json_pack("{s:s, s:s, s:s}", "mac", mac,
                                                              "hostname", host, "ip", ip));
                else
                        printf("%s  %-24s %s\n", mac, host, ip);
        }
        if (json)
                return cli_print_json(
                    json_pack("{s:I, s:o}", "adopted", (json_int_t)res->n, "machines", rows));
        printf("adopted %zu machine%s (%zu hostnames and %zu addresses skipped as taken)\n", res->n,
               res->n == 1 ? "" : "s", res->names_skipped, res->ips_skipped);
        return CLI_OK;
}

static int adopt(struct cli *c, int argc, char **argv)
{
        struct adopt_request req = {.start = 1};
        bool json = false;
        optind = 1;
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, "", adopt_opts, NULL)) != -1) {
                char *end;
                switch (opt) {
                case OPT_IMAGE:
                        req.image = optarg;
                        break;
                case OPT_PATTERN:
                        req.hostname_pattern = optarg;
                        break;
                case OPT_START:
                        errno = 0;
                        req.start = strtoull(optarg, &end, 10);
                        if (errno || end == optarg || *end || req.start > 999999999)
                                return cli_usage("--start takes a number from 0 to 999999999");
                        break;
                case OPT_RANGE:
                        if (ipv4_range_parse(optarg, &req.ip_from, &req.ip_to) < 0)
                                return cli_usage(
                                    "--ip-range takes A.B.C.D-E.F.G.H (first <= last)");
                        break;
                case OPT_ALL:
                        req.all = true;
                        break;
                case OPT_MATCH:
                        req.text = optarg;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                default:
                        return cli_usage("discovered adopt: unknown option or missing value: %s",
                                         argv[optind - 1]);
                }
        }
        if (!req.image)
                return cli_usage("discovered adopt needs --image NAME");
        size_t n = (size_t)(argc - optind);
        if (req.all == (n > 0))
                return cli_usage("discovered adopt: name MACs, or --all (with --match TEXT)");
        if (req.text && !req.all)
                return cli_usage("--match goes with --all");
        struct mac *macs = n ? calloc(n, sizeof(*macs)) : NULL;
        if (n && !macs)
                return cli_fail("out of memory");
        for (size_t i = 0; i < n; i++)
                if (mac_parse_str(argv[optind + (int)i], &macs[i]) < 0) {
                        free(macs);
                        return cli_usage("not a MAC address: %s", argv[optind + (int)i]);
                }
        req.macs = macs;
        req.n = n;
        struct store *s = cli_store(c);
        if (!s) {
                free(macs);
                return CLI_ERR;
        }
        struct adopt_result res;
        int rc = store_discovered_adopt(s, &req, &res);
        free(macs);
        if (rc < 0)
                return cli_store_fail(c);
        rc = print_result(&res, json);
        free(res.rows);
        return rc;
}

int cli_discovered(struct cli *c, int argc, char **argv)
{
        if (argc < 1)
                return cli_usage("discovered needs a command: adopt");
        if (strcmp(argv[0], "adopt") == 0)
                return adopt(c, argc, argv);
        return cli_usage("unknown discovered command \"%s\"", argv[0]);
}
