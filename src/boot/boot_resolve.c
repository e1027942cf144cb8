/* The boot resolver; see boot_resolve.h. */
#include "boot/boot_resolve.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/grub_cfg.h"
#include "boot/pxelinux_cfg.h"
#include "core/validate.h"

/* ---- formats ---- */

static int render_ipxe(const struct boot_render_in *in, struct strbuf *out,
                       char err[SCRIPT_ERR_MAX])
{
        switch (in->kind) {
        case BOOT_SCRIPT_IMAGE:
                return ipxe_script_image(in->img, in->v, out, err);
        case BOOT_SCRIPT_WAIT:
                ipxe_script_wait(in->v, in->retry_s, out);
                return 0;
        case BOOT_SCRIPT_EXIT:
                ipxe_script_exit(in->v, out);
                return 0;
        }
        return -EINVAL;
}

static int render_pxelinux(const struct boot_render_in *in, struct strbuf *out,
                           char err[SCRIPT_ERR_MAX])
{
        struct boot_script_plan plan = {.kind = in->kind};
        struct pxelinux_opts o = {.tftp_paths = in->tftp_paths, .retry_s = in->retry_s};
        return pxelinux_cfg_render(&plan, in->img, in->v, &o, out, err);
}

static int render_grub(const struct boot_render_in *in, struct strbuf *out,
                       char err[SCRIPT_ERR_MAX])
{
        struct boot_script_plan plan = {.kind = in->kind};
        struct grub_cfg_opts o = {.ep = in->ep, .retry_s = in->retry_s, .tftp = in->tftp_urls};
        return grub_cfg_render(&plan, in->img, in->v, &o, out, err);
}

struct format_def {
        const char *name;
        boot_render_fn render; /* NULL: not implemented yet */
        bool tftp_urls;        /* its URLs point at the TFTP server */
};

static const struct format_def formats[BOOT_FORMAT_N] = {
    [BOOT_FORMAT_IPXE_HTTP] = {"ipxe", render_ipxe, false},
    [BOOT_FORMAT_IPXE_TFTP] = {"ipxe-tftp", render_ipxe, true},
    [BOOT_FORMAT_PXELINUX] = {"pxelinux", render_pxelinux, false},
    [BOOT_FORMAT_GRUB] = {"grub", render_grub, false},
    [BOOT_FORMAT_GRUB_TFTP] = {"grub-tftp", render_grub, true},
};

const char *boot_format_name(enum boot_format f)
{
        return (unsigned)f < BOOT_FORMAT_N ? formats[f].name : "unknown";
}

const char *boot_outcome_name(enum boot_outcome o)
{
        static const char *const names[] = {
            [BOOT_OUTCOME_IMAGE] = "image",
            [BOOT_OUTCOME_DEFAULT_IMAGE] = "default image",
            [BOOT_OUTCOME_WAIT] = "no image",
            [BOOT_OUTCOME_NETBOOT_OFF] = "netboot off",
            [BOOT_OUTCOME_FALLBACK] = "script error",
        };
        return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "unknown";
}

const char *boot_failure_name(enum boot_failure f)
{
        static const char *const names[] = {
            [BOOT_FAILURE_NONE] = "",
            [BOOT_FAILURE_IMAGE_MISSING] = "image missing",
            [BOOT_FAILURE_TEMPLATE_ERROR] = "template error",
        };
        return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "unknown";
}

void boot_result_detail(const struct boot_result *r, char out[BOOT_DETAIL_LEN])
{
        const char *what =
            r->outcome == BOOT_OUTCOME_IMAGE || r->outcome == BOOT_OUTCOME_DEFAULT_IMAGE
                ? r->image
                : boot_outcome_name(r->outcome);
        snprintf(out, BOOT_DETAIL_LEN, "%s%s", what, r->via_default ? " (default image)" : "");
}

/* ---- variables ---- */

struct vars_buf {
        char mac[MAC_STR_LEN], mac_hyphen[MAC_STR_LEN], ip[16];
        struct script_vars v;
};

/* The template variables for mac (record m, NULL when unknown), with the
 * URLs format f uses. */
static void vars_init(struct vars_buf *vb, const struct format_def *f,
                      const struct boot_endpoints *ep, const struct mac *mac,
                      const struct machine *m)
{
        mac_format(mac, vb->mac);
        mac_format_hyphen(mac, vb->mac_hyphen);
        vb->ip[0] = '\0';
        if (m && m->ipv4)
                format_ipv4(m->ipv4, vb->ip);
        bool tftp = f->tftp_urls && ep->tftp;
        vb->v = (struct script_vars){
            .mac = vb->mac,
            .mac_hyphen = vb->mac_hyphen,
            .hostname = m && m->hostname ? m->hostname : "",
            .ip = vb->ip,
            .image = "",
            .server = tftp ? ep->tftp : ep->http,
            .images_url = tftp ? ep->tftp_images : ep->http_images,
            .console = ep->http,
        };
}

static const struct format_def *format_of(enum boot_format fmt)
{
        return (unsigned)fmt < BOOT_FORMAT_N && formats[fmt].render ? &formats[fmt] : NULL;
}

/* ---- resolving ---- */

