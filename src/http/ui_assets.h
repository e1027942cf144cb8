/* The web UI's static files (web/), compiled into the binary by
 * src/http/embed_assets.py, so the daemon needs no files on disk to serve
 * its UI and the UI always matches the API it was built with. */
#pragma once

#include <stddef.h>

struct ui_asset {
        const char *name; /* "index.html", "app.js" */
        const char *content_type;
        const unsigned char *data;
        size_t len;
        const char *etag; /* quoted content hash */
};

/* Terminated by an entry with name NULL. */
extern const struct ui_asset ui_assets[];

/* The asset called name, or NULL. */
const struct ui_asset *ui_asset_find(const char *name);
