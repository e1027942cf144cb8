/* GRUB configuration rendering; see grub_cfg.h.
 *
 * Syntax: the GRUB manual, "Shell-like scripting" (words concatenate
 * quoted and unquoted parts; nothing is expanded inside '...'), the
 * network device syntax "(tftp,server[:port])" / "(http,server[:port])",
 * and the commands linux, initrd, boot, sleep, configfile, exit
 * (all in Debian's signed grubnetx64.efi but http, pxe-facts.md). */
#include "boot/grub_cfg.h"

#include <stdio.h>
#include <string.h>

/* Appends s[0..n) for the inside of a GRUB single-quoted word part: a "'"
 * becomes '\'' and control characters become spaces (no line breaks). */
static void quote_body(struct strbuf *out, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '\'')
                        strbuf_puts(out, "'\\''");
                else if (c < 0x20 || c == 0x7f)
                        strbuf_puts(out, " ");
                else
                        strbuf_append(out, (const char *)&c, 1);
        }
}

static void quote_n(struct strbuf *out, const char *s, size_t n)
{
        strbuf_puts(out, "'");
        quote_body(out, s, n);
        strbuf_puts(out, "'");
}

static bool has_prefix(const char *s, const char *p)
{
        return strncmp(s, p, strlen(p)) == 0;
}

/* "http://host[:port]/path" -> "(http,host[:port])/path" (the path may be
 * empty).  False for anything GRUB cannot fetch (https, other schemes). */
static bool http_device(struct strbuf *out, const char *url)
{
        if (!has_prefix(url, "http://"))
                return false;
        const char *host = url + 7;
        const char *slash = strchr(host, '/');
        size_t n = slash ? (size_t)(slash - host) : strlen(host);
        if (n == 0)
                return false;
        strbuf_puts(out, "(http,");
        strbuf_append(out, host, n);
        strbuf_puts(out, ")");
        if (slash)
                strbuf_puts(out, slash);
        return true;
}

/* "tftp://host[:port]" -> "(tftp,host[:port])". */
static bool tftp_device(struct strbuf *out, const char *url)
{
        if (!url || !has_prefix(url, "tftp://") || !url[7])
                return false;
        strbuf_puts(out, "(tftp,");
        strbuf_puts(out, url + 7);
        strbuf_puts(out, ")");
        return true;
}

/* configfile '<prefix>/grub.cfg-01-<mac-hyphen>': read this machine's
 * configuration again (GRUB fetches it anew).  After a failed boot the
 * name is grub.cfg-failed-01-<mac>: the same file, and the fetch tells the
 * server (the boot event) that loading the image failed. */
static void again(struct strbuf *out, const struct script_vars *v, bool failed)
{
        strbuf_puts(out, "configfile \"$prefix\"");
        strbuf_puts(out, failed ? "'/grub.cfg-failed-01-" : "'/grub.cfg-01-");
        strbuf_puts(out, v->mac_hyphen);
        strbuf_puts(out, "'\n");
}

static void say(struct strbuf *out, const char *a, const char *b, const char *c)
{
        struct strbuf line;
        strbuf_init(&line);
        strbuf_puts(&line, a);
        strbuf_puts(&line, b ? b : "");
        strbuf_puts(&line, c ? c : "");
        strbuf_puts(out, "echo ");
        quote_n(out, line.s ? line.s : "", line.len);
        strbuf_puts(out, "\n");
        if (line.oom)
                out->oom = true;
        strbuf_free(&line);
}

static void wait_and_retry(struct strbuf *out, const struct script_vars *v, long retry_s,
                           bool failed)
{
        char n[32];
        snprintf(n, sizeof(n), "%ld", retry_s);
        say(out, "bootherd: retrying in ", n, " seconds.");
        strbuf_printf(out, "sleep %ld\n", retry_s);
        again(out, v, failed);
}

/* Sets $bootherd_images to the images root over the protocol GRUB used
 * to fetch this file: TFTP, or HTTP (a GRUB that fetched it over HTTP has
 * the module).  The other one when that one is not available here (no
 * TFTP server; an https:// public URL GRUB cannot use). */
static void images_root(struct strbuf *out, const struct boot_endpoints *ep, bool tftp)
{
        struct strbuf http, tf;
        strbuf_init(&http);
        strbuf_init(&tf);
        bool h = ep && ep->http_images && http_device(&http, ep->http_images);
        bool t = ep && ep->tftp_images && tftp_device(&tf, ep->tftp);
        if (t)
                strbuf_puts(&tf, "/images");
        strbuf_puts(out, "set bootherd_images=");
        if (t && (tftp || !h))
                quote_n(out, tf.s, tf.len);
        else if (h)
                quote_n(out, http.s, http.len);
        else /* No URL GRUB can use: the device GRUB came from. */
                strbuf_puts(out, "'/images'");
        strbuf_puts(out, "\n");
        if (http.oom || tf.oom)
                out->oom = true;
        strbuf_free(&http);
        strbuf_free(&tf);
}

