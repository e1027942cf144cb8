/* bootherd machine add|edit|assign|unassign|list|show|remove */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/validate.h"
#include "json/inventory_json.h"

enum {
        OPT_IMAGE = 256,
        OPT_HOSTNAME,
        OPT_IP,
        OPT_NOTES,
        OPT_BOOT_FILE,
        OPT_NETBOOT,
        OPT_SECURE_BOOT,
        OPT_JSON,
        OPT_DISCOVERED,
        OPT_STATE,
        OPT_FROM,
        OPT_EVENTS,
        OPT_FAILING,
        OPT_ATTEMPTS,
};
#define BIT(opt) (1u << ((opt)-OPT_IMAGE))
/* Which flags each command takes; any other is refused, never ignored. */
#define FLAGS_PUT                                                                                  \
        (BIT(OPT_IMAGE) | BIT(OPT_HOSTNAME) | BIT(OPT_IP) | BIT(OPT_NOTES) | BIT(OPT_BOOT_FILE) |  \
         BIT(OPT_NETBOOT) | BIT(OPT_SECURE_BOOT))
#define FLAGS_LIST                                                                                 \
        (BIT(OPT_IMAGE) | BIT(OPT_HOSTNAME) | BIT(OPT_JSON) | BIT(OPT_DISCOVERED) |                \
         BIT(OPT_STATE) | BIT(OPT_FAILING))
#define FLAGS_SHOW   (BIT(OPT_JSON) | BIT(OPT_EVENTS) | BIT(OPT_ATTEMPTS))
#define FLAGS_ASSIGN BIT(OPT_FROM)
#define MAC_FILE_MAX (16u << 20)

static const struct option machine_opts[] = {
    {"image", required_argument, NULL, OPT_IMAGE},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"ip", required_argument, NULL, OPT_IP},
    {"notes", required_argument, NULL, OPT_NOTES},
    {"boot-file", required_argument, NULL, OPT_BOOT_FILE},
    {"netboot", required_argument, NULL, OPT_NETBOOT},
    {"secure-boot", required_argument, NULL, OPT_SECURE_BOOT},
    {"json", no_argument, NULL, OPT_JSON},
    {"discovered", no_argument, NULL, OPT_DISCOVERED},
    {"state", required_argument, NULL, OPT_STATE},
    {"from", required_argument, NULL, OPT_FROM},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"failing", no_argument, NULL, OPT_FAILING},
    {"attempts", required_argument, NULL, OPT_ATTEMPTS},
    {NULL, 0, NULL, 0},
};

struct machine_args {
        const char *cmd;
        unsigned allowed; /* BIT()s */
        bool json;
        int state;                   /* -1 any */
        const char *image_filter;    /* list --image */
        const char *hostname_filter; /* list --hostname (a pattern) */
        const char *from;            /* assign --from */
        long events;                 /* show --events */
        bool events_set;             /* --events given (text lists events only then) */
        long attempts;               /* show --attempts */
        bool failing;                /* list --failing */
        int n_positional;
        char **positional; /* into argv */
};

/* Sets *dst to a copy of v, or NULL when v is "" (clears the field). */
static int set_opt_str(char **dst, const char *v)
{
        free(*dst);
        *dst = NULL;
        if (*v && !(*dst = strdup(v)))
                return -ENOMEM;
        return 0;
}

