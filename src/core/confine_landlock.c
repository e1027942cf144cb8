/* Landlock through its raw system calls (no library); see confine.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/confine.h"

/* Rights newer than the kernel headers Debian 12 builds with (6.1): the
 * kernel says which it knows (the ABI version) and only those are asked. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif

#define ACCESS_ABI1 ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1) /* bits 0..12 */

/* What applies to a file (a rule on a regular file may name only these). */
#define ACCESS_FILE                                                                                \
        (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
         LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                              \
         LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define ACCESS_RO (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* Files only: no directories, devices, sockets, FIFOs or symlinks made, and
 * nothing executed.  REFER: rename between directories of the rule. */
#define ACCESS_RW                                                                                  \
        (ACCESS_RO | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |                 \
         LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_REFER)

static uint64_t handled_for(int abi)
{
        uint64_t h = ACCESS_ABI1;
        if (abi >= 2)
                h |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                h |= LANDLOCK_ACCESS_FS_TRUNCATE;
        if (abi >= 5)
                h |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
        return h;
}

/* 0 when added, 1 when the path does not exist or cannot be reached
 * (EACCES: the daemon could not open it either, e.g. ~/.pgpass under a
 * 0700 /root after the switch of user), or a negative errno. */
static int add_rule(int ruleset, const struct confine_path *p, uint64_t handled)
{
        int fd = open(p->path, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? 1 : -errno;
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        uint64_t allowed = (p->access == CONFINE_RW ? ACCESS_RW : ACCESS_RO) & handled;
        if (!S_ISDIR(st.st_mode))
                allowed &= ACCESS_FILE;
        struct landlock_path_beneath_attr pb = {.allowed_access = allowed, .parent_fd = fd};
        int r = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0
                    ? -errno
                    : 0;
        close(fd);
        return r;
}

int confine_landlock(const struct confine_paths *ps, size_t *skipped)
{
        *skipped = 0;
        int abi =
            (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        if (abi < 0)
                return errno == ENOSYS || errno == EOPNOTSUPP ? -EOPNOTSUPP : -errno;
        uint64_t handled = handled_for(abi);
        /* Only handled_access_fs: the older, smaller struct every ABI takes. */
        struct landlock_ruleset_attr attr = {.handled_access_fs = handled};
        int ruleset =
            (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
        if (ruleset < 0)
                return -errno;
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ps->n; i++) {
                r = add_rule(ruleset, &ps->p[i], handled);
                if (r == 1) {
                        (*skipped)++;
                        r = 0;
                }
        }
        if (r >= 0 && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                       syscall(SYS_landlock_restrict_self, ruleset, 0) < 0))
                r = -errno;
        close(ruleset);
        return r < 0 ? r : abi;
}
