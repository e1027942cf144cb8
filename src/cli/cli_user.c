/* bootherd user add|passwd|list|remove: web UI and API users.
 *
 * Passwords are read from stdin (first line, newline stripped), never from
 * argv, where other local users could see them in ps(1).  On a terminal the
 * echo is turned off and the password asked twice. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "auth/auth_secret.h"
#include "json/inventory_json.h"

/* Reads one line (without the newline) into buf; -EINVAL when too long. */
static int read_line(FILE *f, char *buf, size_t cap)
{
        if (!fgets(buf, (int)cap, f))
                return -EIO;
        size_t n = strlen(buf);
        if (n && buf[n - 1] == '\n')
                buf[--n] = '\0';
        else if (!feof(f))
                return -EINVAL;
        if (n && buf[n - 1] == '\r')
                buf[--n] = '\0';
        return 0;
}

static int prompt(const char *what, char *buf, size_t cap)
{
        struct termios old, quiet;
        fprintf(stderr, "%s: ", what);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        int r = read_line(stdin, buf, cap);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
        return r;
}

/* Gets the password from stdin and hashes it into hash. */
static int password_from_stdin(char hash[AUTH_PWHASH_MAX])
{
        char pw[AUTH_PASSWORD_MAX + 2], again[AUTH_PASSWORD_MAX + 2];
        int r;
        if (isatty(STDIN_FILENO)) {
                r = prompt("Password", pw, sizeof(pw));
                if (r == 0)
                        r = prompt("Password again", again, sizeof(again));
                if (r == 0 && strcmp(pw, again) != 0) {
                        sodium_memzero(pw, sizeof(pw));
                        sodium_memzero(again, sizeof(again));
                        return cli_fail("the passwords differ");
                }
                sodium_memzero(again, sizeof(again));
        } else {
                r = read_line(stdin, pw, sizeof(pw));
        }
        if (r < 0) {
                sodium_memzero(pw, sizeof(pw));
                return cli_fail("cannot read the password from stdin%s",
                                r == -EINVAL ? ": longer than 1024 bytes" : "");
        }
        r = auth_password_hash(pw, hash);
        sodium_memzero(pw, sizeof(pw));
        if (r == -EINVAL)
                return cli_fail("the password must be %d to %d characters", AUTH_PASSWORD_MIN,
                                AUTH_PASSWORD_MAX);
        if (r < 0)
                return cli_fail("cannot hash the password: %s", strerror(-r));
        return CLI_OK;
}

static int parse_role(const char *s, enum auth_role *ret)
{
        if (auth_role_parse(s, ret) < 0)
                return cli_usage("--role is admin or viewer, not \"%s\"", s);
        return CLI_OK;
}

static int user_add(struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                             {NULL, 0, NULL, 0}};
        enum auth_role role = AUTH_ROLE_ADMIN;
        optind = 1;
        opterr = 0;
        int opt, rc;
        while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
                if (opt == 'r' && (rc = parse_role(optarg, &role)) != CLI_OK)
                        return rc;
                if (opt == ':')
                        return cli_usage("option %s needs a value", argv[optind - 1]);
                if (opt == '?')
                        return cli_usage("unknown option %s", argv[optind - 1]);
        }
        if (argc - optind != 1)
                return cli_usage("usage: bootherd user add NAME [--role admin|viewer]");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        char hash[AUTH_PWHASH_MAX];
        if ((rc = password_from_stdin(hash)) != CLI_OK)
                return rc;
        if (store_user_add(s, argv[optind], hash, role) < 0)
                return cli_store_fail(c);
        fprintf(stderr, "bootherd: user %s added (%s)\n", argv[optind], auth_role_name(role));
        return CLI_OK;
}

static int user_passwd(struct cli *c, int argc, char **argv)
{
        if (argc != 2)
                return cli_usage("usage: bootherd user passwd NAME");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        struct user u;
        if (store_user_get(s, argv[1], &u) < 0)
                return cli_store_fail(c);
        user_done(&u);
        char hash[AUTH_PWHASH_MAX];
        int rc = password_from_stdin(hash);
        if (rc != CLI_OK)
                return rc;
        if (store_user_set_password(s, argv[1], hash) < 0)
                return cli_store_fail(c);
        fprintf(stderr, "bootherd: password of %s changed; their sessions were ended\n", argv[1]);
        return CLI_OK;
}

static int user_list(struct cli *c, int argc, char **argv)
{
        bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
        if (argc > 2 || (argc == 2 && !json))
                return cli_usage("usage: bootherd user list [--json]");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        struct user *us;
        size_t n;
        if (store_user_list(s, &us, &n) < 0)
                return cli_store_fail(c);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
                json_t *t = json_time(us[i].created);
                if (json)
                        json_array_append_new(arr, json_pack("{s:s, s:s, s:O}", "name", us[i].name,
                                                             "role", auth_role_name(us[i].role),
                                                             "created", t));
                else
                        printf("%-32s %-7s %s\n", us[i].name, auth_role_name(us[i].role),
                               json_string_value(t));
                json_decref(t);
        }
        user_list_free(us, n);
        if (json)
                return cli_print_json(arr);
        json_decref(arr);
        return CLI_OK;
}

static int user_remove(struct cli *c, int argc, char **argv)
{
        if (argc != 2)
                return cli_usage("usage: bootherd user remove NAME");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        if (store_user_remove(s, argv[1]) < 0)
                return cli_store_fail(c);
        return CLI_OK;
}

int cli_user(struct cli *c, int argc, char **argv)
{
        if (argc < 1)
                return cli_usage("user needs a subcommand: add, passwd, list, remove");
        if (strcmp(argv[0], "add") == 0)
                return user_add(c, argc, argv);
        if (strcmp(argv[0], "passwd") == 0)
                return user_passwd(c, argc, argv);
        if (strcmp(argv[0], "list") == 0)
                return user_list(c, argc, argv);
        if (strcmp(argv[0], "remove") == 0)
                return user_remove(c, argc, argv);
        return cli_usage("unknown user subcommand \"%s\"", argv[0]);
}
