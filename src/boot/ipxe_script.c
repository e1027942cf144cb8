/* iPXE script rendering; see ipxe_script.h. */
#include "boot/ipxe_script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VAR_NAME_MAX 32

static bool safe_byte(unsigned char c)
{
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                return true;
        return c != '\0' && strchr("._~:/@+=,-", c) != NULL;
}

void ipxe_escape(struct strbuf *out, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        const unsigned char *p = (const unsigned char *)s;
        while (*p) {
                /* Runs of safe bytes in one append: this runs for every URL
                 * and value in every script served. */
                const unsigned char *run = p;
                while (*p && safe_byte(*p))
                        p++;
                if (p > run)
                        strbuf_append(out, (const char *)run, (size_t)(p - run));
                if (!*p)
                        break;
                char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
                strbuf_append(out, enc, 3);
                p++;
        }
}

static const char *lookup_var(const struct script_vars *v, const char *name, size_t n)
{
        static const struct {
                const char *name;
                size_t offset;
        } table[] = {
            {"mac", offsetof(struct script_vars, mac)},
            {"mac_hyphen", offsetof(struct script_vars, mac_hyphen)},
            {"hostname", offsetof(struct script_vars, hostname)},
            {"ip", offsetof(struct script_vars, ip)},
            {"image", offsetof(struct script_vars, image)},
            {"server", offsetof(struct script_vars, server)},
            {"images_url", offsetof(struct script_vars, images_url)},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (strlen(table[i].name) == n && memcmp(table[i].name, name, n) == 0) {
                        if (!v)
                                return "";
                        const char *val = *(const char *const *)((const char *)v + table[i].offset);
                        return val ? val : "";
                }
        return NULL;
}

/* Walks tmpl; with out == NULL only checks it. */
static int render(const char *tmpl, const struct script_vars *v, struct strbuf *out,
                  char err[SCRIPT_ERR_MAX])
{
        const char *p = tmpl;
        for (;;) {
                const char *open = strstr(p, "{{");
                if (!open) {
                        if (out)
                                strbuf_puts(out, p);
                        return 0;
                }
                if (out)
                        strbuf_append(out, p, (size_t)(open - p));
                const char *name = open + 2;
                while (*name == ' ')
                        name++;
                const char *close = strstr(name, "}}");
                if (!close) {
                        snprintf(err, SCRIPT_ERR_MAX, "unterminated \"{{\" in template");
                        return -EINVAL;
                }
                size_t n = (size_t)(close - name);
                while (n > 0 && name[n - 1] == ' ')
                        n--;
                const char *val = n <= VAR_NAME_MAX ? lookup_var(v, name, n) : NULL;
                if (!val) {
                        snprintf(err, SCRIPT_ERR_MAX, "unknown template variable \"{{%.*s}}\"",
                                 (int)(n > VAR_NAME_MAX ? VAR_NAME_MAX : n), name);
                        return -EINVAL;
                }
                if (out)
                        ipxe_escape(out, val);
                p = close + 2;
        }
}

int ipxe_template_render(const char *tmpl, const struct script_vars *v, struct strbuf *out,
                         char err[SCRIPT_ERR_MAX])
{
        return render(tmpl, v, out, err);
}

bool ipxe_template_check(const char *tmpl, char err[SCRIPT_ERR_MAX])
{
        return render(tmpl, NULL, NULL, err) == 0;
}

void ipxe_script_chain(const char *server, struct strbuf *out)
{
        strbuf_puts(out, "#!ipxe\n");
        strbuf_puts(out, "# bootherd: continue with this machine's own script\n");
        strbuf_puts(out, "chain --autofree --replace ");
        ipxe_escape(out, server);
        strbuf_puts(out, "/boot/${net0/mac}.ipxe\n");
}

static bool is_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* An absolute URL from the administrator, kept a URL: its query ('?', '&')
 * and existing %XX escapes mean something to the mirror.  Within one iPXE
 * token these bytes are inert (operators and comments are whole tokens);
 * '$', quotes, spaces, controls and bytes a URL may not hold are encoded. */
static void escape_url(struct strbuf *out, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;
                bool keep = safe_byte(c) || (c && strchr("?#[]!&()*;", c)) ||
                            (c == '%' && is_hex(p[1]) && is_hex(p[2]));
                if (keep) {
                        strbuf_append(out, p, 1);
                } else {
                        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
                        strbuf_append(out, enc, 3);
                }
        }
}

/* Appends the URL of an artifact: as-is when absolute, else under images_url. */
static void artifact_url(struct strbuf *out, const struct script_vars *v, const char *ref)
{
        if (strncmp(ref, "http://", 7) == 0 || strncmp(ref, "https://", 8) == 0) {
                escape_url(out, ref);
                return;
        }
        ipxe_escape(out, v->images_url);
        strbuf_puts(out, "/");
        ipxe_escape(out, ref);
}

#define INITRD_NAME_MAX 72

static bool name_taken(char (*names)[INITRD_NAME_MAX], size_t i, const char *name)
{
        for (size_t j = 0; j < i; j++)
                if (strcmp(names[j], name) == 0)
                        return true;
        return false;
}

/* The name iPXE gives initrd i: its last path component when that is a plain
 * token that fits (a bare "||" or ";" would be an iPXE operator in
 * "initrd --name NAME"), else "initrdN"; never a name an earlier initrd got
 * (names[0..i-1]), or the second would replace the first. */
