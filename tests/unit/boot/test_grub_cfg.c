/* GRUB configuration rendering (src/boot/grub_cfg.c): the image file with
 * HTTP-or-TFTP files, absolute URLs, command-line words, quoting of hostile
 * values, wait-and-retry, netboot off, the chain, and the names GRUB asks
 * for. */
#include "../test_util.h"

#include <errno.h>

#include "boot/grub_cfg.h"

static const struct script_vars V = {
    .mac = "52:54:00:ab:cd:01",
    .mac_hyphen = "52-54-00-ab-cd-01",
    .hostname = "node1",
    .ip = "198.18.0.10",
    .image = "deb",
    .server = "http://198.18.0.1:8080",
    .images_url = "http://198.18.0.1:8080/images",
    .console = "http://198.18.0.1:8080",
};

static struct boot_endpoints *EP;       /* HTTP 8080, TFTP 69 */
static struct boot_endpoints *EP_HTTPS; /* public_url https://, TFTP on 1069 */

static int setup(void **state)
{
        struct boot_endpoints_conf c = {.http_port = 8080, .tftp_port = 69};
        if (boot_endpoints_new(&c, 0xc6120001, &EP) < 0)
                return -1;
        struct boot_endpoints_conf h = {
            .public_url = "https://boot.example.net", .http_port = 80, .tftp_port = 1069};
        return boot_endpoints_new(&h, 0xc6120001, &EP_HTTPS);
}

static int teardown(void **state)
{
        boot_endpoints_free(EP);
        boot_endpoints_free(EP_HTTPS);
        return 0;
}

static bool TFTP = true; /* files over TFTP (format grub-tftp) */

static char *render(const struct image *img, enum boot_script_kind kind,
                    const struct boot_endpoints *ep, int want)
{
        struct boot_script_plan plan = {.kind = kind, .image = "deb"};
        struct grub_cfg_opts o = {.ep = ep, .retry_s = 9, .tftp = TFTP};
        struct strbuf b;
        strbuf_init(&b);
        char err[SCRIPT_ERR_MAX] = "";
        int r = grub_cfg_render(&plan, img, &V, &o, &b, err);
        if (r != want)
                fail_msg("grub_cfg_render: %d, wanted %d (%s)", r, want, err);
        assert_false(b.oom);
        return strbuf_steal(&b);
}

static char *initrds[] = {"deb/initrd.img", "deb/extra.cpio"};

static void test_image(void **state)
{
        struct image img = {.name = "deb",
                            .kernel = "deb/vmlinuz",
                            .initrds = initrds,
                            .n_initrds = 2,
                            .cmdline = "console=ttyS0 host={{hostname}} quiet"};
        char *s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_string_equal(s, "# bootherd: image deb for 52:54:00:ab:cd:01\n"
                               "set bootherd_images='(tftp,198.18.0.1)/images'\n"
                               "echo 'bootherd: loading image deb'\n"
                               "linux \"$bootherd_images\"'/deb/vmlinuz' 'console=ttyS0' "
                               "'host=node1' 'quiet'\n"
                               "initrd \"$bootherd_images\"'/deb/initrd.img' "
                               "\"$bootherd_images\"'/deb/extra.cpio'\n"
                               "boot\n"
                               "echo 'bootherd: booting image deb failed.'\n"
                               "echo 'bootherd: retrying in 9 seconds.'\n"
                               "sleep 9\n"
                               "configfile \"$prefix\"'/grub.cfg-failed-01-52-54-00-ab-cd-01'\n");
        free(s);
        /* Fetched over HTTP (format grub): files over HTTP. */
        TFTP = false;
        s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_non_null(strstr(s, "\nset bootherd_images='(http,198.18.0.1:8080)/images'\n"));
        assert_null(strstr(s, "tftp"));
        free(s);
        /* An https public URL: GRUB has no TLS, so TFTP (port kept). */
        s = render(&img, BOOT_SCRIPT_IMAGE, EP_HTTPS, 0);
        assert_non_null(strstr(s, "\nset bootherd_images='(tftp,198.18.0.1:1069)/images'\n"));
        TFTP = true;
        free(s);
        /* No TFTP server: HTTP even for grub-tftp. */
        struct boot_endpoints *http_only;
        struct boot_endpoints_conf c = {.http_port = 80};
        assert_int_equal(boot_endpoints_new(&c, 0xc6120001, &http_only), 0);
        s = render(&img, BOOT_SCRIPT_IMAGE, http_only, 0);
        assert_non_null(strstr(s, "\nset bootherd_images='(http,198.18.0.1)/images'\n"));
        free(s);
        boot_endpoints_free(http_only);
}