/* Applies one flag to m; returns CLI_OK or an exit status. */
static int apply_flag(int opt, const char *v, struct machine *m, struct machine_args *a)
{
        switch (opt) {
        case OPT_IMAGE:
                return set_opt_str(&m->image, v) < 0 ? cli_fail("out of memory") : CLI_OK;
        case OPT_HOSTNAME:
                if (*v && !validate_hostname(v))
                        return cli_fail("invalid hostname \"%s\": letters, digits, '-' and "
                                        "'.' only (RFC 1123)",
                                        v);
                return set_opt_str(&m->hostname, v) < 0 ? cli_fail("out of memory") : CLI_OK;
        case OPT_IP:
                if (!*v || strcmp(v, "none") == 0) {
                        m->ipv4 = 0;
                        return CLI_OK;
                }
                if (validate_ipv4(v, &m->ipv4) < 0)
                        return cli_fail("invalid IPv4 address \"%s\" (expected A.B.C.D)", v);
                return CLI_OK;
        case OPT_NOTES:
                return set_opt_str(&m->notes, v) < 0 ? cli_fail("out of memory") : CLI_OK;
        case OPT_BOOT_FILE:
                return set_opt_str(&m->boot_file, v) < 0 ? cli_fail("out of memory") : CLI_OK;
        case OPT_NETBOOT:
                if (strcmp(v, "on") == 0)
                        m->netboot = true;
                else if (strcmp(v, "off") == 0)
                        m->netboot = false;
                else
                        return cli_fail("--netboot takes on or off, not \"%s\"", v);
                return CLI_OK;
        case OPT_SECURE_BOOT:
                if (strcmp(v, "on") == 0)
                        m->secure_boot = true;
                else if (strcmp(v, "off") == 0)
                        m->secure_boot = false;
                else
                        return cli_fail("--secure-boot takes on or off, not \"%s\"", v);
                return CLI_OK;
        case OPT_JSON:
                a->json = true;
                return CLI_OK;
        case OPT_DISCOVERED:
                a->state = MACHINE_DISCOVERED;
                return CLI_OK;
        case OPT_FAILING:
                a->failing = true;
                return CLI_OK;
        case OPT_STATE: {
                enum machine_state st;
                if (machine_state_parse(v, &st) < 0)
                        return cli_fail("--state takes discovered, assigned or unassigned");
                a->state = (int)st;
                return CLI_OK;
        }
        }
        return CLI_USAGE;
}

static int parse_machine_args(int argc, char **argv, struct machine *m, struct machine_args *a)
{
        optind = 1;
        opterr = 0;
        a->state = -1;
        a->events = 10;
        a->attempts = 5;
        int opt, idx = -1;
        while ((opt = getopt_long(argc, argv, ":", machine_opts, &idx)) != -1) {
                if (opt == ':')
                        return cli_usage("option %s needs a value", argv[optind - 1]);
                if (opt == '?')
                        return cli_usage("unknown option %s", argv[optind - 1]);
                if (!(a->allowed & BIT(opt)))
                        return cli_usage("machine %s does not take --%s", a->cmd,
                                         machine_opts[idx].name);
                int rc = CLI_OK;
                char *end;
                if (opt == OPT_IMAGE && a->allowed == FLAGS_LIST)
                        a->image_filter = optarg;
                else if (opt == OPT_HOSTNAME && a->allowed == FLAGS_LIST)
                        a->hostname_filter = optarg;
                else if (opt == OPT_FROM)
                        a->from = optarg;
                else if (opt == OPT_EVENTS) {
                        a->events = strtol(optarg, &end, 10);
                        if (!*optarg || *end || a->events < 0 || a->events > 10000)
                                return cli_usage("--events takes a number from 0 to 10000");
                        a->events_set = true;
                } else if (opt == OPT_ATTEMPTS) {
                        a->attempts = strtol(optarg, &end, 10);
                        if (!*optarg || *end || a->attempts < 0 || a->attempts > STORE_ATTEMPTS_MAX)
                                return cli_usage("--attempts takes a number from 0 to %d",
                                                 STORE_ATTEMPTS_MAX);
                } else
                        rc = apply_flag(opt, optarg, m, a);
                if (rc != CLI_OK)
                        return rc;
        }
        a->positional = argv + optind;
        a->n_positional = argc - optind;
        return CLI_OK;
}

static int parse_mac_arg(const char *s, struct mac *ret)
{
        if (mac_parse_str(s, ret) < 0)
                return cli_fail("invalid MAC address \"%s\" (expected e.g. 52:54:00:ab:cd:01)", s);
        return CLI_OK;
}

/* "failing: initrd not-found (images/x/initrd.img: HTTP 404) at TIME" or
 * "ok": the last boot step's outcome (core/boot_outcome.h). */
static void print_status(const struct machine *m)
{
        if (!m->fail_outcome) {
                printf("status:     ok\n");
                return;
        }
        json_t *t = json_time(m->fail_at);
        printf("status:     failing: %s %s (%s) at %s\n", m->fail_stage ? m->fail_stage : "-",
               m->fail_outcome, m->fail_detail ? m->fail_detail : "",
               json_is_string(t) ? json_string_value(t) : "?");
        json_decref(t);
}

