/* bootherd machine add|edit|assign|unassign|list|show|remove */
#include <errno.h>
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
        OPT_STATE
};

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
    {NULL, 0, NULL, 0},
};

struct machine_args {
        bool json;
        int state; /* -1 any */
        int n_positional;
        char *positional[3];
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
        int opt;
        while ((opt = getopt_long(argc, argv, ":", machine_opts, NULL)) != -1) {
                if (opt == ':')
                        return cli_usage("option %s needs a value", argv[optind - 1]);
                if (opt == '?')
                        return cli_usage("unknown option %s", argv[optind - 1]);
                int rc = apply_flag(opt, optarg, m, a);
                if (rc != CLI_OK)
                        return rc;
        }
        for (int i = optind; i < argc; i++) {
                if (a->n_positional == 3)
                        return cli_usage("unexpected argument \"%s\"", argv[i]);
                a->positional[a->n_positional++] = argv[i];
        }
        return CLI_OK;
}

static int parse_mac_arg(const char *s, struct mac *ret)
{
        if (mac_parse_str(s, ret) < 0)
                return cli_fail("invalid MAC address \"%s\" (expected e.g. 52:54:00:ab:cd:01)", s);
        return CLI_OK;
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
}

/* add: flags over a new record; edit: flags over the stored record. */
static int machine_put(struct cli *c, int argc, char **argv, bool create)
{
        const char *verb = create ? "add" : "edit";
        struct machine m = {.netboot = true};
        struct machine_args a = {0};
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

static int machine_list(struct cli *c, struct machine_args *a)
{
        if (a->n_positional)
                return cli_usage("machine list takes no arguments");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        struct machine_filter f = {.state = a->state};
        struct machine *ms;
        size_t n;
        if (store_machine_list(s, &f, &ms, &n, NULL) < 0)
                return cli_store_fail(c);
        int rc = CLI_OK;
        if (a->json) {
                json_t *arr = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(arr, machine_to_json(&ms[i]));
                rc = cli_print_json(arr);
        } else {
                printf("%-17s  %-10s  %-20s  %-15s  %-20s  %s\n", "MAC", "STATE", "IMAGE", "IP",
                       "HOSTNAME", "LAST STAGE");
                for (size_t i = 0; i < n; i++) {
                        char mac[MAC_STR_LEN], ip[16] = "-";
                        mac_format(&ms[i].mac, mac);
                        if (ms[i].ipv4)
                                format_ipv4(ms[i].ipv4, ip);
                        printf("%-17s  %-10s  %-20s  %-15s  %-20s  %s\n", mac,
                               machine_state_name(ms[i].state), ms[i].image ? ms[i].image : "-", ip,
                               ms[i].hostname ? ms[i].hostname : "-",
                               ms[i].last_stage ? ms[i].last_stage : "-");
                }
        }
        machine_list_free(ms, n);
        return rc;
}

/* show, remove, assign, unassign: MAC [IMAGE] */
static int machine_one(struct cli *c, const char *cmd, struct machine_args *a)
{
        bool assign = strcmp(cmd, "assign") == 0;
        int want = assign ? 2 : 1;
        if (a->n_positional != want)
                return cli_usage("machine %s takes %s", cmd, assign ? "MAC IMAGE" : "one MAC");
        struct mac mac;
        if (parse_mac_arg(a->positional[0], &mac) != CLI_OK)
                return CLI_ERR;
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        char str[MAC_STR_LEN];
        mac_format(&mac, str);
        if (strcmp(cmd, "show") == 0) {
                struct machine m;
                if (store_machine_get(s, &mac, &m) < 0)
                        return cli_store_fail(c);
                int rc = CLI_OK;
                if (a->json)
                        rc = cli_print_json(machine_to_json(&m));
                else
                        print_machine(&m);
                machine_done(&m);
                return rc;
        }
        int r;
        if (strcmp(cmd, "remove") == 0)
                r = store_machine_remove(s, &mac);
        else
                r = store_machine_assign(s, &mac, assign ? a->positional[1] : NULL);
        if (r < 0)
                return cli_store_fail(c);
        if (assign)
                fprintf(stderr, "bootherd: machine %s now boots %s\n", str, a->positional[1]);
        else
                fprintf(stderr, "bootherd: machine %s %s\n", str,
                        strcmp(cmd, "remove") == 0 ? "removed" : "unassigned");
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
        static const char *const others[] = {"list", "show", "remove", "assign", "unassign"};
        for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
                if (strcmp(cmd, others[i]) != 0)
                        continue;
                struct machine scratch = {0};
                struct machine_args a = {0};
                int rc = parse_machine_args(argc, argv, &scratch, &a);
                machine_done(&scratch);
                if (rc != CLI_OK)
                        return rc;
                return i == 0 ? machine_list(c, &a) : machine_one(c, cmd, &a);
        }
        return cli_usage("unknown machine command \"%s\"", cmd);
}
