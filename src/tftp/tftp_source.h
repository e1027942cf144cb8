/* What a TFTP read request is served from: file resolution for the server.
 *
 * Order (first match wins):
 *  1. dynamic files from boot_resolve(), the same decision and fallback as
 *     HTTP: pxelinux.cfg/01-<mac-hyphen> (format pxelinux), <mac>.ipxe and
 *     boot/<mac>.ipxe (format ipxe-tftp, for iPXE builds without HTTP:
 *     their URLs are tftp://), boot.ipxe (the chain script), and GRUB's
 *     [grub/ | boot/grub/]grub.cfg-01-<mac> (format grub) and grub.cfg (the
 *     chain to it, grub_cfg.h);
 *  2. the trusted boot-file map (config [bootfiles], resolved at start-up;
 *     Debian's ipxe.efi is a symlink, which only this map may follow);
 *  3. images/<path>: the images root, confined (kernels and initrds named
 *     by pxelinux configs rendered with tftp paths, and by TFTP iPXE scripts);
 *  4. the TFTP root, confined with openat2 (RESOLVE_BENEATH, no symlinks),
 *     regular files only.
 * Reads go through tftp_source_read() (pread on files: no whole-file reads). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "boot/boot_endpoints.h"
#include "boot/boot_inventory.h"
#include "boot/boot_resolve.h"
#include "core/bootfiles.h"
#include "core/mac.h"

enum tftp_source_kind {
        TFTP_SRC_DYNAMIC,
        TFTP_SRC_BOOTFILE,
        TFTP_SRC_IMAGES,
        TFTP_SRC_ROOT,
};

struct tftp_source {
        enum tftp_source_kind kind;
        int fd;    /* files; -1 for dynamic content */
        char *mem; /* dynamic content */
        uint64_t size;
        bool has_mac; /* dynamic files name their machine */
        struct mac mac;
        /* Dynamic per-MAC files: what the resolver made of them (the boot
         * event's detail, boot_result_detail()), and the result. */
        char detail[BOOT_DETAIL_LEN];
        struct boot_result result;
};

struct tftp_source_ctx {
        const struct boot_resolver *resolver;
        const struct boot_inventory *inv;
        const struct boot_endpoints *ep; /* of the address the request came in on */
        const struct bootfiles *bootfiles;
        int root_fd;   /* -1: no TFTP root */
        int images_fd; /* -1: no images root */
};

const char *tftp_source_kind_name(enum tftp_source_kind k);

/* Resolves the normalised name.  On success fills *ret (release with
 * tftp_source_done()).  On failure returns a negative errno and the TFTP
 * ERROR to send: *ret_code and a message in msg. */
int tftp_source_open(const struct tftp_source_ctx *ctx, const char *norm, struct tftp_source *ret,
                     uint16_t *ret_code, char *msg, size_t msg_cap);

void tftp_source_done(struct tftp_source *src);

/* Reads up to len bytes at off.  Returns the bytes read (short only at the
 * end of the source) or a negative errno. */
ssize_t tftp_source_read(const struct tftp_source *src, uint64_t off, void *buf, size_t len);

/* Scatter read at off into iov[0..n): one preadv for files.  Returns the
 * bytes read (short only at the end of the source) or a negative errno. */
struct iovec;
ssize_t tftp_source_readv(const struct tftp_source *src, uint64_t off, const struct iovec *iov,
                          int n);

/* Maps an open/resolution errno to a TFTP error code and message. */
void tftp_source_error(int err, uint16_t *ret_code, char *msg, size_t msg_cap);
