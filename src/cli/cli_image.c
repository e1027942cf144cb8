/* bootherd image add|list|show|edit|remove */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/image_files.h"
#include "boot/ipxe_script.h"
#include "cli/cli.h"
#include "core/fsroot.h"
#include "json/inventory_json.h"

#define SCRIPT_FILE_MAX 65536

enum {
        OPT_KERNEL = 256,
        OPT_INITRD,
        OPT_NO_INITRD,
        OPT_CMDLINE,
        OPT_SCRIPT,
        OPT_NO_SCRIPT,
        OPT_DESC,
        OPT_JSON,
        OPT_FORCE,
        OPT_KERNEL_ARM64,
        OPT_INITRD_ARM64,
        OPT_NO_ARM64,
        OPT_GRUB_SCRIPT,
        OPT_NO_GRUB_SCRIPT
};

static const struct option image_opts[] = {
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"initrd", required_argument, NULL, OPT_INITRD},
    {"no-initrd", no_argument, NULL, OPT_NO_INITRD},
    {"cmdline", required_argument, NULL, OPT_CMDLINE},
    {"script", required_argument, NULL, OPT_SCRIPT},
    {"no-script", no_argument, NULL, OPT_NO_SCRIPT},
    {"description", required_argument, NULL, OPT_DESC},
    {"json", no_argument, NULL, OPT_JSON},
    {"force", no_argument, NULL, OPT_FORCE},
    {"kernel-arm64", required_argument, NULL, OPT_KERNEL_ARM64},
    {"initrd-arm64", required_argument, NULL, OPT_INITRD_ARM64},
    {"no-arm64", no_argument, NULL, OPT_NO_ARM64},
    {"grub-script", required_argument, NULL, OPT_GRUB_SCRIPT},
    {"no-grub-script", no_argument, NULL, OPT_NO_GRUB_SCRIPT},
    {NULL, 0, NULL, 0},
};

struct image_args {
        bool json, force, initrds_set, initrds_arm64_set;
        struct image img; /* fields set from flags (strings borrowed from argv) */
        char *script_buf;
        int n_positional;
        char *positional[2];
};

static int replace_str(char **dst, const char *src)
{
        char *d = strdup(src);
        if (!d)
                return -ENOMEM;
        free(*dst);
        *dst = d;
        return 0;
}

static void clear_list(char **v, size_t *n)
{
        for (size_t i = 0; i < *n; i++)
                free(v[i]);
        *n = 0;
}

/* --initrd (--initrd-arm64): the first one given replaces the list. */
static int add_initrd(char ***v, size_t *n, bool *set, const char *path)
{
        if (!*set) {
                clear_list(*v, n);
                *set = true;
        }
        char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[*n] = strdup(path)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

static int parse_image_args(int argc, char **argv, struct image_args *a, struct image *img)
{
        optind = 1;
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, ":", image_opts, NULL)) != -1) {
                int r = 0;
                switch (opt) {
                case OPT_KERNEL:
                        r = replace_str(&img->kernel, optarg);
                        break;
                case OPT_INITRD:
                        r = add_initrd(&img->initrds, &img->n_initrds, &a->initrds_set, optarg);
                        break;
                case OPT_NO_INITRD:
                        clear_list(img->initrds, &img->n_initrds);
                        a->initrds_set = true;
                        break;
                case OPT_KERNEL_ARM64:
                        r = replace_str(&img->kernel_arm64, optarg);
                        break;
                case OPT_INITRD_ARM64:
                        r = add_initrd(&img->initrds_arm64, &img->n_initrds_arm64,
                                       &a->initrds_arm64_set, optarg);
                        break;
                case OPT_NO_ARM64:
                        free(img->kernel_arm64);
                        img->kernel_arm64 = NULL;
                        clear_list(img->initrds_arm64, &img->n_initrds_arm64);
                        a->initrds_arm64_set = true;
                        break;
                case OPT_CMDLINE:
                        r = replace_str(&img->cmdline, optarg);
                        break;
                case OPT_SCRIPT:
                case OPT_GRUB_SCRIPT: {
                        char **dst = opt == OPT_SCRIPT ? &img->script : &img->grub_script;
                        char *s = cli_read_file(optarg, SCRIPT_FILE_MAX);
                        if (!s)
                                return cli_fail(
                                    "cannot read %s %s: %s",
                                    opt == OPT_SCRIPT ? "script" : "GRUB template", optarg,
                                    errno == EFBIG ? "larger than 64 KiB" : strerror(errno));
                        free(*dst);
                        *dst = s;
                        break;
                }
                case OPT_NO_SCRIPT:
                        free(img->script);
                        img->script = NULL;
                        break;
                case OPT_NO_GRUB_SCRIPT:
                        free(img->grub_script);
                        img->grub_script = NULL;
                        break;
                case OPT_DESC:
                        r = replace_str(&img->description, optarg);
                        break;
                case OPT_JSON:
                        a->json = true;
                        break;
                case OPT_FORCE:
                        a->force = true;
                        break;
                case ':':
                        return cli_usage("option %s needs a value", argv[optind - 1]);
                default:
                        return cli_usage("unknown option %s", argv[optind - 1]);
                }
                if (r < 0)
                        return cli_fail("out of memory");
        }
        for (int i = optind; i < argc; i++) {
                if (a->n_positional == 2)
                        return cli_usage("unexpected argument \"%s\"", argv[i]);
                a->positional[a->n_positional++] = argv[i];
        }
        return CLI_OK;
}