static void test_urls_and_words(void **state)
{
        char *abs_initrd[] = {"http://files.example.net:81/d/initrd"};
        struct image img = {.name = "deb",
                            .kernel = "http://files.example.net/d/linux",
                            .initrds = abs_initrd,
                            .n_initrds = 1,
                            .cmdline = "a=1  b=\"two words\" c='x' \"d=3\""};
        char *s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_non_null(strstr(s, "\nlinux '(http,files.example.net)/d/linux' 'a=1' "
                                  "'b=two words' 'c='\\''x'\\''' 'd=3'\n"));
        assert_non_null(strstr(s, "\ninitrd '(http,files.example.net:81)/d/initrd'\n"));
        free(s);
        /* An https kernel cannot be fetched by GRUB: say so and retry. */
        img.kernel = "https://files.example.net/d/linux";
        s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_null(strstr(s, "\nlinux"));
        assert_null(strstr(s, "\nboot"));
        assert_non_null(strstr(s, "names a URL GRUB cannot fetch"));
        assert_non_null(strstr(s, "\nsleep 9\n"));
        free(s);
        /* A script-only image is iPXE syntax. */
        struct image script = {.name = "deb", .kernel = "", .script = "#!ipxe\nexit\n"};
        s = render(&script, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_non_null(strstr(s, "is an iPXE script"));
        assert_null(strstr(s, "#!ipxe"));
        free(s);
        /* A broken template is the resolver's fallback case. */
        struct image bad = {.name = "deb", .kernel = "k", .cmdline = "x={{nope}}"};
        s = render(&bad, BOOT_SCRIPT_IMAGE, EP, -EINVAL);
        free(s);
}

/* Outside single quotes, only what the renderer wrote itself. */
static void assert_quoted_safe(const char *s, size_t lines_expected)
{
        bool inq = false;
        size_t lines = 0;
        for (const char *p = s; *p; p++) {
                if (!inq && *p == '\\' && p[1] == '\'') {
                        p++; /* '\'' : an escaped quote between two quoted parts */
                        continue;
                }
                if (*p == '\'')
                        inq = !inq;
                else if (*p == '\n') {
                        assert_false(inq); /* no line break inside a value */
                        lines++;
                }
                /* `$` outside quotes only as the renderer's own variables. */
                if (!inq && *p == '$')
                        assert_true(strncmp(p, "$bootherd_images\"", 17) == 0 ||
                                    strncmp(p, "$prefix\"", 8) == 0);
                if (!inq)
                        assert_true(*p != ';' && *p != '|' && *p != '&' && *p != '`');
        }
        assert_false(inq);
        assert_int_equal(lines, lines_expected);
}

static void test_hostile_values(void **state)
{
        const char *hostile[] = {
            "a'; reboot; echo '", "$(reboot)", "a\nreboot", "${prefix}x", "a|b&c;d`e`", "it's",
        };
        for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
                char *ird[] = {(char *)hostile[i]};
                struct image img = {.name = "deb",
                                    .kernel = (char *)hostile[i],
                                    .initrds = ird,
                                    .n_initrds = 1,
                                    .cmdline = (char *)hostile[i]};
                char *s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
                assert_quoted_safe(s, 10);
                free(s);
        }
}

/* An image's GRUB template replaces linux/initrd/boot; $bootherd_images
 * is set before it and the boot-failed retry follows it. */
