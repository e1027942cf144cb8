/* Privilege dropping; see privdrop.h. */
#include "core/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int privdrop_no_new_privs(void)
{
        return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int privdrop_choose(const char *user, const char **ret, const char **why)
{
        *ret = NULL;
        *why = NULL;
        if (geteuid() != 0)
                return 0;
        const char *name = user && *user ? user : PRIVDROP_DEFAULT_USER;
        errno = 0;
        struct passwd *pw = getpwnam(name);
        if (!pw) {
                *why = user && *user ? "[server] user does not exist"
                                     : "running as root: set [server] user, or create the "
                                       "system user " PRIVDROP_DEFAULT_USER
                                       " (packaging/sysusers.d/bootherd.conf)";
                return -EPERM;
        }
        if (pw->pw_uid == 0 || pw->pw_gid == 0) {
                *why = "refusing to serve as uid/gid 0: [server] user must be an unprivileged user";
                return -EPERM;
        }
        *ret = name;
        return 0;
}

/* Permitted = effective = keep; inheritable and ambient empty. */
static int caps_limit(uint64_t keep)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct d[2] = {
            {.effective = (uint32_t)keep, .permitted = (uint32_t)keep, .inheritable = 0},
            {.effective = (uint32_t)(keep >> 32), .permitted = (uint32_t)(keep >> 32)},
        };
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        return 0;
}

int privdrop(const char *user, const char *const *paths, uint64_t keep_caps)
{
        if (!user)
                return 0;
        errno = 0;
        struct passwd *pw = getpwnam(user);
        if (!pw)
                return errno ? -errno : -ESRCH;
        if (pw->pw_uid == 0 || pw->pw_gid == 0)
                return -EPERM;
        for (size_t i = 0; paths && paths[i]; i++)
                if (chown(paths[i], pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT)
                        return -errno;
        if (keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return -errno;
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
            setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
            setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
                return -errno;
        int r = caps_limit(keep_caps);
        if (r < 0)
                return r;
        (void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
        /* Make sure root cannot be regained. */
        if (setuid(0) == 0 || geteuid() == 0)
                return -EPERM;
        return privdrop_no_new_privs();
}