/* Renders the plan's image, or says why it cannot: 0, -ENOMEM, -EINVAL
 * (template) / -ENOENT (no such image) with err set, or another errno
 * when the inventory failed. */
static int render_image(const struct boot_resolver *res, const struct boot_inventory *inv,
                        const struct format_def *f, struct boot_render_in *in, struct strbuf *out,
                        struct boot_result *ret)
{
        const struct image *img;
        int r = boot_inventory_image(inv, ret->image, &img);
        if (r == -ENOENT) {
                snprintf(ret->err, sizeof(ret->err), "image \"%s\" does not exist", ret->image);
                return r;
        }
        if (r < 0) {
                snprintf(ret->err, sizeof(ret->err), "%s", boot_inventory_errmsg(inv));
                return r;
        }
        in->img = img;
        return f->render(in, out, ret->err);
}

static void plan_outcome(const struct boot_script_plan *plan, struct boot_result *ret)
{
        switch (plan->kind) {
        case BOOT_SCRIPT_IMAGE:
                ret->outcome = plan->via_default ? BOOT_OUTCOME_DEFAULT_IMAGE : BOOT_OUTCOME_IMAGE;
                ret->via_default = plan->via_default;
                snprintf(ret->image, sizeof(ret->image), "%s", plan->image);
                return;
        case BOOT_SCRIPT_WAIT:
                ret->outcome = BOOT_OUTCOME_WAIT;
                return;
        case BOOT_SCRIPT_EXIT:
                ret->outcome = BOOT_OUTCOME_NETBOOT_OFF;
                return;
        }
}

int boot_resolve(const struct boot_resolver *res, const struct boot_inventory *inv,
                 const struct boot_endpoints *ep, enum boot_format fmt, const struct mac *mac,
                 struct strbuf *out, struct boot_result *ret)
{
        *ret = (struct boot_result){.cacheable = true};
        const struct format_def *f = format_of(fmt);
        if (!f) {
                snprintf(ret->err, sizeof(ret->err), "no %s renderer", boot_format_name(fmt));
                return -EOPNOTSUPP;
        }
        const struct machine *m = NULL;
        int r = boot_inventory_machine(inv, mac, &m);
        if (r < 0 && r != -ENOENT) {
                snprintf(ret->err, sizeof(ret->err), "%s", boot_inventory_errmsg(inv));
                return r;
        }
        struct boot_script_plan plan;
        boot_plan_script(r == 0 ? m : NULL, res->default_image, &plan);
        plan_outcome(&plan, ret);
        struct vars_buf vb;
        vars_init(&vb, f, ep, mac, r == 0 ? m : NULL);
        vb.v.image = ret->image;
        struct boot_render_in in = {.kind = plan.kind,
                                    .v = &vb.v,
                                    .ep = ep,
                                    .retry_s = res->retry_s,
                                    .tftp_paths = res->pxelinux_tftp_paths,
                                    .tftp_urls = f->tftp_urls};
        r = plan.kind == BOOT_SCRIPT_IMAGE ? render_image(res, inv, f, &in, out, ret)
                                           : f->render(&in, out, ret->err);
        if (r == -ENOENT || r == -EINVAL) {
                /* The one fallback: wait and retry, whatever the format. */
                ret->failure =
                    r == -ENOENT ? BOOT_FAILURE_IMAGE_MISSING : BOOT_FAILURE_TEMPLATE_ERROR;
                ret->outcome = BOOT_OUTCOME_FALLBACK;
                ret->cacheable = false;
                strbuf_free(out);
                in.kind = BOOT_SCRIPT_WAIT;
                in.img = NULL;
                char unused[SCRIPT_ERR_MAX];
                r = f->render(&in, out, unused);
        }
        if (r < 0)
                return r;
        return out->oom ? -ENOMEM : 0;
}

int boot_resolve_image(const struct boot_resolver *res, const struct boot_inventory *inv,
                       const struct boot_endpoints *ep, enum boot_format fmt, const struct mac *mac,
                       const struct image *img, struct strbuf *out, char err[SCRIPT_ERR_MAX])
{
        const struct format_def *f = format_of(fmt);
        if (!f) {
                snprintf(err, SCRIPT_ERR_MAX, "no %s renderer", boot_format_name(fmt));
                return -EOPNOTSUPP;
        }
        const struct machine *m = NULL;
        int r = boot_inventory_machine(inv, mac, &m);
        if (r < 0 && r != -ENOENT) {
                snprintf(err, SCRIPT_ERR_MAX, "%s", boot_inventory_errmsg(inv));
                return r;
        }
        struct vars_buf vb;
        vars_init(&vb, f, ep, mac, r == 0 ? m : NULL);
        vb.v.image = img->name ? img->name : "";
        struct boot_render_in in = {.kind = BOOT_SCRIPT_IMAGE,
                                    .img = img,
                                    .v = &vb.v,
                                    .ep = ep,
                                    .retry_s = res->retry_s,
                                    .tftp_paths = res->pxelinux_tftp_paths,
                                    .tftp_urls = f->tftp_urls};
        r = f->render(&in, out, err);
        if (r < 0)
                return r;
        return out->oom ? -ENOMEM : 0;
}
