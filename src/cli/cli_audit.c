/* bootherd audit [--since TIME] [--user ACTOR] [--object NAME] [--limit N]
 *                [--offset N] [--json]: the audit log, newest first. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "json/inventory_json.h"

#define USAGE                                                                                      \
        "usage: bootherd audit [--since TIME] [--user ACTOR] [--object NAME] [--limit N] "         \
        "[--offset N] [--json]"

/* Appends key: before -> after for each key whose value differs. */
static void print_changes(json_t *b, json_t *a)
{
        const char *key;
        json_t *v;
        bool any = false;
        json_t *keys = json_object();
        json_object_update(keys, b);
        json_object_update(keys, a);
        json_object_foreach(keys, key, v)
        {
                json_t *x = json_object_get(b, key), *y = json_object_get(a, key);
                if (x && y && json_equal(x, y))
                        continue;
                char *xs = x ? json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                char *ys = y ? json_dumps(y, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                printf("%s%s: %s -> %s", any ? ", " : "", key, xs ? xs : "-", ys ? ys : "-");
                free(xs);
                free(ys);
                any = true;
        }
        json_decref(keys);
        if (!any)
                fputs("no change", stdout);
}

/* One line: time, actor, action, object, then what changed (before -> after
 * per field; the whole object when created or removed). */
static void print_entry(const struct audit_entry *e)
{
        json_t *t = json_time(e->time);
        printf("%s  %-16s %-15s %s  ", json_string_value(t), e->actor, e->action, e->object);
        json_decref(t);
        json_t *b = e->before ? json_loads(e->before, 0, NULL) : NULL;
        json_t *a = e->after ? json_loads(e->after, 0, NULL) : NULL;
        if (json_is_object(b) && json_is_object(a))
                print_changes(b, a);
        else
                printf("%s -> %s", e->before ? e->before : "-", e->after ? e->after : "-");
        putchar('\n');
        json_decref(b);
        json_decref(a);
}

static int parse_count(const char *opt, const char *v, int64_t min, int64_t *ret)
{
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*v || *end || n < min || n > 1000000)
                return cli_usage("%s takes a number from %lld to 1000000", opt, (long long)min);
        *ret = n;
        return CLI_OK;
}

int cli_audit(struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {
            {"since", required_argument, NULL, 's'}, {"user", required_argument, NULL, 'u'},
            {"actor", required_argument, NULL, 'u'}, {"object", required_argument, NULL, 'o'},
            {"limit", required_argument, NULL, 'n'}, {"offset", required_argument, NULL, 'O'},
            {"json", no_argument, NULL, 'j'},        {NULL, 0, NULL, 0}};
        struct audit_filter f = {.limit = 50};
        bool json = false;
        optind = 1;
        opterr = 0;
        int opt, rc;
        while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
                switch (opt) {
                case 's':
                        if (cli_parse_since(optarg, &f.since_ms) < 0)
                                return cli_usage("--since takes a time like 2026-12-04T14:00:00Z "
                                                 "or 30s, 10m, 2h, 7d (ago); not \"%s\"",
                                                 optarg);
                        break;
                case 'u':
                        f.actor = optarg;
                        break;
                case 'o':
                        f.object = optarg;
                        break;
                case 'n':
                        if ((rc = parse_count("--limit", optarg, 1, &f.limit)) != CLI_OK)
                                return rc;
                        break;
                case 'O':
                        if ((rc = parse_count("--offset", optarg, 0, &f.offset)) != CLI_OK)
                                return rc;
                        break;
                case 'j':
                        json = true;
                        break;
                case ':':
                        return cli_usage("option %s needs a value", argv[optind - 1]);
                default:
                        return cli_usage("unknown option %s (" USAGE ")", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return cli_usage("unexpected argument \"%s\"", argv[optind]);
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        struct audit_entry *es;
        size_t n;
        int64_t total;
        if (store_audit_list(s, &f, &es, &n, &total) < 0)
                return cli_store_fail(c);
        rc = CLI_OK;
        if (json) {
                json_t *arr = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(arr, audit_to_json(&es[i]));
                rc = cli_print_json(
                    json_pack("{s:o, s:I}", "entries", arr, "total", (json_int_t)total));
        } else {
                for (size_t i = 0; i < n; i++)
                        print_entry(&es[i]);
                if ((int64_t)n + f.offset < total)
                        fprintf(stderr,
                                "bootherd: %lld of %lld entries shown (--limit, --offset)\n",
                                (long long)n, (long long)total);
        }
        audit_list_free(es, n);
        return rc;
}
