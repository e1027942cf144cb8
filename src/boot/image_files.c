/* An image's missing local files; see image_files.h. */
#include "boot/image_files.h"

#include <string.h>
#include <unistd.h>

#include "core/fsroot.h"

static bool is_local(const char *ref)
{
        return ref && *ref && strncmp(ref, "http://", 7) != 0 && strncmp(ref, "https://", 8) != 0;
}

static void check(int images_fd, const char *what, const char *path, struct image_missing *ret,
                  size_t cap, int *n)
{
        if (!is_local(path))
                return;
        struct stat st;
        int fd = fsroot_open_file(images_fd, path, &st);
        if (fd >= 0) {
                close(fd);
                return;
        }
        if ((size_t)*n < cap)
                ret[*n] = (struct image_missing){.what = what, .path = path, .err = fd};
        (*n)++;
}

int image_missing_files(int images_fd, const struct image *img, struct image_missing *ret,
                        size_t cap)
{
        if (images_fd < 0)
                return -1;
        int n = 0;
        check(images_fd, "kernel", img->kernel, ret, cap, &n);
        for (size_t i = 0; i < img->n_initrds; i++)
                check(images_fd, "initrd", img->initrds[i], ret, cap, &n);
        return n;
}