static void print_machine(const struct machine *m)
{
        char mac[MAC_STR_LEN], ip[16] = "-";
        mac_format(&m->mac, mac);
        if (m->ipv4)
                format_ipv4(m->ipv4, ip);
        printf("mac:        %s\n", mac);
        printf("state:      %s\n", machine_state_name(m->state));
        printf("image:      %s\n", m->image ? m->image : "-");
        printf("hostname:   %s\n", m->hostname ? m->hostname : "-");
        printf("ip:         %s\n", ip);
        printf("boot file:  %s\n", m->boot_file ? m->boot_file : "(by architecture)");
        printf("netboot:    %s\n", m->netboot ? "on" : "off");
        printf("secure boot: %s\n", m->secure_boot ? "on (shimx64.efi -> GRUB)" : "off");
        if (m->snponly_fallback_at) {
                json_t *fb = json_time(m->snponly_fallback_at);
                printf("fallback:   ipxe.efi (did not come back as iPXE from snponly.efi; %s)\n",
                       json_is_string(fb) ? json_string_value(fb) : "?");
                json_decref(fb);
        }
        printf("notes:      %s\n", m->notes);
        json_t *ls = json_time(m->last_seen), *lst = json_time(m->last_stage_at);
        printf("last seen:  %s\n", json_is_string(ls) ? json_string_value(ls) : "never");
        printf("last stage: %s%s%s\n", m->last_stage ? m->last_stage : "-",
               json_is_string(lst) ? " at " : "",
               json_is_string(lst) ? json_string_value(lst) : "");
        json_decref(ls);
        json_decref(lst);
        print_status(m);
}

/* add: flags over a new record; edit: flags over the stored record. */
static int machine_put(struct cli *c, int argc, char **argv, bool create)
{
        const char *verb = create ? "add" : "edit";
        struct machine m = {.netboot = true};
        struct machine_args a = {.cmd = verb, .allowed = FLAGS_PUT};
        struct mac mac;
        if (argc < 2 || argv[1][0] == '-')
                return cli_usage("machine %s needs a MAC", verb);
        if (parse_mac_arg(argv[1], &mac) != CLI_OK)
                return CLI_ERR;
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        if (!create && store_machine_get(s, &mac, &m) < 0)
                return cli_store_fail(c);
        m.mac = mac;
        int rc = parse_machine_args(argc, argv, &m, &a);
        if (rc == CLI_OK && a.n_positional != 1)
                rc = cli_usage("machine %s takes one MAC", verb);
        if (rc == CLI_OK && (create ? store_machine_add(s, &m) : store_machine_update(s, &m)) < 0)
                rc = cli_store_fail(c);
        if (rc == CLI_OK) {
                char str[MAC_STR_LEN];
                mac_format(&mac, str);
                fprintf(stderr, "bootherd: machine %s %s\n", str, create ? "added" : "updated");
        }
        machine_done(&m);
        return rc;
}

/* --hostname PATTERN: shell wildcards, case-insensitive (host names are). */
static bool hostname_matches(const char *pattern, const char *hostname)
{
        return hostname && fnmatch(pattern, hostname, FNM_CASEFOLD) == 0;
}

static int machine_list(struct cli *c, struct machine_args *a)
{
        if (a->n_positional)
                return cli_usage("machine list takes no arguments");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        if (a->image_filter) {
                /* A mistyped image name is an error, not an empty list. */
                struct image img;
                if (store_image_get(s, a->image_filter, &img) < 0)
                        return cli_store_fail(c);
                image_done(&img);
        }
        struct machine_filter f = {
            .state = a->state, .image = a->image_filter, .failing = a->failing};
        struct machine *ms;
        size_t n;
        if (store_machine_list(s, &f, &ms, &n, NULL) < 0)
                return cli_store_fail(c);
        int rc = CLI_OK;
        json_t *arr = a->json ? json_array() : NULL;
        if (!a->json)
                printf("%-17s  %-10s  %-20s  %-15s  %-20s  %-10s  %s\n", "MAC", "STATE", "IMAGE",
                       "IP", "HOSTNAME", "LAST STAGE", "STATUS");
        for (size_t i = 0; i < n; i++) {
                if (a->hostname_filter && !hostname_matches(a->hostname_filter, ms[i].hostname))
                        continue;
                if (arr) {
                        json_array_append_new(arr, machine_to_json(&ms[i]));
                        continue;
                }
                char mac[MAC_STR_LEN], ip[16] = "-";
                mac_format(&ms[i].mac, mac);
                if (ms[i].ipv4)
                        format_ipv4(ms[i].ipv4, ip);
                char status[BOOT_STAGE_MAX + BOOT_OUTCOME_MAX + 16] = "ok";
                if (ms[i].fail_outcome)
                        snprintf(status, sizeof(status), "failing: %s %s",
                                 ms[i].fail_stage ? ms[i].fail_stage : "-", ms[i].fail_outcome);
                printf("%-17s  %-10s  %-20s  %-15s  %-20s  %-10s  %s\n", mac,
                       machine_state_name(ms[i].state), ms[i].image ? ms[i].image : "-", ip,
                       ms[i].hostname ? ms[i].hostname : "-",
                       ms[i].last_stage ? ms[i].last_stage : "-", status);
        }
        if (a->json)
                rc = cli_print_json(arr);
        machine_list_free(ms, n);
        return rc;
}