/* A file word: an absolute http:// URL as a GRUB device path, else
 * "$bootherd_images"'/<ref>'.  False for a URL GRUB cannot fetch. */
static bool file_word(struct strbuf *out, const char *ref)
{
        if (strstr(ref, "://")) {
                struct strbuf dev;
                strbuf_init(&dev);
                bool ok = http_device(&dev, ref);
                if (ok)
                        quote_n(out, dev.s, dev.len);
                if (dev.oom)
                        out->oom = true;
                strbuf_free(&dev);
                return ok;
        }
        strbuf_puts(out, "\"$bootherd_images\"'/");
        quote_body(out, ref, strlen(ref));
        strbuf_puts(out, "'");
        return true;
}

/* Appends the command line as GRUB words, split as the kernel splits it:
 * whitespace outside double quotes ends a word; the quotes themselves are
 * dropped (GRUB puts words with spaces back in double quotes). */
static void cmdline_words(struct strbuf *out, const char *s)
{
        struct strbuf w;
        strbuf_init(&w);
        bool inq = false, any = false;
        for (const char *p = s;; p++) {
                char c = *p;
                if (c == '\0' || ((c == ' ' || c == '\t' || c == '\n') && !inq)) {
                        if (any) {
                                strbuf_puts(out, " ");
                                quote_n(out, w.s ? w.s : "", w.len);
                        }
                        strbuf_free(&w);
                        any = false;
                        if (c == '\0')
                                break;
                        continue;
                }
                any = true;
                if (c == '"')
                        inq = !inq;
                else
                        strbuf_append(&w, &c, 1);
        }
        if (w.oom)
                out->oom = true;
        strbuf_free(&w);
}

/* linux KERNEL CMDLINE-WORDS [+ initrd FILES...]; false when a file is a
 * URL GRUB cannot fetch. */
static bool load_files(struct strbuf *files, const char *kernel, char *const *initrds, size_t n,
                       const struct strbuf *cmd)
{
        bool ok = true;
        strbuf_puts(files, "linux ");
        ok = file_word(files, kernel) && ok;
        if (cmd->len)
                cmdline_words(files, cmd->s);
        strbuf_puts(files, "\n");
        if (n) {
                strbuf_puts(files, "initrd");
                for (size_t i = 0; i < n; i++) {
                        strbuf_puts(files, " ");
                        ok = file_word(files, initrds[i]) && ok;
                }
                strbuf_puts(files, "\n");
        }
        return ok;
}

static void header(struct strbuf *out, const struct script_vars *v, const char *what,
                   const char *name)
{
        /* A comment: the values are quoted anyway (a newline cannot end it). */
        strbuf_puts(out, "# bootherd: ");
        strbuf_puts(out, what);
        if (name) {
                strbuf_puts(out, " ");
                ipxe_escape(out, name);
        }
        strbuf_puts(out, " for ");
        ipxe_escape(out, v->mac);
        strbuf_puts(out, "\n");
}

/* Whatever the image's failed boot leaves: say so, wait, and ask for
 * grub.cfg-failed-01-<mac> (the failure becomes a boot event). */
static void boot_failed(struct strbuf *out, const struct script_vars *v, long retry_s)
{
        say(out, "bootherd: booting image ", v->image, " failed.");
        wait_and_retry(out, v, retry_s, true);
}

/* The image's own GRUB template in place of linux/initrd/boot.  Values
 * are substituted as in iPXE templates (ipxe_escape(): bytes outside
 * [A-Za-z0-9._~:/@+=,-] percent-encoded), not single-quoted: the
 * template decides the context a value lands in ('...', "..." or bare),
 * and only such bytes are inert in all three. */
static int render_template(const struct image *img, const struct script_vars *v,
                           const struct grub_cfg_opts *o, struct strbuf *out,
                           char err[SCRIPT_ERR_MAX])
{
        images_root(out, o->ep, o->tftp);
        int r = ipxe_template_render(img->grub_script, v, out, err);
        if (r < 0)
                return r;
        if (out->len && out->s[out->len - 1] != '\n')
                strbuf_puts(out, "\n");
        boot_failed(out, v, o->retry_s);
        return 0;
}

