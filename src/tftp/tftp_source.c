/* TFTP file resolution and reading; see tftp_source.h. */
#include "tftp/tftp_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "boot/boot_plan.h"
#include "boot/ipxe_script.h"
#include "boot/pxelinux_cfg.h"
#include "core/fsroot.h"
#include "core/strbuf.h"
#include "core/validate.h"
#include "tftp/tftp_path.h"
#include "tftp/tftp_wire.h"

#define URL_MAX 160

const char *tftp_source_kind_name(enum tftp_source_kind k)
{
        switch (k) {
        case TFTP_SRC_DYNAMIC:
                return "dynamic";
        case TFTP_SRC_BOOTFILE:
                return "bootfile";
        case TFTP_SRC_IMAGES:
                return "images";
        case TFTP_SRC_ROOT:
                return "root";
        }
        return "unknown";
}

void tftp_source_error(int err, uint16_t *ret_code, char *msg, size_t msg_cap)
{
        uint16_t code = TFTP_EUNDEF;
        const char *m;
        switch (err) {
        case -ENOENT:
        case -ENOTDIR:
                code = TFTP_ENOTFOUND;
                m = "file not found";
                break;
        case -EXDEV:
        case -ELOOP:
                code = TFTP_EACCESS;
                m = "access violation: path leaves the TFTP root or crosses a symlink";
                break;
        case -EACCES:
        case -EPERM:
                code = TFTP_EACCESS;
                m = "access violation: not a readable regular file";
                break;
        case -EISDIR:
                code = TFTP_EACCESS;
                m = "access violation: is a directory";
                break;
        case -ENAMETOOLONG:
                m = "file name too long";
                break;
        default:
                m = NULL;
        }
        if (m)
                snprintf(msg, msg_cap, "%s", m);
        else
                snprintf(msg, msg_cap, "cannot open file: %s", strerror(-err));
        *ret_code = code;
}

/* A trusted path from the administrator's configuration: symlinks are fine
 * here, but it must still be a regular file. */
static int open_trusted(const char *path, struct stat *ret_st)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return -EACCES;
        }
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
                (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        *ret_st = st;
        return fd;
}

static void base_url(const struct tftp_source_ctx *ctx, bool tftp, char out[URL_MAX])
{
        char ip[16];
        format_ipv4(ctx->local_addr, ip);
        if (tftp) {
                if (ctx->tftp_port == 69)
                        snprintf(out, URL_MAX, "tftp://%s", ip);
                else
                        snprintf(out, URL_MAX, "tftp://%s:%u", ip, ctx->tftp_port);
                return;
        }
        if (ctx->cfg->public_url && *ctx->cfg->public_url) {
                snprintf(out, URL_MAX, "%s", ctx->cfg->public_url);
                return;
        }
        uint16_t port = 80;
        if (ctx->cfg->http_listen && *ctx->cfg->http_listen)
                (void)validate_listen(ctx->cfg->http_listen, NULL, &port);
        if (port == 80)
                snprintf(out, URL_MAX, "http://%s", ip);
        else
                snprintf(out, URL_MAX, "http://%s:%u", ip, port);
}

struct lookup {
        struct machine m;
        bool have_machine;
        struct image img;
        bool have_image;
        struct boot_script_plan plan;
};

static void lookup_done(const struct tftp_source_ctx *ctx, struct lookup *lk)
{
        /* Do not hold a read snapshot on the loop's shared connection. */
        if (ctx->store)
                store_idle(ctx->store);
        if (lk->have_machine)
                machine_done(&lk->m);
        if (lk->have_image)
                image_done(&lk->img);
}

/* The boot decision for mac: machine record, plan, image. */
static int lookup(const struct tftp_source_ctx *ctx, const struct mac *mac, struct lookup *lk)
{
        memset(lk, 0, sizeof(*lk));
        if (ctx->store) {
                int r = store_machine_get(ctx->store, mac, &lk->m);
                if (r == 0)
                        lk->have_machine = true;
                else if (r != -ENOENT)
                        return r;
        }
        boot_plan_script(lk->have_machine ? &lk->m : NULL, ctx->cfg->boot_default_image, &lk->plan);
        if (lk->plan.kind == BOOT_SCRIPT_IMAGE) {
                int r =
                    ctx->store ? store_image_get(ctx->store, lk->plan.image, &lk->img) : -ENOENT;
                if (r == 0)
                        lk->have_image = true;
                else if (r == -ENOENT)
                        /* Assigned image vanished (or a bad default): wait. */
                        lk->plan = (struct boot_script_plan){.kind = BOOT_SCRIPT_WAIT};
                else
                        return r;
        }
        return 0;
}