static void print_image(const struct image *img)
{
        printf("name:        %s\n", img->name);
        printf("kernel:      %s\n", img->kernel);
        for (size_t i = 0; i < img->n_initrds; i++)
                printf("initrd:      %s\n", img->initrds[i]);
        if (img->kernel_arm64 && *img->kernel_arm64)
                printf("kernel_arm64: %s\n", img->kernel_arm64);
        for (size_t i = 0; i < img->n_initrds_arm64; i++)
                printf("initrd_arm64: %s\n", img->initrds_arm64[i]);
        printf("cmdline:     %s\n", img->cmdline);
        printf("description: %s\n", img->description);
        if (img->script && *img->script)
                printf("script:\n%s%s", img->script,
                       img->script[strlen(img->script) - 1] == '\n' ? "" : "\n");
        if (img->grub_script && *img->grub_script)
                printf("grub_script:\n%s%s", img->grub_script,
                       img->grub_script[strlen(img->grub_script) - 1] == '\n' ? "" : "\n");
}

/* The images root as the server sees it ([images] root), or -1 when it
 * cannot be opened (then nothing is said about files). */
static int images_root_fd(struct cli *c)
{
        char *root = config_images_root(&c->cfg);
        int fd = root ? fsroot_open(root) : -1;
        free(root);
        return fd < 0 ? -1 : fd;
}

/* Warns on stderr about each local file of img missing under the images
 * root: the image is saved (the file may be copied there next), but a
 * machine booting it now would fail.  Returns how many are missing. */
static int warn_missing(struct cli *c, const struct image *img)
{
        int fd = images_root_fd(c);
        struct image_missing miss[16];
        int n = image_missing_files(fd, img, miss, 16);
        char *root = config_images_root(&c->cfg);
        for (int i = 0; i < n && i < 16; i++)
                fprintf(stderr,
                        "bootherd: warning: image %s: %s %s %s under the images root %s; "
                        "machines booting it will fail until it does\n",
                        img->name, miss[i].what, miss[i].path,
                        miss[i].err == -ENOENT ? "does not exist" : "is not a regular file",
                        root ? root : "?");
        if (fd < 0 && img->kernel && *img->kernel)
                fprintf(stderr,
                        "bootherd: warning: images root %s cannot be opened: its files were not "
                        "checked\n",
                        root ? root : "?");
        free(root);
        if (fd >= 0)
                close(fd);
        return n;
}

/* add and edit: flags over an empty image (add) or the stored one (edit). */
static int image_put(struct cli *c, int argc, char **argv, bool create)
{
        struct image_args a = {0};
        struct image img = {0};
        if (argc < 2 || argv[1][0] == '-')
                return cli_usage("image %s needs a NAME", create ? "add" : "edit");
        const char *name = argv[1];
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        if (!create && store_image_get(s, name, &img) < 0)
                return cli_store_fail(c);
        int rc = parse_image_args(argc, argv, &a, &img);
        if (rc == CLI_OK && a.n_positional != 1)
                rc = cli_usage("image %s takes one NAME", create ? "add" : "edit");
        if (rc == CLI_OK && create && !img.kernel && !img.script)
                rc = cli_usage("image add needs --kernel (or --script)");
        char err[SCRIPT_ERR_MAX];
        if (rc == CLI_OK && img.script && !ipxe_template_check(img.script, err))
                rc = cli_fail("script: %s", err);
        if (rc == CLI_OK && img.grub_script && !ipxe_template_check(img.grub_script, err))
                rc = cli_fail("grub_script: %s", err);
        if (rc == CLI_OK && img.cmdline && !ipxe_template_check(img.cmdline, err))
                rc = cli_fail("cmdline: %s", err);
        if (rc == CLI_OK) {
                if (replace_str(&img.name, name) < 0)
                        rc = cli_fail("out of memory");
                else if (store_image_put(s, &img, create) < 0)
                        rc = cli_store_fail(c);
        }
        if (rc == CLI_OK) {
                fprintf(stderr, "bootherd: image %s %s\n", name, create ? "added" : "updated");
                warn_missing(c, &img);
        }
        image_done(&img);
        return rc;
}

