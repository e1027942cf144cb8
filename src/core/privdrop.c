/* Privilege dropping; see privdrop.h. */
#include "core/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <unistd.h>

int privdrop(const char *user, const char *const *paths)
{
        if (!user || !*user || geteuid() != 0)
                return 0;
        errno = 0;
        struct passwd *pw = getpwnam(user);
        if (!pw)
                return errno ? -errno : -ESRCH;
        for (size_t i = 0; paths && paths[i]; i++)
                if (chown(paths[i], pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT)
                        return -errno;
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
            setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
            setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
                return -errno;
        /* Make sure root cannot be regained. */
        if (setuid(0) == 0)
                return -EPERM;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}
