/* File roots confined by the kernel.
 *
 * A root directory is opened once; every file a client names is opened
 * relative to it with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS), so "..", absolute paths and symlinks cannot escape
 * it whatever the string looks like.  Only regular files are returned. */
#pragma once

#include <sys/stat.h>

/* Opens `path` as a directory fd (O_PATH|O_DIRECTORY).  Negative errno on failure. */
int fsroot_open(const char *path);

/* Opens `relpath` (a client-supplied, already percent-decoded path; leading
 * '/' are ignored) beneath root_fd for reading.  On success returns the fd
 * and fills *ret_st.  Errors: -ENOENT (missing), -EXDEV/-ELOOP (escape or
 * symlink), -EISDIR/-EACCES (not a regular file), -ENAMETOOLONG, -EINVAL
 * (empty path or embedded NUL). */
int fsroot_open_file(int root_fd, const char *relpath, struct stat *ret_st);