static int image_list(struct cli *c, int argc, char **argv)
{
        struct image_args a = {0};
        struct image unused = {0};
        int rc = parse_image_args(argc, argv, &a, &unused);
        image_done(&unused);
        if (rc != CLI_OK)
                return rc;
        if (a.n_positional)
                return cli_usage("image list takes no arguments");
        struct store *s = cli_store(c);
        struct image *imgs;
        size_t n;
        if (!s)
                return CLI_ERR;
        if (store_image_list(s, &imgs, &n) < 0)
                return cli_store_fail(c);
        int root = images_root_fd(c);
        if (a.json) {
                json_t *arr = json_array();
                for (size_t i = 0; i < n; i++) {
                        json_t *j = image_to_json(&imgs[i]);
                        image_files_json(j, root, &imgs[i]);
                        json_array_append_new(arr, j);
                }
                rc = cli_print_json(arr);
        } else {
                /* FILES: "broken" while a local kernel/initrd is missing. */
                printf("%-24s %-40s %-8s %-8s %s\n", "NAME", "KERNEL", "INITRDS", "MACHINES",
                       "FILES");
                for (size_t i = 0; i < n; i++) {
                        int miss = image_missing_files(root, &imgs[i], NULL, 0);
                        printf("%-24s %-40s %-8zu %-8lld %s\n", imgs[i].name,
                               imgs[i].script ? "(script)" : imgs[i].kernel, imgs[i].n_initrds,
                               (long long)imgs[i].machines,
                               miss < 0 ? "?"
                               : miss   ? "broken"
                                        : "ok");
                }
        }
        if (root >= 0)
                close(root);
        image_list_free(imgs, n);
        return rc;
}

static int image_show_remove(struct cli *c, int argc, char **argv, bool remove)
{
        struct image_args a = {0};
        struct image img = {0};
        int rc = parse_image_args(argc, argv, &a, &img);
        image_done(&img);
        if (rc != CLI_OK)
                return rc;
        if (a.n_positional != 1)
                return cli_usage("image %s takes one NAME", remove ? "remove" : "show");
        struct store *s = cli_store(c);
        if (!s)
                return CLI_ERR;
        if (remove) {
                if (store_image_remove(s, a.positional[0], a.force) < 0)
                        return cli_store_fail(c);
                fprintf(stderr, "bootherd: image %s removed\n", a.positional[0]);
                return CLI_OK;
        }
        if (store_image_get(s, a.positional[0], &img) < 0)
                return cli_store_fail(c);
        if (a.json) {
                int root = images_root_fd(c);
                json_t *j = image_to_json(&img);
                image_files_json(j, root, &img);
                if (root >= 0)
                        close(root);
                rc = cli_print_json(j);
        } else {
                print_image(&img);
                warn_missing(c, &img);
        }
        image_done(&img);
        return rc;
}

int cli_image(struct cli *c, int argc, char **argv)
{
        if (argc < 1)
                return cli_usage("image needs a command: add, list, show, edit, remove");
        const char *cmd = argv[0];
        if (strcmp(cmd, "add") == 0)
                return image_put(c, argc, argv, true);
        if (strcmp(cmd, "edit") == 0)
                return image_put(c, argc, argv, false);
        if (strcmp(cmd, "list") == 0)
                return image_list(c, argc, argv);
        if (strcmp(cmd, "show") == 0)
                return image_show_remove(c, argc, argv, false);
        if (strcmp(cmd, "remove") == 0)
                return image_show_remove(c, argc, argv, true);
        return cli_usage("unknown image command \"%s\"", cmd);
}
