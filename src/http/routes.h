/* The route table and the handlers it names. */
#pragma once

#include "boot/boot_resolve.h"
#include "boot/ipxe_script.h"
#include "http/http_server.h"

enum http_method_bit {
        HTTP_GET = 1,
        HTTP_HEAD = 2,
        HTTP_POST = 4,
        HTTP_PUT = 8,
        HTTP_PATCH = 16,
        HTTP_DELETE = 32,
        HTTP_ALL = 63,
};

struct http_route {
        const char *path;  /* exact path, or prefix when it ends with '/' */
        unsigned methods;  /* HTTP_* bits */
        bool body;         /* accepts a request body */
        const char *label; /* for logs and metrics */
        http_handler fn;
        /* Routes with a body: called with the headers only, before any of
         * the body is read; true when it answered (see routes_api_early). */
        bool (*early)(struct http_req *r, enum MHD_Result *reply);
};

/* First match wins; NULL-terminated. */
extern const struct http_route http_routes[];

/* routes_boot.c */
enum MHD_Result routes_boot_chain(struct http_req *r);
enum MHD_Result routes_boot_mac(struct http_req *r);
enum MHD_Result routes_boot_grub(struct http_req *r); /* /grub/grub.cfg[-01-<mac>] */
/* The script /boot/<mac>.ipxe (or format fmt's file) answers now, without
 * recording a contact; with img, that image's script for this machine
 * instead (the image editor's preview).  Template errors: -EINVAL with err
 * set. */
int routes_boot_render(struct http_req *r, enum boot_format fmt, const struct mac *mac,
                       const struct image *img, struct strbuf *out, char err[SCRIPT_ERR_MAX]);
/* routes_images.c */
enum MHD_Result routes_images(struct http_req *r);
enum MHD_Result routes_bootfile(struct http_req *r);
/* routes_api.c: /api/v1/... (REST API) */
enum MHD_Result routes_api(struct http_req *r);
/* Before an API request's body is read (headers only): answers at once
 * (returns true, *reply set) when the request would be refused anyway —
 * unknown resource, HTTPS only, Content-Length above the resource's limit,
 * wrong Content-Type, bad or missing credentials — so that no body is read
 * for it; else sets r->body_max and returns false. */
bool routes_api_early(struct http_req *r, enum MHD_Result *reply);
/* routes_metrics.c: /metrics (Prometheus text) */
enum MHD_Result routes_metrics(struct http_req *r);
/* ui_assets.c: the web UI at / and /ui/<file>; any other path falls back
 * to the first-stage boot files (routes_bootfile). */
enum MHD_Result routes_ui(struct http_req *r);
enum MHD_Result routes_root(struct http_req *r);
