/* Boot-file map; see bootfiles.h. */
#include "core/bootfiles.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const char *const default_names[] = {
    "undionly.kpxe", "undionly.kkpxe", "ipxe.pxe", "ipxe.efi", "snponly.efi", "ipxe.lkrn",
};

/* The Secure Boot chain from Debian's signed packages (docs/firmware.md):
 * shim (signed by Microsoft's UEFI CA, shim-signed) loads "grubx64.efi"
 * from the same server (Debian's signed network GRUB, grub-efi-amd64-signed)
 * and "mmx64.efi" (MOK manager, shim-helpers-amd64-signed) to enrol keys. */
static const struct {
        const char *name, *path;
} default_signed[] = {
    {"shimx64.efi", "/usr/lib/shim/shimx64.efi.signed"},
    {"grubx64.efi", "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"},
    {"mmx64.efi", "/usr/lib/shim/mmx64.efi.signed"},
    /* ARM64 UEFI: Debian's signed network GRUB from the arm64 package,
     * unpacked (not installed) by scripts/deps.sh. */
    {"grubaa64.efi", "/opt/bootherd/arm64/usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed"},
    /* ARM64 UEFI HTTP Boot: the signed one has no http module and stops
     * at its prompt after an HTTP Boot (docs/firmware.md); this unsigned
     * GRUB from the same modules has it (made by scripts/deps.sh). */
    {"grubaa64-http.efi", "/opt/bootherd/arm64/grubaa64-http.efi"},
};

static int name_ok(const char *name)
{
        size_t n = strlen(name);
        if (n == 0 || n > 64 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return 0;
        }
        return 1;
}

int bootfiles_set(struct bootfiles *bf, const char *name, const char *path)
{
        if (!name_ok(name) || !path || path[0] != '/')
                return -EINVAL;
        char *n = strdup(name), *p = strdup(path);
        if (!n || !p) {
                free(n);
                free(p);
                return -ENOMEM;
        }
        for (size_t i = 0; i < bf->n; i++)
                if (strcmp(bf->files[i].name, name) == 0) {
                        free(bf->files[i].name);
                        free(bf->files[i].path);
                        bf->files[i] = (struct bootfile){n, p};
                        return 0;
                }
        if (bf->n == BOOTFILES_MAX) {
                free(n);
                free(p);
                return -ENOSPC;
        }
        bf->files[bf->n++] = (struct bootfile){n, p};
        return 0;
}

int bootfiles_set_defaults(struct bootfiles *bf)
{
        for (size_t i = 0; i < sizeof(default_names) / sizeof(default_names[0]); i++) {
                char path[128];
                snprintf(path, sizeof(path), "/usr/lib/ipxe/%s", default_names[i]);
                int r = bootfiles_set(bf, default_names[i], path);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < sizeof(default_signed) / sizeof(default_signed[0]); i++) {
                int r = bootfiles_set(bf, default_signed[i].name, default_signed[i].path);
                if (r < 0)
                        return r;
        }
        return 0;
}

void bootfiles_resolve(struct bootfiles *bf, void (*missing)(const char *name, const char *path))
{
        size_t out = 0;
        for (size_t i = 0; i < bf->n; i++) {
                char *real = realpath(bf->files[i].path, NULL);
                if (!real) {
                        if (missing)
                                missing(bf->files[i].name, bf->files[i].path);
                        free(bf->files[i].name);
                        free(bf->files[i].path);
                        continue;
                }
                free(bf->files[i].path);
                bf->files[out].name = bf->files[i].name;
                bf->files[out].path = real;
                out++;
        }
        bf->n = out;
}

const char *bootfiles_find(const struct bootfiles *bf, const char *name)
{
        for (size_t i = 0; i < bf->n; i++)
                if (strcmp(bf->files[i].name, name) == 0)
                        return bf->files[i].path;
        return NULL;
}

void bootfiles_done(struct bootfiles *bf)
{
        for (size_t i = 0; i < bf->n; i++) {
                free(bf->files[i].name);
                free(bf->files[i].path);
        }
        bf->n = 0;
}
