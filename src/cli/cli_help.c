/* bootherd help [NOUN [VERB]] and NOUN [VERB] --help: usage on stdout. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct help {
        const char *noun, *verb; /* verb NULL: the noun's own page */
        const char *text;
};

static const struct help helps[] = {
    {"serve", NULL,
     "usage: bootherd [--config FILE] serve\n"
     "\n"
     "Runs the daemon: DHCP, TFTP, HTTP (web UI, REST API, boot scripts) and router\n"
     "advertisements as configured.  Creates the state directory and the database\n"
     "when they do not exist yet.\n"},
    {"init", NULL,
     "usage: bootherd [--state-dir DIR | --config FILE] init\n"
     "\n"
     "Creates the state directory and an empty database at the configured path\n"
     "(or upgrades an existing one).  Every other command except serve and the\n"
     "add/create commands refuses to run when the database does not exist, so a\n"
     "mistyped --state-dir is an error, not an empty inventory.\n"},
    {"image", NULL,
     "usage: bootherd image COMMAND ...\n"
     "\n"
     "  add NAME --kernel K [--initrd I]... [--cmdline C] [--script FILE] [--description D]\n"
     "           [--kernel-arm64 K [--initrd-arm64 I]...] [--grub-script FILE]\n"
     "  edit NAME [flags as add, --no-initrd, --no-script, --no-arm64, --no-grub-script]\n"
     "  list [--json]\n"
     "  show NAME [--json]\n"
     "  remove NAME [--force]\n"
     "\n"
     "bootherd image COMMAND --help describes one command.\n"},
    {"image", "add",
     "usage: bootherd image add NAME --kernel K [--initrd I]... [--cmdline C]\n"
     "                          [--script FILE] [--grub-script FILE] [--description D]\n"
     "\n"
     "  --kernel K        path under the images root, or an http(s) URL\n"
     "  --initrd I        likewise; repeat for several initrds\n"
     "  --cmdline C       kernel command line; {{hostname}}, {{mac}}, ... are filled in\n"
     "  --script FILE     a whole iPXE script template instead of kernel/initrd ('-': stdin)\n"
     "  --grub-script FILE  a GRUB configuration template instead of the generated\n"
     "                    linux/initrd/boot lines ('-': stdin; $bootherd_images is set)\n"
     "  --description D   free text\n"
     "  --kernel-arm64 K  arm64 machines boot K instead of --kernel (one image for\n"
     "                    x86-64 and arm64 machines: docs/firmware.md)\n"
     "  --initrd-arm64 I  their initrds (instead of --initrd); repeat for several\n"
     "\n"
     "A local kernel or initrd that does not exist under the images root is a\n"
     "warning on standard error (the image is saved; machines booting it fail\n"
     "until the file is there).\n"},
    {"image", "edit",
     "usage: bootherd image edit NAME [--kernel K] [--initrd I]... [--no-initrd]\n"
     "                           [--cmdline C] [--script FILE] [--no-script] [--description D]\n"
     "                           [--kernel-arm64 K] [--initrd-arm64 I]... [--no-arm64]\n"
     "                           [--grub-script FILE] [--no-grub-script]\n"
     "\n"
     "Changes only the fields given; --initrd (--initrd-arm64) replaces the whole initrd\n"
     "list (the arm64 one); --no-arm64 drops the arm64 kernel and initrds.\n"
     "Warns, like add, about local files missing under the images root.\n"},
    {"image", "list",
     "usage: bootherd image list [--json]\n"
     "\n"
     "FILES is \"broken\" while a local kernel or initrd is missing under the images\n"
     "root (checked now; \"?\" when the root cannot be opened), else \"ok\"; --json\n"
     "gives \"broken\" and \"warnings\".\n"},
    {"image", "show", "usage: bootherd image show NAME [--json]\n"},
    {"image", "remove",
     "usage: bootherd image remove NAME [--force]\n"
     "\n"
     "Refused while machines use the image, unless --force, which unassigns them.\n"},
    {"discovered", NULL,
     "usage: bootherd discovered adopt ...\n"
     "\n"
     "  adopt --image NAME [--hostname-pattern P] [--start N] [--ip-range A-B]\n"
     "        MAC... | --all [--match TEXT]\n"
     "\n"
     "Discovered machines are listed by: bootherd machine list --discovered\n"},
    {"discovered", "adopt",
     "usage: bootherd discovered adopt --image NAME [--hostname-pattern P] [--start N]\n"
     "                                 [--ip-range A-B] [--json] MAC... | --all [--match TEXT]\n"
     "\n"
     "Makes discovered machines managed, all in one transaction (on any error none is):\n"
     "  --image NAME           the image they boot\n"
     "  --hostname-pattern P   host names from P, e.g. 'node{n:03}' -> node001, node002, ...\n"
     "                         ({n} or {n:0W}, W = digits); names already used are skipped\n"
     "  --start N              the first number (default 1)\n"
     "  --ip-range A-B         reserve addresses from A to B (inclusive); reserved and\n"
     "                         leased addresses are skipped; too few free: nothing changes\n"
     "  --all                  every discovered machine (oldest first), or those matching\n"
     "  --match TEXT           (MAC, hostname or address text, as the list's search)\n"
     "Named MACs are adopted in the order given.\n"},
    {"machine", NULL,
     "usage: bootherd machine COMMAND ...\n"
     "\n"
     "  add MAC [--image NAME] [--hostname H] [--ip A.B.C.D] [--notes T]\n"
     "          [--boot-file F] [--netboot on|off]\n"
     "  edit MAC [flags as add; an empty value clears]\n"
     "  assign IMAGE MAC... | assign IMAGE --from FILE | assign IMAGE -\n"
     "  unassign MAC...\n"
     "  list [--discovered | --state S] [--image NAME] [--hostname PATTERN] [--json]\n"
     "  show MAC [--attempts N] [--events N] [--json]\n"
     "  remove MAC\n"
     "\n"
     "bootherd machine COMMAND --help describes one command.\n"},
    {"machine", "add",
     "usage: bootherd machine add MAC [--image NAME] [--hostname H] [--ip A.B.C.D]\n"
     "                            [--notes T] [--boot-file F] [--netboot on|off]\n"
     "\n"
     "Adds a machine (or adopts a discovered one, keeping its history).  Host\n"
     "names are unique (case-insensitive).\n"},
    {"machine", "edit",
     "usage: bootherd machine edit MAC [--image NAME] [--hostname H] [--ip A.B.C.D]\n"
     "                             [--notes T] [--boot-file F] [--netboot on|off]\n"
     "\n"
     "Changes only the fields given; an empty value clears one.\n"},
    {"machine", "assign",
     "usage: bootherd machine assign IMAGE MAC...\n"
     "       bootherd machine assign IMAGE --from FILE   (FILE '-': standard input)\n"
     "       bootherd machine assign IMAGE -             (MACs from standard input)\n"
     "\n"
     "Assigns IMAGE to every MAC in one transaction: if any MAC is invalid or\n"
     "unknown, nothing changes.  In a file, MACs are separated by white space or\n"
     "new lines; '#' starts a comment.  The old form `assign MAC IMAGE` still works.\n"},
    {"machine", "unassign",
     "usage: bootherd machine unassign MAC...\n"
     "\n"
     "Removes the image of every MAC, in one transaction.\n"},
    {"machine", "list",
     "usage: bootherd machine list [--discovered | --state discovered|assigned|unassigned]\n"
     "                             [--image NAME] [--hostname PATTERN] [--failing] [--json]\n"
     "\n"
     "STATUS is \"failing: STAGE OUTCOME\" from a failed boot step until a later\n"
     "step at that stage or beyond succeeds, else \"ok\".\n"
     "  --failing           only failing machines\n"
     "  --image NAME        only machines assigned NAME\n"
     "  --hostname PATTERN  only host names matching PATTERN (shell wildcards * ? [..],\n"
     "                      case-insensitive; without wildcards: that exact name)\n"},
    {"machine", "show",
     "usage: bootherd machine show MAC [--attempts N] [--events N] [--json]\n"
     "\n"
     "The machine's fields, its status (failing, with the failed step, or ok) and\n"
     "its recent boot attempts, newest first: a boot's dhcp, tftp, script, kernel\n"
     "and initrd steps grouped (a pause of over 10 minutes, or a DHCP after the\n"
     "script, starts the next), each with its start time (UTC), duration, the\n"
     "stages it reached, the bytes its transfers sent, and its outcome: \"reached\n"
     "STAGE\", or \"failed: STAGE OUTCOME (detail)\" at the step it failed at (unless\n"
     "a later step at that stage or beyond worked).\n"
     "  --attempts N  the N newest attempts (default 5, at most 100; 0: none)\n"
     "  --events N    also the N newest boot events, one a line (--json: default 10)\n"
     "  --json        the machine with \"attempts\" (each with its events), \"events\"\n"
     "                and \"more_attempts\" (older ones exist)\n"},
    {"machine", "remove", "usage: bootherd machine remove MAC\n"},
    {"events", NULL,
     "usage: bootherd events [--mac MAC | --hostname H] [--since TIME] [--limit N]\n"
     "                       [--follow] [--json]\n"
     "\n"
     "Boot events, newest first (oldest first with --follow), one a line: time, MAC,\n"
     "stage, outcome (ok, or the failure: not-found, aborted, timeout, nak, ...),\n"
     "peer, detail.\n"
     "  --mac MAC       one machine's events\n"
     "  --hostname H    the events of the machine named H\n"
     "  --since TIME    events at or after TIME: 2026-12-04T14:00:00Z (UTC), with an\n"
     "                  offset (+01:00), without one (local time), or relative:\n"
     "                  30s, 10m, 2h, 7d ago\n"
     "  --limit N       at most N events (default 50)\n"
     "  --follow        keep printing new events as they are recorded (Ctrl-C stops);\n"
     "                  with --json, one JSON object per line\n"},
    {"user", NULL,
     "usage: bootherd user COMMAND ...\n"
     "\n"
     "  add NAME [--role admin|viewer]   web UI/API user; password from stdin\n"
     "  passwd NAME                      new password from stdin\n"
     "  list [--json]\n"
     "  remove NAME\n"},
    {"user", "add",
     "usage: bootherd user add NAME [--role admin|viewer]\n"
     "\n"
     "Reads the password from standard input (default role: admin).\n"},
    {"user", "passwd", "usage: bootherd user passwd NAME   (new password from stdin)\n"},
    {"user", "list", "usage: bootherd user list [--json]\n"},
    {"user", "remove", "usage: bootherd user remove NAME\n"},
    {"token", NULL,
     "usage: bootherd token COMMAND ...\n"
     "\n"
     "  create NAME [--role viewer|admin]   API token, printed once\n"
     "  list [--json]\n"
     "  revoke NAME\n"},
    {"token", "create",
     "usage: bootherd token create NAME [--role viewer|admin]\n"
     "\n"
     "Prints the new token once on stdout (default role: viewer).\n"},
    {"token", "list", "usage: bootherd token list [--json]\n"},
    {"token", "revoke", "usage: bootherd token revoke NAME\n"},
    {"store", NULL,
     "usage: bootherd store copy --to URL [--events N]\n"
     "\n"
     "  copy   copies the configured store into an empty database at URL\n"},
    {"store", "copy",
     "usage: bootherd store copy --to URL [--events N]\n"
     "\n"
     "Copies the configured store into the empty database at URL (normally\n"
     "postgresql://...), with the N newest events, and verifies the counts.\n"},
    {"audit", NULL,
     "usage: bootherd audit [--since TIME] [--user ACTOR] [--object NAME] [--limit N]\n"
     "                      [--offset N] [--json]\n"
     "\n"
     "The audit log, newest first: every change of images, machines, users and API\n"
     "tokens, through the web UI, the REST API or this CLI, and every file uploaded\n"
     "under the images root: when, who, what, and each changed field as before ->\n"
     "after (a created or removed object whole, as JSON).\n"
     "\n"
     "  --since TIME     from TIME: 2026-12-04T14:00:00Z, 2026-12-04 15:00 (local),\n"
     "                   or 30s, 10m, 2h, 7d ago\n"
     "  --user ACTOR     only this actor: a user name, token:NAME, or cli:UNIXUSER\n"
     "                   (--actor is the same)\n"
     "  --object NAME    only this object: a MAC, an image, user or token name\n"
     "  --limit N        at most N entries (default 50), --offset N skips N\n"
     "  --json           {\"entries\": [...], \"total\": N}\n"
     "\n"
     "The newest [auth] audit_retention entries are kept (default 100000).\n"},
};

static const struct help *find(const char *noun, const char *verb)
{
        for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
                if (strcmp(helps[i].noun, noun) == 0 &&
                    (verb ? helps[i].verb && strcmp(helps[i].verb, verb) == 0 : !helps[i].verb))
                        return &helps[i];
        return NULL;
}

int cli_help(const char *noun, const char *verb)
{
        const struct help *h = find(noun, NULL);
        if (!h)
                return cli_usage("no help on \"%s\"", noun);
        if (verb && verb[0] != '-') {
                const struct help *v = find(noun, verb);
                if (!v)
                        return cli_usage("unknown %s command \"%s\"", noun, verb);
                h = v;
        }
        fputs(h->text, stdout);
        return fflush(stdout) == 0 ? CLI_OK : CLI_ERR;
}
