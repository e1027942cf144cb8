/* The boot-file map: first-stage binaries (undionly.kpxe, ipxe.efi, ...)
 * named in trusted configuration and resolved once at start-up.
 *
 * Debian's /usr/lib/ipxe/ipxe.efi is a symlink to /boot/ipxe.efi, which a
 * confined root (RESOLVE_NO_SYMLINKS) rightly refuses; these files come from
 * the administrator's configuration, not from a client, so they are resolved
 * here with realpath() and served by name over TFTP and HTTP. */
#pragma once

#include <stddef.h>

#define BOOTFILES_MAX 32

struct bootfile {
        char *name; /* as clients ask for it: "ipxe.efi" */
        char *path; /* resolved absolute path */
};

struct bootfiles {
        struct bootfile files[BOOTFILES_MAX];
        size_t n;
};

/* Adds or replaces name -> path (path not yet resolved).  -EINVAL for a name
 * that is not a plain file name, -ENOSPC when full. */
int bootfiles_set(struct bootfiles *bf, const char *name, const char *path);
/* The defaults: Debian's ipxe package files in /usr/lib/ipxe, and the
 * signed Secure Boot chain (shimx64.efi, grubx64.efi, mmx64.efi). */
int bootfiles_set_defaults(struct bootfiles *bf);
/* Resolves every path with realpath(); entries whose file is missing are
 * dropped and reported through the callback (they are not fatal: a site may
 * not use that firmware). */
void bootfiles_resolve(struct bootfiles *bf, void (*missing)(const char *name, const char *path));
/* Returns the resolved path for a name, or NULL. */
const char *bootfiles_find(const struct bootfiles *bf, const char *name);
void bootfiles_done(struct bootfiles *bf);