static int render(const struct tftp_source_ctx *ctx, const struct tftp_path_class *pc,
                  struct strbuf *out, char err[SCRIPT_ERR_MAX])
{
        bool tftp = pc->kind != TFTP_PATH_PXELINUX_MAC;
        char server[URL_MAX], images[URL_MAX + 8];
        base_url(ctx, tftp, server);
        snprintf(images, sizeof(images), "%s/images", server);
        if (pc->kind == TFTP_PATH_BOOT_IPXE) {
                ipxe_script_chain(server, out);
                return 0;
        }
        struct lookup lk;
        int r = lookup(ctx, &pc->mac, &lk);
        if (r < 0) {
                lookup_done(ctx, &lk);
                snprintf(err, SCRIPT_ERR_MAX, "inventory unavailable");
                return r;
        }
        char mac[MAC_STR_LEN], hyp[MAC_STR_LEN], ip[16] = "";
        mac_format(&pc->mac, mac);
        mac_format_hyphen(&pc->mac, hyp);
        if (lk.have_machine && lk.m.ipv4)
                format_ipv4(lk.m.ipv4, ip);
        struct script_vars v = {
            .mac = mac,
            .mac_hyphen = hyp,
            .hostname = lk.have_machine && lk.m.hostname ? lk.m.hostname : "",
            .ip = ip,
            .image = lk.plan.image ? lk.plan.image : "",
            .server = server,
            .images_url = images,
        };
        long retry_s = (long)ctx->cfg->boot_unknown_retry_s;
        if (pc->kind == TFTP_PATH_PXELINUX_MAC) {
                struct pxelinux_opts o = {.tftp_paths = ctx->cfg->tftp_pxelinux_tftp_paths,
                                          .retry_s = retry_s};
                r = pxelinux_cfg_render(&lk.plan, lk.have_image ? &lk.img : NULL, &v, &o, out, err);
        } else if (lk.plan.kind == BOOT_SCRIPT_IMAGE) {
                r = ipxe_script_image(&lk.img, &v, out, err);
        } else if (lk.plan.kind == BOOT_SCRIPT_EXIT) {
                ipxe_script_exit(&v, out);
        } else {
                ipxe_script_wait(&v, retry_s, out);
        }
        lookup_done(ctx, &lk);
        return r;
}

static int open_dynamic(const struct tftp_source_ctx *ctx, const struct tftp_path_class *pc,
                        struct tftp_source *ret, uint16_t *ret_code, char *msg, size_t msg_cap)
{
        struct strbuf b;
        strbuf_init(&b);
        char err[SCRIPT_ERR_MAX] = "";
        int r = render(ctx, pc, &b, err);
        if (r == 0 && b.oom)
                r = -ENOMEM;
        if (r < 0) {
                strbuf_free(&b);
                *ret_code = TFTP_EUNDEF;
                snprintf(msg, msg_cap, "cannot render file: %s", *err ? err : strerror(-r));
                return r;
        }
        size_t len = b.len;
        *ret = (struct tftp_source){
            .kind = TFTP_SRC_DYNAMIC,
            .fd = -1,
            .size = len,
            .has_mac = pc->kind != TFTP_PATH_BOOT_IPXE,
            .mac = pc->mac,
        };
        ret->mem = strbuf_steal(&b);
        if (!ret->mem) {
                ret->mem = strdup(""); /* an empty render */
                if (!ret->mem)
                        return -ENOMEM;
        }
        return 0;
}

int tftp_source_open(const struct tftp_source_ctx *ctx, const char *norm, struct tftp_source *ret,
                     uint16_t *ret_code, char *msg, size_t msg_cap)
{
        struct tftp_path_class pc;
        tftp_path_classify(norm, &pc);
        if (pc.kind == TFTP_PATH_PXELINUX_MAC || pc.kind == TFTP_PATH_BOOT_IPXE ||
            pc.kind == TFTP_PATH_MAC_IPXE)
                return open_dynamic(ctx, &pc, ret, ret_code, msg, msg_cap);

        struct stat st;
        enum tftp_source_kind kind;
        int fd;
        const char *trusted =
            pc.kind == TFTP_PATH_FILE ? bootfiles_find(&ctx->cfg->bootfiles, norm) : NULL;
        if (trusted) {
                kind = TFTP_SRC_BOOTFILE;
                fd = open_trusted(trusted, &st);
        } else if (pc.kind == TFTP_PATH_IMAGES) {
                kind = TFTP_SRC_IMAGES;
                fd = ctx->images_fd >= 0 ? fsroot_open_file(ctx->images_fd, pc.rest, &st) : -ENOENT;
        } else {
                kind = TFTP_SRC_ROOT;
                fd = ctx->root_fd >= 0 ? fsroot_open_file(ctx->root_fd, norm, &st) : -ENOENT;
        }
        if (fd < 0) {
                tftp_source_error(fd, ret_code, msg, msg_cap);
                return fd;
        }
        *ret = (struct tftp_source){.kind = kind, .fd = fd, .size = (uint64_t)st.st_size};
        return 0;
}

void tftp_source_done(struct tftp_source *src)
{
        if (!src)
                return;
        if (src->fd >= 0)
                close(src->fd);
        free(src->mem);
        src->fd = -1;
        src->mem = NULL;
}

ssize_t tftp_source_read(const struct tftp_source *src, uint64_t off, void *buf, size_t len)
{
        if (src->fd < 0) {
                if (off >= src->size)
                        return 0;
                size_t n = src->size - off < len ? (size_t)(src->size - off) : len;
                memcpy(buf, src->mem + off, n);
                return (ssize_t)n;
        }
        size_t done = 0;
        while (done < len) {
                ssize_t n = pread(src->fd, (char *)buf + done, len - done, (off_t)(off + done));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

ssize_t tftp_source_readv(const struct tftp_source *src, uint64_t off, const struct iovec *iov,
                          int n)
{
        size_t want = 0;
        for (int i = 0; i < n; i++)
                want += iov[i].iov_len;
        if (src->fd >= 0) {
                ssize_t got = preadv(src->fd, iov, n, (off_t)off);
                if (got < 0 && errno != EINTR)
                        return -errno;
                if (got == (ssize_t)want)
                        return got;
                /* Interrupted or short (rare): finish block by block. */
        }
        size_t done = 0;
        for (int i = 0; i < n; i++) {
                ssize_t r = tftp_source_read(src, off + done, iov[i].iov_base, iov[i].iov_len);
                if (r < 0)
                        return r;
                done += (size_t)r;
                if ((size_t)r < iov[i].iov_len)
                        break;
        }
        return (ssize_t)done;
}
