/* Whether an image's local files exist: its kernel and initrds that are
 * paths under the images root (not http(s) URLs).  Checked when the image
 * is read or written, not stored: an image is "broken" exactly while a
 * file is missing, and mends itself when the file appears.  One openat2()
 * (RESOLVE_BENEATH, core/fsroot.h) per file. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"

struct image_missing {
        const char *what; /* "kernel" or "initrd" */
        const char *path; /* the image's own string */
        int err;          /* negative errno: -ENOENT, or why it cannot be served */
};

/* Fills ret with up to cap missing files; returns how many are missing, or
 * -1 when images_fd < 0 (no images root: nothing can be told). */
int image_missing_files(int images_fd, const struct image *img, struct image_missing *ret,
                        size_t cap);

/* Adds to an image's JSON (API and CLI --json) "broken": whether a local
 * file is missing (null when images_fd < 0: no root to look in), and
 * "warnings": one line per missing file. */
void image_files_json(json_t *j, int images_fd, const struct image *img);
