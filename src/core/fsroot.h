/* File roots confined by the kernel.
 *
 * A root directory is opened once; every file a client names is opened
 * relative to it with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS), so "..", absolute paths and symlinks cannot escape
 * it whatever the string looks like.  Only regular files are returned. */
#pragma once

#include <stddef.h>
#include <sys/stat.h>

/* Opens `path` as a directory fd (O_PATH|O_DIRECTORY).  Negative errno on failure. */
int fsroot_open(const char *path);

/* Opens `relpath` (a client-supplied, already percent-decoded path; leading
 * '/' are ignored) beneath root_fd for reading.  On success returns the fd
 * and fills *ret_st.  Errors: -ENOENT (missing), -EXDEV/-ELOOP (escape or
 * symlink), -EISDIR/-EACCES (not a regular file), -ENAMETOOLONG, -EINVAL
 * (empty path or embedded NUL). */
int fsroot_open_file(int root_fd, const char *relpath, struct stat *ret_st);

/* Opens the directory `relpath` beneath root_fd (O_RDONLY|O_DIRECTORY, for
 * listing, fsync and *at() calls); "" or "/" is the root itself.  Same
 * confinement and errors as fsroot_open_file() (-ENOTDIR: not a directory). */
int fsroot_open_dir(int root_fd, const char *relpath);

/* Splits a client path "a/b/name" into its directory ("a/b", in dir) and a
 * last component (in name) that is a plain file name: not empty, no '/',
 * not starting with '.', printable ASCII without spaces or '\\'.  0, or
 * -EINVAL / -ENAMETOOLONG. */
int fsroot_split(const char *relpath, char *dir, size_t dir_cap, char *name, size_t name_cap);
