/* bootherd events [--mac MAC | --hostname H] [--since TIME] [--limit N]
 *                 [--follow] [--json] */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "json/inventory_json.h"

#define FOLLOW_POLL_MS 1000
#define FOLLOW_BATCH   1000

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "30s", "10m", "2h", "7d" ago, or an ISO 8601 time: YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]]
 * followed by Z, +HH:MM, -HHMM (that offset) or nothing (local time).
 * Returns 0 and the time in ms, or -1. */
static int parse_since(const char *s, int64_t now, int64_t *ret)
{
        char *end;
        if (isdigit((unsigned char)s[0])) {
                long long v = strtoll(s, &end, 10);
                static const struct {
                        char unit;
                        int64_t ms;
                } units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}};
                for (size_t i = 0; i < 4; i++)
                        if (end[0] == units[i].unit && !end[1] && v >= 0 &&
                            v <= INT64_MAX / units[i].ms / 2) {
                                *ret = now - v * units[i].ms;
                                return 0;
                        }
        }
        struct tm tm = {0};
        int n = 0, k = 0;
        if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
                return -1;
        const char *p = s + n;
        if (*p == 'T' || *p == ' ') {
                if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &k) != 2 || k != 5)
                        return -1;
                p += 1 + k;
                if (*p == ':') {
                        if (sscanf(p + 1, "%2d%n", &tm.tm_sec, &k) != 1 || k != 2)
                                return -1;
                        p += 1 + k;
                        if (*p == '.')
                                for (p++; isdigit((unsigned char)*p); p++)
                                        ;
                }
        }
        if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
            tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
                return -1;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        time_t t;
        if (!*p) {
                tm.tm_isdst = -1;
                t = mktime(&tm);
        } else {
                long off = 0;
                if (*p == '+' || *p == '-') {
                        int oh, om;
                        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) == 2 && k == 5)
                                p += 1 + k;
                        else if (sscanf(p + 1, "%2d%2d%n", &oh, &om, &k) == 2 && k == 4)
                                p += 1 + k;
                        else
                                return -1;
                        if (oh > 23 || om > 59)
                                return -1;
                        off = (oh * 3600L + om * 60L) * (p[-1 - k] == '-' ? -1 : 1);
                } else if (*p == 'Z' || *p == 'z') {
                        p++;
                } else {
                        return -1;
                }
                if (*p)
                        return -1;
                t = timegm(&tm) - off;
        }
        if (t == (time_t)-1)
                return -1;
        *ret = (int64_t)t * 1000;
        return 0;
}

/* The MAC of the machine named `hostname` (case-insensitive). */
static int mac_by_hostname(struct cli *c, struct store *s, const char *hostname, struct mac *ret)
{
        struct machine_filter f = {.state = -1, .text = hostname};
        struct machine *ms;
        size_t n;
        if (store_machine_list(s, &f, &ms, &n, NULL) < 0)
                return cli_store_fail(c);
        int rc = CLI_ERR;
        for (size_t i = 0; rc != CLI_OK && i < n; i++)
                if (ms[i].hostname && strcasecmp(ms[i].hostname, hostname) == 0) {
                        *ret = ms[i].mac;
                        rc = CLI_OK;
                }
        if (rc != CLI_OK)
                cli_fail("no machine with hostname %s", hostname);
        machine_list_free(ms, n);
        return rc;
}

static void print_event(const struct boot_event *e, bool json)
{
        if (json) {
                json_t *j = event_to_json(e);
                char *txt = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
                if (txt)
                        printf("%s\n", txt);
                free(txt);
                json_decref(j);
                return;
        }
        char m[MAC_STR_LEN];
        mac_format(&e->mac, m);
        json_t *t = json_time(e->time);
        /* The outcome column: "ok", or the failure code (boot_outcome.h),
         * so a failing step stands out in the text as it does in JSON. */
        const char *outcome = boot_outcome_failed(e->outcome) ? e->outcome : BOOT_OK;
        printf("%s  %s  %-7s %-14s %-22s %s\n", json_string_value(t), m, e->stage, outcome, e->peer,
               e->detail);
        json_decref(t);
}

/* --follow: prints what was recorded after `last` (id), oldest first, every
 * second, until interrupted. */
static int follow(struct cli *c, struct store *s, const struct mac *mac, int64_t since,
                  int64_t last, bool json)
{
        for (;;) {
                fflush(stdout);
                usleep(FOLLOW_POLL_MS * 1000);
                struct boot_event *evs;
                size_t n;
                if (store_events_list(s, mac, since, FOLLOW_BATCH, &evs, &n) < 0)
                        return cli_store_fail(c);
                for (size_t i = n; i-- > 0;) {
                        if (evs[i].id <= last)
                                continue;
                        print_event(&evs[i], json);
                        last = evs[i].id;
                }
                free(evs);
        }
}

int cli_events(struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {
            {"mac", required_argument, NULL, 'm'},
            {"hostname", required_argument, NULL, 'H'},
            {"since", required_argument, NULL, 's'},
            {"limit", required_argument, NULL, 'n'},
            {"follow", no_argument, NULL, 'f'},
            {"json", no_argument, NULL, 'j'},
            {NULL, 0, NULL, 0},
        };
        struct mac mac;
        bool have_mac = false, json = false, follow_on = false;
        const char *hostname = NULL;
        long limit = 50;
        int64_t since = 0;
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
                case 'H':
                        hostname = optarg;
                        break;
                case 's':
                        if (parse_since(optarg, now_ms(), &since) < 0)
                                return cli_usage("--since takes a time like 2026-12-04T14:00:00Z "
                                                 "or 2026-12-04 15:00 (local), or 30s, 10m, "
                                                 "2h, 7d (ago); not \"%s\"",
                                                 optarg);
                        break;
                case 'n':
                        limit = strtol(optarg, &end, 10);
                        if (*end || limit < 1 || limit > 100000)
                                return cli_fail("--limit takes a number from 1 to 100000");
                        break;
                case 'f':
                        follow_on = true;
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
        if (have_mac && hostname)
                return cli_usage("--mac and --hostname both name a machine: give one");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        if (hostname) {
                if (mac_by_hostname(c, s, hostname, &mac) != CLI_OK)
                        return CLI_ERR;
                have_mac = true;
        }
        struct boot_event *evs;
        size_t n;
        if (store_events_list(s, have_mac ? &mac : NULL, since, limit, &evs, &n) < 0)
                return cli_store_fail(c);
        int rc = CLI_OK;
        if (follow_on) {
                /* Oldest first, like tail -f; then new ones as they come. */
                int64_t last = 0;
                for (size_t i = n; i-- > 0;) {
                        print_event(&evs[i], json);
                        last = evs[i].id;
                }
                free(evs);
                return follow(c, s, have_mac ? &mac : NULL, since, last, json);
        }
        if (json) {
                json_t *arr = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(arr, event_to_json(&evs[i]));
                rc = cli_print_json(arr);
        } else {
                for (size_t i = 0; i < n; i++)
                        print_event(&evs[i], false);
        }
        free(evs);
        return rc;
}

int cli_parse_since(const char *s, int64_t *ret_ms)
{
        return parse_since(s, now_ms(), ret_ms);
}
