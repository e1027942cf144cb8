/* pxelinux configuration rendering; see pxelinux_cfg.h.
 *
 * Syntax: syslinux doc/syslinux.txt and doc/pxelinux.txt (DEFAULT, PROMPT,
 * TIMEOUT in tenths of a second, LABEL, KERNEL, INITRD with comma-separated
 * files, APPEND, LOCALBOOT, SAY). */
#include "boot/pxelinux_cfg.h"

#include <string.h>

static bool is_url(const char *ref)
{
        return strncmp(ref, "http://", 7) == 0 || strncmp(ref, "https://", 8) == 0;
}

static void artifact(struct strbuf *out, const struct script_vars *v, const struct pxelinux_opts *o,
                     const char *ref)
{
        if (is_url(ref)) {
                ipxe_escape(out, ref);
                return;
        }
        if (o->tftp_paths)
                strbuf_puts(out, "/images/");
        else {
                ipxe_escape(out, v->images_url);
                strbuf_puts(out, "/");
        }
        ipxe_escape(out, ref);
}

static void header(struct strbuf *out, const struct script_vars *v, const char *what)
{
        strbuf_puts(out, "# bootherd: ");
        strbuf_puts(out, what);
        strbuf_puts(out, " for ");
        ipxe_escape(out, v->mac);
        strbuf_puts(out, "\n");
}

static void localboot(struct strbuf *out)
{
        /* -1: fail the PXE boot so the firmware tries its next device. */
        strbuf_puts(out, "DEFAULT local\nPROMPT 0\nLABEL local\n  LOCALBOOT -1\n");
}

static int render_image(const struct image *img, const struct script_vars *v,
                        const struct pxelinux_opts *o, struct strbuf *out, char err[SCRIPT_ERR_MAX])
{
        strbuf_puts(out, "# bootherd: image ");
        ipxe_escape(out, v->image);
        strbuf_puts(out, " for ");
        ipxe_escape(out, v->mac);
        strbuf_puts(out, "\n");
        if (!img->kernel || !*img->kernel) {
                /* A script-only image is iPXE syntax: nothing pxelinux can run. */
                strbuf_puts(out, "SAY bootherd: image ");
                ipxe_escape(out, v->image);
                strbuf_puts(out, " is an iPXE script; boot this machine with iPXE\n");
                localboot(out);
                return 0;
        }
        strbuf_puts(out, "DEFAULT bootherd\nPROMPT 0\nLABEL bootherd\n  KERNEL ");
        artifact(out, v, o, img->kernel);
        strbuf_puts(out, "\n");
        if (img->n_initrds) {
                strbuf_puts(out, "  INITRD ");
                for (size_t i = 0; i < img->n_initrds; i++) {
                        if (i)
                                strbuf_puts(out, ",");
                        artifact(out, v, o, img->initrds[i]);
                }
                strbuf_puts(out, "\n");
        }
        if (img->cmdline && *img->cmdline) {
                strbuf_puts(out, "  APPEND ");
                int r = ipxe_template_render(img->cmdline, v, out, err);
                if (r < 0)
                        return r;
                strbuf_puts(out, "\n");
        }
        return 0;
}

static void render_wait(const struct script_vars *v, long retry_s, struct strbuf *out)
{
        header(out, v, "no image assigned");
        strbuf_puts(out, "SAY bootherd: machine ");
        ipxe_escape(out, v->mac);
        strbuf_puts(out, " has no image assigned.\nSAY Assign one at ");
        ipxe_escape(out, v->console ? v->console : v->server);
        strbuf_puts(out, "/ or with: bootherd machine assign ");
        ipxe_escape(out, v->mac);
        strbuf_printf(out, " IMAGE\nSAY Rebooting in %ld seconds to try again.\n", retry_s);
        /* TIMEOUT counts tenths of a second; reboot.c32 ships with syslinux. */
        strbuf_printf(out,
                      "DEFAULT retry\nPROMPT 1\nTIMEOUT %ld\nLABEL retry\n  COM32 reboot.c32\n",
                      retry_s * 10);
}

int pxelinux_cfg_render(const struct boot_script_plan *plan, const struct image *img,
                        const struct script_vars *v, const struct pxelinux_opts *o,
                        struct strbuf *out, char err[SCRIPT_ERR_MAX])
{
        switch (plan->kind) {
        case BOOT_SCRIPT_IMAGE:
                return render_image(img, v, o, out, err);
        case BOOT_SCRIPT_WAIT:
                render_wait(v, o->retry_s, out);
                return 0;
        case BOOT_SCRIPT_EXIT:
                header(out, v, "network boot disabled");
                localboot(out);
                return 0;
        }
        return 0;
}
