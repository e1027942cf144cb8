/* TFTP file names: normalisation and classification.  Pure.
 *
 * Clients spell paths in many ways: pxelinux asks "/pxelinux.cfg/01-…",
 * Windows clients "\boot\x64\wdsnbp.com", iPXE "boot/52:54:00:…:01.ipxe".
 * A name is normalised once (leading '/' dropped, '\' read as '/', empty and
 * "." components dropped) and then classified: a dynamic file rendered from
 * the inventory, a file under the images root, or a plain file looked up in
 * the boot-file map and the TFTP root.  ".." components and control
 * characters are refused here, before any file system call; the kernel
 * (openat2 RESOLVE_BENEATH) confines what is left. */
#pragma once

#include <stddef.h>

#include "core/mac.h"

/* Longest normalised name accepted (bytes). */
#define TFTP_PATH_MAX 512

/* Normalises name[0..len) into out (NUL-terminated).  Returns the length, or
 *   -ENOENT        empty name
 *   -EACCES        a ".." component or a control character
 *   -ENAMETOOLONG  longer than TFTP_PATH_MAX (or cap - 1) */
int tftp_path_normalize(const char *name, size_t len, char *out, size_t cap);

enum tftp_path_kind {
        TFTP_PATH_FILE,         /* boot-file map, then the TFTP root */
        TFTP_PATH_PXELINUX_MAC, /* pxelinux.cfg/01-52-54-00-ab-cd-01 */
        TFTP_PATH_BOOT_IPXE,    /* boot.ipxe */
        TFTP_PATH_MAC_IPXE,     /* 52:54:00:ab:cd:01.ipxe or boot/<mac>.ipxe */
        TFTP_PATH_IMAGES,       /* images/<path>: the images root */
};

struct tftp_path_class {
        enum tftp_path_kind kind;
        struct mac mac;   /* PXELINUX_MAC, MAC_IPXE */
        const char *rest; /* IMAGES: the path below images/ (points into the name) */
};

/* Classifies a normalised name. */
void tftp_path_classify(const char *norm, struct tftp_path_class *ret);