static void print_event_line(const struct boot_event *e)
{
        json_t *t = json_time(e->time);
        printf("  %s  %-7s %-14s %-22s %s\n", json_is_string(t) ? json_string_value(t) : "-",
               e->stage, e->outcome[0] ? e->outcome : BOOT_OK, e->peer, e->detail);
        json_decref(t);
}

/* "7 B", "1.5 KiB", "64.0 MiB" (the web page's units). */
static void format_bytes(int64_t n, char out[32])
{
        if (n < 1024)
                snprintf(out, 32, "%lld B", (long long)n);
        else if (n < 1024 * 1024)
                snprintf(out, 32, "%.1f KiB", (double)n / 1024);
        else
                snprintf(out, 32, "%.1f MiB", (double)n / (1024 * 1024));
}

/* "850 ms", "12 s", "2 min 3 s", "1 h 5 min". */
static void format_duration(int64_t ms, char out[32])
{
        int64_t s = (ms + 500) / 1000;
        if (ms < 1000)
                snprintf(out, 32, "%lld ms", (long long)ms);
        else if (s < 60)
                snprintf(out, 32, "%lld s", (long long)s);
        else if (s < 3600)
                snprintf(out, 32, "%lld min %lld s", (long long)(s / 60), (long long)(s % 60));
        else
                snprintf(out, 32, "%lld h %lld min", (long long)(s / 3600),
                         (long long)(s % 3600 / 60));
}

/* One attempt (core/boot_attempts.h):
 *   2026-12-05T10:40:01.123Z  took 12 s (9 events)
 *     steps:   dhcp tftp script kernel initrd
 *     sent:    kernel 64.0 MiB, initrd 7 B
 *     outcome: failed: initrd not-found (k/initrd: HTTP 404)   | reached initrd */
static void print_attempt(const struct boot_attempt *at)
{
        json_t *t = json_time(at->start);
        char took[32] = "-";
        if (at->n_events > 1)
                format_duration(at->end - at->start, took);
        printf("  %s  took %s (%zu event%s)\n", json_is_string(t) ? json_string_value(t) : "-",
               took, at->n_events, at->n_events == 1 ? "" : "s");
        json_decref(t);
        printf("    steps:  ");
        for (int r = 0; r < BOOT_STAGES; r++)
                if (at->seen[r])
                        printf(" %s", boot_stage_name(r));
        printf("%s\n", at->reached < 0 ? " -" : "");
        bool any = false;
        for (int r = 0; r < BOOT_STAGES; r++) {
                if (!at->xfer[r])
                        continue;
                char b[32];
                format_bytes(at->bytes[r], b);
                printf("%s %s %s", any ? "," : "    sent:   ", boot_stage_name(r), b);
                any = true;
        }
        if (any)
                printf("\n");
        const struct boot_event *f = at->failure;
        if (f)
                printf("    outcome: failed: %s %s%s%s%s\n", f->stage, f->outcome,
                       f->detail[0] ? " (" : "", f->detail, f->detail[0] ? ")" : "");
        else if (at->reached >= 0)
                printf("    outcome: reached %s\n", boot_stage_name(at->reached));
        else
                printf("    outcome: last step %s\n", at->events[at->n_events - 1]->stage);
}

static void print_attempts(const struct boot_attempts *atts, bool more)
{
        printf("recent boot attempts (newest first):\n");
        for (size_t i = 0; i < atts->n; i++)
                print_attempt(&atts->v[i]);
        if (atts->n == 0)
                printf("  (none)\n");
        else if (more)
                printf("  (older attempts not shown: --attempts N)\n");
}

