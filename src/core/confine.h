/* Confinement of the running daemon: Landlock (what it may open) and a
 * seccomp allow-list (which system calls it may make).
 *
 * `serve` applies both once its sockets are bound and privileges dropped,
 * before the first thread starts, so every thread inherits them.  Each
 * degrades to one log line where the kernel lacks it ([server] landlock,
 * [server] seccomp; docs/security.md#confinement).
 *
 * Files: confine_paths.c (which paths, from the configuration: pure),
 * confine_landlock.c, confine_seccomp.c, confine.c (applies and logs). */
#pragma once

#include <stddef.h>

#include "core/config.h"

#define CONFINE_PATHS_MAX 96

enum confine_access {
        CONFINE_RO = 1, /* read files, list directories */
        CONFINE_RW = 2, /* also create, write, truncate, rename and remove files */
};

struct confine_path {
        char *path;
        enum confine_access access;
};

struct confine_paths {
        struct confine_path p[CONFINE_PATHS_MAX];
        size_t n;
};

/* Adds path (a directory: everything beneath it; or one file).  The same
 * path twice keeps the wider access.  -EINVAL (empty), -ENOSPC, -ENOMEM. */
int confine_paths_add(struct confine_paths *ps, const char *path, enum confine_access a);

/* What `serve` opens after start-up, from c alone: the state directory and
 * the database's directory (RW), the images root (RO; uploads would make
 * it RW: images_access() in confine_paths.c),
 * the directories of the boot-file map's files, the system files libc,
 * GnuTLS and libpq read at run time, and with [store] url the files libpq
 * may read for it (passfile, certificates; env supplies PGPASSFILE, HOME
 * and the like; NULL = none).  Paths that do not exist are kept: applying
 * skips them.  The caller adds what other modules own (the TFTP root). */
int confine_paths_from_config(const struct config *c, const char *(*env)(const char *name),
                              struct confine_paths *ps);

void confine_paths_done(struct confine_paths *ps);

/* Restricts this thread (and the threads it starts later) to ps.  Returns
 * the Landlock ABI version applied (>= 1), -EOPNOTSUPP when the kernel
 * has no Landlock (built without it, or not enabled at boot), -EPERM when
 * an outer seccomp filter refuses its calls, or another negative errno.
 * *skipped counts paths that do not exist or that this user cannot reach
 * (EACCES). */
int confine_landlock(const struct confine_paths *ps, size_t *skipped);

enum confine_seccomp_mode {
        CONFINE_SECCOMP_OFF,
        CONFINE_SECCOMP_LOG,     /* allow what is not listed, and log it */
        CONFINE_SECCOMP_ENFORCE, /* what is not listed fails with EPERM (logged) */
};

/* "enforce", "log", "off" (as [server] seccomp takes them). */
enum confine_seccomp_mode confine_seccomp_mode(const char *s);

/* Loads the allow-list into every thread of the process.  Calls that are
 * never needed (execve, ptrace, mount, module loading, setuid, ...) kill
 * the process in enforce mode and fail with EPERM in log mode.  0, or a
 * negative errno (-EOPNOTSUPP: the kernel has no seccomp filters;
 * -EPERM/-EACCES: an outer seccomp filter refuses to load one). */
int confine_seccomp(enum confine_seccomp_mode mode);

/* Both, per c ([server] landlock, [server] seccomp), with one log line
 * each saying what was applied or why not.  extra_ro: n_extra more
 * read-only paths from other modules (NULL or empty ones are skipped).
 * Returns 0, or a negative errno when confinement that the kernel supports
 * could not be applied (serve then refuses to start). */
int confine_apply(const struct config *c, const char *const *extra_ro, size_t n_extra);
