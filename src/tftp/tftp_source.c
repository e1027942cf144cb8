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

#include "boot/grub_cfg.h"
#include "core/fsroot.h"
#include "core/strbuf.h"
#include "tftp/tftp_path.h"
#include "tftp/tftp_wire.h"

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

/* A dynamic file: the chain script, or the machine's file from the
 * resolver (with its fallback: a render failure still yields a file). */
static int open_dynamic(const struct tftp_source_ctx *ctx, const struct tftp_path_class *pc,
                        enum grub_cfg_path grub, struct tftp_source *ret, uint16_t *ret_code,
                        char *msg, size_t msg_cap)
{
        struct strbuf b;
        strbuf_init(&b);
        bool chain = grub == GRUB_CFG_PATH_CHAIN ||
                     (grub == GRUB_CFG_PATH_NONE && pc->kind == TFTP_PATH_BOOT_IPXE);
        *ret = (struct tftp_source){
            .kind = TFTP_SRC_DYNAMIC,
            .fd = -1,
            .has_mac = !chain,
            .mac = pc->mac,
        };
        int r = 0;
        if (grub == GRUB_CFG_PATH_CHAIN) {
                grub_cfg_chain(ctx->resolver->retry_s, &b);
        } else if (chain) {
                ipxe_script_chain(ctx->ep->tftp, &b);
        } else {
                enum boot_format fmt = grub != GRUB_CFG_PATH_NONE           ? BOOT_FORMAT_GRUB_TFTP
                                       : pc->kind == TFTP_PATH_PXELINUX_MAC ? BOOT_FORMAT_PXELINUX
                                                                            : BOOT_FORMAT_IPXE_TFTP;
                boot_inventory_begin(ctx->inv);
                r = boot_resolve(ctx->resolver, ctx->inv, ctx->ep, fmt, &pc->mac, &b, &ret->result);
                /* Do not hold a read snapshot on the loop's shared connection. */
                boot_inventory_end(ctx->inv);
                if (r == 0)
                        boot_result_detail(&ret->result, ret->detail);
                if (r == 0 && grub == GRUB_CFG_PATH_FAILED) {
                        char d[BOOT_DETAIL_LEN];
                        snprintf(d, sizeof(d), "%s", ret->detail);
                        snprintf(ret->detail, sizeof(ret->detail), "boot failed, retrying: %.70s",
                                 d);
                }
        }
        if (r == 0 && b.oom)
                r = -ENOMEM;
        if (r < 0) {
                strbuf_free(&b);
                *ret_code = TFTP_EUNDEF;
                snprintf(msg, msg_cap, "cannot render file: %s",
                         r == -ENOMEM || !*ret->result.err ? strerror(-r) : ret->result.err);
                return r;
        }
        ret->size = b.len;
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
        /* GRUB's names (grub_cfg.h): grub.cfg and grub.cfg-01-<mac>. */
        enum grub_cfg_path grub = grub_cfg_path_classify(norm, &pc.mac);
        if (grub != GRUB_CFG_PATH_NONE || pc.kind == TFTP_PATH_PXELINUX_MAC ||
            pc.kind == TFTP_PATH_BOOT_IPXE || pc.kind == TFTP_PATH_MAC_IPXE)
                return open_dynamic(ctx, &pc, grub, ret, ret_code, msg, msg_cap);

        struct stat st;
        enum tftp_source_kind kind;
        int fd;
        const char *trusted =
            pc.kind == TFTP_PATH_FILE ? bootfiles_find(ctx->bootfiles, norm) : NULL;
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