static int machine_show(struct cli *c, struct machine_args *a)
{
        if (a->n_positional != 1)
                return cli_usage("machine show takes one MAC");
        struct mac mac;
        if (parse_mac_arg(a->positional[0], &mac) != CLI_OK)
                return CLI_ERR;
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        struct machine m;
        if (store_machine_get(s, &mac, &m) < 0)
                return cli_store_fail(c);
        /* Text lists events only when asked (the attempts hold them);
         * --json keeps "events" as before. */
        long n_events = a->json || a->events_set ? a->events : 0;
        struct boot_event *evs = NULL, *att_evs = NULL;
        size_t n = 0;
        struct boot_attempts atts = {0};
        bool more = false;
        if ((n_events > 0 && store_events_list(s, &mac, 0, n_events, &evs, &n) < 0) ||
            store_attempts_list(s, &mac, (size_t)a->attempts, &att_evs, &atts, &more) < 0) {
                free(evs);
                machine_done(&m);
                return cli_store_fail(c);
        }
        int rc = CLI_OK;
        if (a->json) {
                json_t *j = machine_to_json(&m), *arr = json_array(), *jatt = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(arr, event_to_json(&evs[i]));
                json_object_set_new(j, "events", arr);
                for (size_t i = 0; i < atts.n; i++)
                        json_array_append_new(jatt, attempt_to_json(&atts.v[i]));
                json_object_set_new(j, "attempts", jatt);
                json_object_set_new(j, "more_attempts", json_boolean(more));
                rc = cli_print_json(j);
        } else {
                print_machine(&m);
                if (a->attempts > 0)
                        print_attempts(&atts, more);
                if (n_events > 0) {
                        printf("recent boot events (newest first):\n");
                        for (size_t i = 0; i < n; i++)
                                print_event_line(&evs[i]);
                        if (n == 0)
                                printf("  (none)\n");
                }
        }
        boot_attempts_free(&atts);
        free(att_evs);
        free(evs);
        machine_done(&m);
        return rc;
}

/* Appends the MACs in text (white space, commas or new lines between them;
 * '#' to the end of the line is a comment) to *macs. */
static int parse_mac_text(char *text, const char *source, struct mac **macs, size_t *n)
{
        int line = 1;
        for (char *p = text; *p;) {
                if (*p == '#') {
                        while (*p && *p != '\n')
                                p++;
                        continue;
                }
                if (isspace((unsigned char)*p) || *p == ',') {
                        line += *p == '\n';
                        p++;
                        continue;
                }
                char *word = p;
                while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != '#')
                        p++;
                char save = *p;
                *p = '\0';
                struct mac m;
                if (mac_parse_str(word, &m) < 0)
                        return cli_fail("invalid MAC address \"%s\" (%s line %d); nothing assigned",
                                        word, source, line);
                *p = save;
                struct mac *nv = realloc(*macs, (*n + 1) * sizeof(*nv));
                if (!nv)
                        return cli_fail("out of memory");
                *macs = nv;
                (*macs)[(*n)++] = m;
        }
        return CLI_OK;
}