static void test_template(void **state)
{
        struct image img = {.name = "deb",
                            .kernel = "deb/vmlinuz",
                            .script = "#!ipxe\nexit\n",
                            .grub_script =
                                "linux $bootherd_images/k h={{hostname}} m={{mac}}\nboot"};
        char *s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_string_equal(s, "# bootherd: image deb for 52:54:00:ab:cd:01\n"
                               "set bootherd_images='(tftp,198.18.0.1)/images'\n"
                               "linux $bootherd_images/k h=node1 m=52:54:00:ab:cd:01\n"
                               "boot\n"
                               "echo 'bootherd: booting image deb failed.'\n"
                               "echo 'bootherd: retrying in 9 seconds.'\n"
                               "sleep 9\n"
                               "configfile \"$prefix\"'/grub.cfg-failed-01-52-54-00-ab-cd-01'\n");
        free(s);
        /* A broken template: the caller's fallback (boot_resolve). */
        img.grub_script = "linux {{nope}}";
        free(render(&img, BOOT_SCRIPT_IMAGE, EP, -EINVAL));
        /* Only an iPXE script: nothing GRUB can run, as before. */
        img.grub_script = NULL;
        img.kernel = "";
        s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_non_null(strstr(s, "is an iPXE script"));
        free(s);
}

/* A value lands wherever the template puts it: bare, in '...' or in
 * "...".  A hostile hostname must stay one inert word in all three. */
static void test_template_hostile(void **state)
{
        const char *hostile[] = {
            "a'; reboot; echo '", "$(reboot)",         "a\nreboot", "${prefix}x",
            "a|b&c;d`e`",         "x\" ; reboot ; \"", "a\\",       "#c {x} (y) <z>"};
        struct image img = {.name = "deb",
                            .kernel = "deb/vmlinuz",
                            .grub_script = "echo {{hostname}}\necho '{{hostname}}'\n"
                                           "echo \"{{hostname}}\"\n"};
        for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
                struct script_vars v = V;
                v.hostname = hostile[i];
                struct boot_script_plan plan = {.kind = BOOT_SCRIPT_IMAGE, .image = "deb"};
                struct grub_cfg_opts o = {.ep = EP, .retry_s = 9, .tftp = true};
                struct strbuf b;
                strbuf_init(&b);
                char err[SCRIPT_ERR_MAX] = "";
                assert_int_equal(grub_cfg_render(&plan, &img, &v, &o, &b, err), 0);
                /* The three echo lines hold only the template's own quotes
                 * and bytes that mean nothing to GRUB in any context. */
                const char *p = strstr(b.s, "\necho ") + 1;
                for (int line = 0; line < 3; line++) {
                        const char *nl = strchr(p, '\n');
                        assert_non_null(nl);
                        const char *want[] = {"", "'", "\""};
                        size_t q = strlen(want[line]);
                        assert_memory_equal(p + 5, want[line], q);
                        for (const char *c = p + 5 + q; c < nl - q; c++)
                                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789._~:/@+=,-%",
                                            *c))
                                        fail_msg("hostname %zu: byte '%c' in \"%.*s\"", i, *c,
                                                 (int)(nl - p), p);
                        p = nl + 1;
                }
                strbuf_free(&b);
        }
}

static void test_wait_exit_chain(void **state)
{
        char *s = render(NULL, BOOT_SCRIPT_WAIT, EP, 0);
        assert_string_equal(s, "# bootherd: no image assigned for 52:54:00:ab:cd:01\n"
                               "echo 'bootherd: machine 52:54:00:ab:cd:01 has no image "
                               "assigned.'\n"
                               "echo 'Assign one at http://198.18.0.1:8080/ (Discovered machines) "
                               "or with: bootherd machine assign 52:54:00:ab:cd:01 IMAGE'\n"
                               "echo 'bootherd: retrying in 9 seconds.'\n"
                               "sleep 9\n"
                               "configfile \"$prefix\"'/grub.cfg-01-52-54-00-ab-cd-01'\n");
        free(s);
        s = render(NULL, BOOT_SCRIPT_EXIT, EP, 0);
        assert_non_null(strstr(s, "network boot is disabled"));
        assert_non_null(strstr(s, "\nexit\n"));
        assert_null(strstr(s, "configfile"));
        free(s);
        struct strbuf b;
        strbuf_init(&b);
        grub_cfg_chain(7, &b);
        assert_non_null(strstr(b.s, "configfile \"$prefix\"'/grub.cfg-01-'\"$net_default_mac\"\n"));
        assert_non_null(strstr(b.s, "\nsleep 7\nconfigfile \"$prefix\"'/grub.cfg'\n"));
        strbuf_free(&b);
}

