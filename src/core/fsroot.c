/* Kernel-confined file roots; see fsroot.h. */
#include "core/fsroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FSROOT_MAX_PATH 1024

int fsroot_open(const char *path)
{
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int fsroot_open_file(int root_fd, const char *relpath, struct stat *ret_st)
{
        while (*relpath == '/')
                relpath++;
        size_t len = strnlen(relpath, FSROOT_MAX_PATH + 1);
        if (len == 0)
                return -EINVAL;
        if (len > FSROOT_MAX_PATH)
                return -ENAMETOOLONG;

        struct open_how how = {
            .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        /* O_NONBLOCK: opening a FIFO planted in the root must not hang the server. */
        int fd = (int)syscall(SYS_openat2, root_fd, relpath, &how, sizeof(how));
        if (fd < 0)
                return -errno;

        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
        }
        /* Regular files: back to blocking reads for sendfile/pread. */
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
                (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        *ret_st = st;
        return fd;
}

int fsroot_open_dir(int root_fd, const char *relpath)
{
        while (*relpath == '/')
                relpath++;
        size_t len = strnlen(relpath, FSROOT_MAX_PATH + 1);
        if (len > FSROOT_MAX_PATH)
                return -ENAMETOOLONG;
        struct open_how how = {
            .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int)syscall(SYS_openat2, root_fd, len ? relpath : ".", &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

int fsroot_split(const char *relpath, char *dir, size_t dir_cap, char *name, size_t name_cap)
{
        while (*relpath == '/')
                relpath++;
        size_t len = strnlen(relpath, FSROOT_MAX_PATH + 1);
        if (len > FSROOT_MAX_PATH)
                return -ENAMETOOLONG;
        const char *slash = strrchr(relpath, '/');
        const char *leaf = slash ? slash + 1 : relpath;
        size_t dlen = slash ? (size_t)(slash - relpath) : 0;
        size_t nlen = strlen(leaf);
        if (nlen == 0 || leaf[0] == '.')
                return -EINVAL;
        for (const char *p = leaf; *p; p++)
                if (*p <= ' ' || *p >= 0x7f || *p == '\\')
                        return -EINVAL;
        if (dlen >= dir_cap || nlen >= name_cap || nlen > 255)
                return -ENAMETOOLONG;
        memcpy(dir, relpath, dlen);
        dir[dlen] = '\0';
        memcpy(name, leaf, nlen + 1);
        return 0;
}