static int read_mac_file(const char *path, struct mac **macs, size_t *n)
{
        char *text = cli_read_file(path, MAC_FILE_MAX);
        if (!text)
                return cli_fail("cannot read %s: %s", strcmp(path, "-") == 0 ? "stdin" : path,
                                errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
        int rc = parse_mac_text(text, strcmp(path, "-") == 0 ? "stdin" : path, macs, n);
        free(text);
        return rc;
}

static bool is_mac(const char *s)
{
        struct mac m;
        return mac_parse_str(s, &m) == 0;
}

/* assign IMAGE MAC... | assign IMAGE --from FILE | assign IMAGE - | (old) assign MAC IMAGE
 * unassign MAC...: all in one transaction. */
static int machine_assign(struct cli *c, struct machine_args *a, bool assign)
{
        char **p = a->positional;
        int np = a->n_positional;
        const char *image = NULL;
        if (assign) {
                if (np < 1 || (np < 2 && !a->from))
                        return cli_usage(
                            "machine assign takes IMAGE MAC... (or IMAGE --from FILE)");
                /* The old order, MAC IMAGE, is still understood. */
                bool old = np == 2 && !a->from && !is_mac(p[1]) && strcmp(p[1], "-") != 0 &&
                           (is_mac(p[0]) || !validate_image_name(p[0]));
                image = old ? p[1] : p[0];
                if (old) {
                        p[1] = p[0];
                }
                p++;
                np--;
        } else if (np < 1 || a->from) {
                return cli_usage("machine unassign takes MAC...");
        }
        struct mac *macs = NULL;
        size_t n = 0;
        int rc = CLI_OK;
        bool stdin_used = false;
        for (int i = 0; rc == CLI_OK && i < np; i++) {
                if (strcmp(p[i], "-") == 0) {
                        if (stdin_used)
                                rc = cli_usage("standard input named twice");
                        stdin_used = true;
                        rc = rc == CLI_OK ? read_mac_file("-", &macs, &n) : rc;
                        continue;
                }
                struct mac m;
                if (mac_parse_str(p[i], &m) < 0) {
                        rc = cli_fail("invalid MAC address \"%s\" (expected e.g. 52:54:00:ab:cd:01)"
                                      "; nothing %s",
                                      p[i], assign ? "assigned" : "unassigned");
                        break;
                }
                struct mac *nv = realloc(macs, (n + 1) * sizeof(*nv));
                if (!nv) {
                        rc = cli_fail("out of memory");
                        break;
                }
                macs = nv;
                macs[n++] = m;
        }
        if (rc == CLI_OK && a->from) {
                if (strcmp(a->from, "-") == 0 && stdin_used)
                        rc = cli_usage("standard input named twice");
                else
                        rc = read_mac_file(a->from, &macs, &n);
        }
        if (rc == CLI_OK && n == 0)
                rc = cli_fail("no MAC addresses given; nothing %s",
                              assign ? "assigned" : "unassigned");
        struct store *s = rc == CLI_OK ? cli_store(c) : NULL;
        if (rc == CLI_OK && !s)
                rc = CLI_ERR;
        if (rc == CLI_OK && store_machine_assign_many(s, macs, n, image) < 0)
                rc =
                    cli_fail("%s; nothing %s", store_errmsg(s), assign ? "assigned" : "unassigned");
        if (rc == CLI_OK) {
                char str[MAC_STR_LEN];
                mac_format(&macs[0], str);
                if (n == 1 && assign)
                        fprintf(stderr, "bootherd: machine %s now boots %s\n", str, image);
                else if (n == 1)
                        fprintf(stderr, "bootherd: machine %s unassigned\n", str);
                else if (assign)
                        fprintf(stderr, "bootherd: %zu machines now boot %s\n", n, image);
                else
                        fprintf(stderr, "bootherd: %zu machines unassigned\n", n);
        }
        free(macs);
        return rc;
}

static int machine_remove(struct cli *c, struct machine_args *a)
{
        if (a->n_positional != 1)
                return cli_usage("machine remove takes one MAC");
        struct mac mac;
        if (parse_mac_arg(a->positional[0], &mac) != CLI_OK)
                return CLI_ERR;
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        if (store_machine_remove(s, &mac) < 0)
                return cli_store_fail(c);
        char str[MAC_STR_LEN];
        mac_format(&mac, str);
        fprintf(stderr, "bootherd: machine %s removed\n", str);
        return CLI_OK;
}

int cli_machine(struct cli *c, int argc, char **argv)
{
        if (argc < 1)
                return cli_usage("machine needs a command: add, edit, assign, unassign, list, "
                                 "show, remove");
        const char *cmd = argv[0];
        if (strcmp(cmd, "add") == 0)
                return machine_put(c, argc, argv, true);
        if (strcmp(cmd, "edit") == 0)
                return machine_put(c, argc, argv, false);
        static const struct {
                const char *name;
                unsigned flags;
        } others[] = {{"list", FLAGS_LIST},
                      {"show", FLAGS_SHOW},
                      {"remove", 0},
                      {"assign", FLAGS_ASSIGN},
                      {"unassign", 0}};
        for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
                if (strcmp(cmd, others[i].name) != 0)
                        continue;
                struct machine scratch = {0};
                struct machine_args a = {.cmd = cmd, .allowed = others[i].flags};
                int rc = parse_machine_args(argc, argv, &scratch, &a);
                machine_done(&scratch);
                if (rc != CLI_OK)
                        return rc;
                switch (i) {
                case 0:
                        return machine_list(c, &a);
                case 1:
                        return machine_show(c, &a);
                case 2:
                        return machine_remove(c, &a);
                default:
                        return machine_assign(c, &a, i == 3);
                }
        }
        return cli_usage("unknown machine command \"%s\"", cmd);
}