static int render_image(const struct image *img, const struct script_vars *v,
                        const struct grub_cfg_opts *o, struct strbuf *out, char err[SCRIPT_ERR_MAX])
{
        header(out, v, "image", v->image);
        if (img->grub_script && *img->grub_script)
                return render_template(img, v, o, out, err);
        if (!img->kernel || !*img->kernel) {
                /* A script-only image is iPXE syntax: nothing GRUB can run. */
                say(out, "bootherd: image ", v->image,
                    " is an iPXE script; boot this machine with iPXE.");
                wait_and_retry(out, v, o->retry_s, false);
                return 0;
        }
        struct strbuf cmd;
        strbuf_init(&cmd);
        if (img->cmdline && *img->cmdline) {
                int r = ipxe_template_render(img->cmdline, v, &cmd, err);
                if (r < 0) {
                        strbuf_free(&cmd);
                        return r;
                }
        }
        images_root(out, o->ep, o->tftp);
        say(out, "bootherd: loading image ", v->image, "");
        struct strbuf files;
        strbuf_init(&files);
        bool ok = true;
        if (img->kernel_arm64 && *img->kernel_arm64) {
                /* One configuration for every architecture: GRUB knows its
                 * own ($grub_cpu is "arm64" in grubaa64.efi, "x86_64" in
                 * grubx64.efi), the server does not at this point. */
                strbuf_puts(&files, "if [ \"$grub_cpu\" = 'arm64' ]; then\n");
                ok = load_files(&files, img->kernel_arm64, img->initrds_arm64, img->n_initrds_arm64,
                                &cmd) &&
                     ok;
                strbuf_puts(&files, "else\n");
                ok = load_files(&files, img->kernel, img->initrds, img->n_initrds, &cmd) && ok;
                strbuf_puts(&files, "fi\n");
        } else {
                ok = load_files(&files, img->kernel, img->initrds, img->n_initrds, &cmd);
        }
        strbuf_free(&cmd);
        if (!ok) {
                strbuf_free(&files);
                say(out, "bootherd: image ", v->image,
                    " names a URL GRUB cannot fetch (only http:// is supported).");
                wait_and_retry(out, v, o->retry_s, false);
                return 0;
        }
        strbuf_append(out, files.s, files.len);
        if (files.oom)
                out->oom = true;
        strbuf_free(&files);
        /* boot returns only when loading failed (a missing file, or a
         * kernel the Secure Boot chain refuses): try again later. */
        strbuf_puts(out, "boot\n");
        boot_failed(out, v, o->retry_s);
        return 0;
}

static void render_wait(const struct script_vars *v, const struct grub_cfg_opts *o,
                        struct strbuf *out)
{
        header(out, v, "no image assigned", NULL);
        say(out, "bootherd: machine ", v->mac, " has no image assigned.");
        struct strbuf line;
        strbuf_init(&line);
        strbuf_puts(&line, v->console ? v->console : v->server);
        strbuf_puts(&line, "/ (Discovered machines) or with: bootherd machine assign ");
        strbuf_puts(&line, v->mac);
        say(out, "Assign one at ", line.s ? line.s : "", " IMAGE");
        if (line.oom)
                out->oom = true;
        strbuf_free(&line);
        wait_and_retry(out, v, o->retry_s, false);
}

int grub_cfg_render(const struct boot_script_plan *plan, const struct image *img,
                    const struct script_vars *v, const struct grub_cfg_opts *o, struct strbuf *out,
                    char err[SCRIPT_ERR_MAX])
{
        switch (plan->kind) {
        case BOOT_SCRIPT_IMAGE:
                return render_image(img, v, o, out, err);
        case BOOT_SCRIPT_WAIT:
                render_wait(v, o, out);
                return 0;
        case BOOT_SCRIPT_EXIT:
                header(out, v, "network boot disabled", NULL);
                say(out, "bootherd: network boot is disabled for ", v->mac, "");
                /* Back to the firmware, which tries its next boot option. */
                strbuf_puts(out, "exit\n");
                return 0;
        }
        return 0;
}

void grub_cfg_chain(long retry_s, struct strbuf *out)
{
        strbuf_puts(out, "# bootherd: this machine's configuration is grub.cfg-01-<its MAC>\n"
                         "if [ -n \"$net_default_mac\" ]; then\n"
                         "        configfile \"$prefix\"'/grub.cfg-01-'\"$net_default_mac\"\n"
                         "fi\n"
                         "echo 'bootherd: GRUB has no default network interface; retrying in ");
        strbuf_printf(out,
                      "%ld seconds.'\n"
                      "sleep %ld\n"
                      "configfile \"$prefix\"'/grub.cfg'\n",
                      retry_s, retry_s);
}

/* ---- names ---- */

/* "52-54-00-ab-cd-01" or "52:54:00:ab:cd:01" exactly, one separator. */
static bool parse_mac17(const char *s, struct mac *ret)
{
        if (strlen(s) != 17)
                return false;
        char sep = s[2];
        if (sep != '-' && sep != ':')
                return false;
        for (int i = 2; i < 17; i += 3)
                if (s[i] != sep)
                        return false;
        return mac_parse(s, 17, ret) == 0;
}

enum grub_cfg_path grub_cfg_path_classify(const char *norm, struct mac *ret_mac)
{
        static const char *const dirs[] = {"grub/", "boot/grub/", ""};
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                if (!has_prefix(norm, dirs[i]))
                        continue;
                const char *base = norm + strlen(dirs[i]);
                if (strcmp(base, "grub.cfg") == 0)
                        return GRUB_CFG_PATH_CHAIN;
                if (has_prefix(base, "grub.cfg-01-") && parse_mac17(base + 12, ret_mac))
                        return GRUB_CFG_PATH_MAC;
                if (has_prefix(base, "grub.cfg-failed-01-") && parse_mac17(base + 19, ret_mac))
                        return GRUB_CFG_PATH_FAILED;
        }
        return GRUB_CFG_PATH_NONE;
}