static void test_paths(void **state)
{
        struct mac m, want = {{0x52, 0x54, 0x00, 0xab, 0xcd, 0x01}};
        assert_int_equal(grub_cfg_path_classify("grub/grub.cfg", &m), GRUB_CFG_PATH_CHAIN);
        assert_int_equal(grub_cfg_path_classify("boot/grub/grub.cfg", &m), GRUB_CFG_PATH_CHAIN);
        assert_int_equal(grub_cfg_path_classify("grub.cfg", &m), GRUB_CFG_PATH_CHAIN);
        const char *macs[] = {
            "grub/grub.cfg-01-52-54-00-ab-cd-01", "grub/grub.cfg-01-52:54:00:ab:cd:01",
            "boot/grub/grub.cfg-01-52-54-00-AB-CD-01", "grub.cfg-01-52-54-00-ab-cd-01"};
        for (size_t i = 0; i < 4; i++) {
                memset(&m, 0, sizeof(m));
                assert_int_equal(grub_cfg_path_classify(macs[i], &m), GRUB_CFG_PATH_MAC);
                assert_memory_equal(&m, &want, sizeof(m));
        }
        assert_int_equal(grub_cfg_path_classify("grub/grub.cfg-failed-01-52-54-00-ab-cd-01", &m),
                         GRUB_CFG_PATH_FAILED);
        assert_memory_equal(&m, &want, sizeof(m));
        const char *none[] = {"grub/grub.cfg-01-52-54-00-ab-cd",
                              "grub/grub.cfg-failed-01-x",
                              "grub/grub.cfg-01-52-54:00-ab-cd-01",
                              "grub/grub.cfg-C612000A",
                              "grub/x86_64-efi/command.lst",
                              "other/grub.cfg",
                              "grub/grub.cfg.bak",
                              "grub/grub.cfg-01-52-54-00-ab-cd-01x",
                              "grubx64.efi"};
        for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
                assert_int_equal(grub_cfg_path_classify(none[i], &m), GRUB_CFG_PATH_NONE);
}

/* An image with an arm64 kernel: one file for both architectures, GRUB
 * picks by its own $grub_cpu (the server cannot know it here). */
static void test_image_arm64(void **state)
{
        char *arm[] = {"deb/arm64/initrd.img"};
        struct image img = {.name = "deb",
                            .kernel = "deb/vmlinuz",
                            .initrds = initrds,
                            .n_initrds = 2,
                            .cmdline = "console={{hostname}}",
                            .kernel_arm64 = "deb/arm64/vmlinuz",
                            .initrds_arm64 = arm,
                            .n_initrds_arm64 = 1};
        char *s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_non_null(strstr(s, "echo 'bootherd: loading image deb'\n"
                                  "if [ \"$grub_cpu\" = 'arm64' ]; then\n"
                                  "linux \"$bootherd_images\"'/deb/arm64/vmlinuz' 'console=node1'\n"
                                  "initrd \"$bootherd_images\"'/deb/arm64/initrd.img'\n"
                                  "else\n"
                                  "linux \"$bootherd_images\"'/deb/vmlinuz' 'console=node1'\n"
                                  "initrd \"$bootherd_images\"'/deb/initrd.img' "
                                  "\"$bootherd_images\"'/deb/extra.cpio'\n"
                                  "fi\n"
                                  "boot\n"));
        free(s);
        /* No arm64 initrds: the arm64 branch loads none (not the image's). */
        img.n_initrds_arm64 = 0;
        s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_non_null(strstr(s, "then\nlinux \"$bootherd_images\"'/deb/arm64/vmlinuz' "
                                  "'console=node1'\nelse\n"));
        free(s);
        /* An arm64 URL GRUB cannot fetch: said and retried, as for the kernel. */
        img.kernel_arm64 = "https://example.org/vmlinuz";
        s = render(&img, BOOT_SCRIPT_IMAGE, EP, 0);
        assert_non_null(strstr(s, "names a URL GRUB cannot fetch"));
        assert_null(strstr(s, "\nboot\n"));
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_image),          cmocka_unit_test(test_urls_and_words),
            cmocka_unit_test(test_hostile_values), cmocka_unit_test(test_wait_exit_chain),
            cmocka_unit_test(test_paths),          cmocka_unit_test(test_image_arm64),
            cmocka_unit_test(test_template),       cmocka_unit_test(test_template_hostile),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
