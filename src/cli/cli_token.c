/* bootherd token create|list|revoke: API tokens for scripts
 * (Authorization: Bearer bht_...).  The token is printed once, on create;
 * the store keeps only its hash. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "auth/auth_secret.h"
#include "json/inventory_json.h"

static int token_create(struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                             {NULL, 0, NULL, 0}};
        /* Least privilege by default: a token that only reads (dashboards,
         * metrics) cannot reassign machines if it leaks. */
        enum auth_role role = AUTH_ROLE_VIEWER;
        optind = 1;
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
                if (opt == 'r' && auth_role_parse(optarg, &role) < 0)
                        return cli_usage("--role is admin or viewer, not \"%s\"", optarg);
                if (opt == ':')
                        return cli_usage("option %s needs a value", argv[optind - 1]);
                if (opt == '?')
                        return cli_usage("unknown option %s", argv[optind - 1]);
        }
        if (argc - optind != 1)
                return cli_usage("usage: bootherd token create NAME [--role viewer|admin]");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        char tok[AUTH_TOKEN_LEN + 1];
        auth_new_secret(AUTH_TOKEN_PREFIX, tok, sizeof(tok));
        uint8_t h[STORE_SECRET_HASH_LEN];
        auth_secret_hash(tok, h);
        if (store_token_add(s, argv[optind], h, role) < 0) {
                sodium_memzero(tok, sizeof(tok));
                return cli_store_fail(c);
        }
        printf("%s\n", tok);
        sodium_memzero(tok, sizeof(tok));
        fprintf(stderr,
                "bootherd: token %s created (%s); it is shown only now: "
                "use it as \"Authorization: Bearer <token>\"\n",
                argv[optind], auth_role_name(role));
        return CLI_OK;
}

static int token_list(struct cli *c, int argc, char **argv)
{
        bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
        if (argc > 2 || (argc == 2 && !json))
                return cli_usage("usage: bootherd token list [--json]");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        struct api_token *ts;
        size_t n;
        if (store_token_list(s, &ts, &n) < 0)
                return cli_store_fail(c);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
                json_t *cr = json_time(ts[i].created), *lu = json_time(ts[i].last_used);
                if (json)
                        json_array_append_new(arr,
                                              json_pack("{s:s, s:s, s:O, s:O}", "name", ts[i].name,
                                                        "role", auth_role_name(ts[i].role),
                                                        "created", cr, "last_used", lu));
                else
                        printf("%-32s %-7s created %s  last used %s\n", ts[i].name,
                               auth_role_name(ts[i].role), json_string_value(cr),
                               json_is_null(lu) ? "never" : json_string_value(lu));
                json_decref(cr);
                json_decref(lu);
        }
        api_token_list_free(ts, n);
        if (json)
                return cli_print_json(arr);
        json_decref(arr);
        return CLI_OK;
}

static int token_revoke(struct cli *c, int argc, char **argv)
{
        if (argc != 2)
                return cli_usage("usage: bootherd token revoke NAME");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        if (store_token_remove(s, argv[1]) < 0)
                return cli_store_fail(c);
        return CLI_OK;
}

int cli_token(struct cli *c, int argc, char **argv)
{
        if (argc < 1)
                return cli_usage("token needs a subcommand: create, list, revoke");
        if (strcmp(argv[0], "create") == 0)
                return token_create(c, argc, argv);
        if (strcmp(argv[0], "list") == 0)
                return token_list(c, argc, argv);
        if (strcmp(argv[0], "revoke") == 0)
                return token_revoke(c, argc, argv);
        return cli_usage("unknown token subcommand \"%s\"", argv[0]);
}