static void initrd_name(char *const *initrds, size_t i, char (*names)[INITRD_NAME_MAX])
{
        const char *slash = strrchr(initrds[i], '/');
        const char *base = slash ? slash + 1 : initrds[i];
        size_t n = strcspn(base, "?#");
        bool plain = n > 0 && n < INITRD_NAME_MAX;
        for (size_t k = 0; plain && k < n; k++)
                plain = safe_byte((unsigned char)base[k]);
        char *buf = names[i];
        if (plain)
                snprintf(buf, INITRD_NAME_MAX, "%.*s", (int)n, base);
        if (!plain || name_taken(names, i, buf)) {
                size_t k = i;
                do
                        snprintf(buf, INITRD_NAME_MAX, "initrd%zu", k++);
                while (name_taken(names, i, buf));
        }
}

static void self_url(struct strbuf *out, const struct script_vars *v)
{
        ipxe_escape(out, v->server);
        strbuf_puts(out, "/boot/");
        ipxe_escape(out, v->mac);
        strbuf_puts(out, ".ipxe");
}

/* kernel (+ initrd names, cmdline), initrds, boot; "goto failed" on error. */
static int load_block(struct strbuf *out, const struct script_vars *v, const char *kernel,
                      char *const *initrds, size_t n_initrds, const char *cmdline,
                      char err[SCRIPT_ERR_MAX])
{
        strbuf_puts(out, "kernel ");
        artifact_url(out, v, kernel);
        /* EFI kernels load their initrds by name from iPXE's virtual file
         * system (the 2019 iPXE in Debian predates LoadFile2); harmless on BIOS. */
        char(*names)[INITRD_NAME_MAX] = NULL;
        if (n_initrds && !(names = calloc(n_initrds, sizeof(*names)))) {
                snprintf(err, SCRIPT_ERR_MAX, "out of memory");
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_initrds; i++) {
                initrd_name(initrds, i, names);
                strbuf_puts(out, " initrd="); /* not printf: it formats twice */
                strbuf_puts(out, names[i]);
        }
        if (cmdline && *cmdline) {
                strbuf_puts(out, " ");
                /* The cmdline is the administrator's text; {{vars}} inside are
                 * escaped, and the line itself was validated as one line. */
                int r = ipxe_template_render(cmdline, v, out, err);
                if (r < 0) {
                        free(names);
                        return r;
                }
        }
        strbuf_puts(out, " || goto failed\n");
        for (size_t i = 0; i < n_initrds; i++) {
                strbuf_puts(out, "initrd --name ");
                strbuf_puts(out, names[i]);
                strbuf_puts(out, " ");
                artifact_url(out, v, initrds[i]);
                strbuf_puts(out, " || goto failed\n");
        }
        free(names);
        strbuf_puts(out, "boot || goto failed\n");
        return 0;
}

int ipxe_script_image(const struct image *img, const struct script_vars *v, struct strbuf *out,
                      char err[SCRIPT_ERR_MAX])
{
        if (img->script && *img->script) {
                if (strncmp(img->script, "#!ipxe", 6) != 0)
                        strbuf_puts(out, "#!ipxe\n");
                return ipxe_template_render(img->script, v, out, err);
        }
        strbuf_puts(out, "#!ipxe\n# bootherd: image ");
        ipxe_escape(out, v->image);
        strbuf_puts(out, " for ");
        ipxe_escape(out, v->mac);
        strbuf_puts(out, "\n");
        bool arm64 = img->kernel_arm64 && *img->kernel_arm64;
        /* One script for every architecture: an arm64 iPXE says so in
         * ${buildarch}; the server does not know at this point. */
        if (arm64)
                strbuf_puts(out, "iseq ${buildarch} arm64 && goto bootherd_arm64 ||\n");
        int r = load_block(out, v, img->kernel, img->initrds, img->n_initrds, img->cmdline, err);
        if (r >= 0 && arm64) {
                strbuf_puts(out, ":bootherd_arm64\n");
                r = load_block(out, v, img->kernel_arm64, img->initrds_arm64, img->n_initrds_arm64,
                               img->cmdline, err);
        }
        if (r < 0)
                return r;
        strbuf_puts(out, ":failed\n"
                         "echo bootherd: booting image ");
        ipxe_escape(out, v->image);
        strbuf_puts(out, " failed, retrying in 10 seconds\n"
                         "sleep 10\n"
                         "chain --autofree --replace ");
        self_url(out, v);
        strbuf_puts(out, " || goto failed\n");
        return 0;
}

void ipxe_script_wait(const struct script_vars *v, long retry_s, struct strbuf *out)
{
        strbuf_puts(out, "#!ipxe\n:retry\necho bootherd: machine ");
        ipxe_escape(out, v->mac);
        strbuf_puts(out, " has no image assigned.\necho Assign one at ");
        ipxe_escape(out, v->console ? v->console : v->server);
        strbuf_puts(out, "/ (Discovered machines) or with: bootherd machine assign ");
        ipxe_escape(out, v->mac);
        strbuf_printf(out, " IMAGE\necho Retrying in %ld seconds.\nsleep %ld\n", retry_s, retry_s);
        strbuf_puts(out, "chain --autofree --replace ");
        self_url(out, v);
        strbuf_puts(out, " || goto retry\n");
}

void ipxe_script_exit(const struct script_vars *v, struct strbuf *out)
{
        strbuf_puts(out, "#!ipxe\necho bootherd: network boot is disabled for ");
        ipxe_escape(out, v->mac);
        strbuf_puts(out, "\nexit\n");
}
