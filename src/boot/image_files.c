/* An image's missing local files; see image_files.h. */
#include "boot/image_files.h"

#include <errno.h>
#include <stdio.h>
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

void image_files_json(json_t *j, int images_fd, const struct image *img)
{
        struct image_missing miss[8];
        int n = image_missing_files(images_fd, img, miss, 8);
        json_t *w = json_array();
        for (int i = 0; i < n && i < 8; i++) {
                char msg[600];
                if (miss[i].err == -ENOENT)
                        snprintf(msg, sizeof(msg), "%s %s does not exist under the images root",
                                 miss[i].what, miss[i].path);
                else
                        snprintf(msg, sizeof(msg),
                                 "%s %s cannot be served from the images root (%s: only regular "
                                 "files, no symlinks)",
                                 miss[i].what, miss[i].path, strerror(-miss[i].err));
                json_array_append_new(w, json_string(msg));
        }
        if (n > 8) {
                char msg[64];
                snprintf(msg, sizeof(msg), "and %d more missing files", n - 8);
                json_array_append_new(w, json_string(msg));
        }
        /* null: no images root to look in (cannot tell). */
        json_object_set_new(j, "broken", n < 0 ? json_null() : json_boolean(n > 0));
        json_object_set_new(j, "warnings", w);
}
