/* The route table and the handlers it names. */
#pragma once

#include "http/http_server.h"

enum http_method_bit {
        HTTP_GET = 1,
        HTTP_HEAD = 2,
        HTTP_POST = 4,
        HTTP_PUT = 8,
        HTTP_PATCH = 16,
        HTTP_DELETE = 32,
};

struct http_route {
        const char *path;  /* exact path, or prefix when it ends with '/' */
        unsigned methods;  /* HTTP_* bits */
        bool body;         /* accepts a request body */
        const char *label; /* for logs and metrics */
        http_handler fn;
};

/* First match wins; NULL-terminated. */
extern const struct http_route http_routes[];

/* routes_boot.c */
enum MHD_Result routes_boot_chain(struct http_req *r);
enum MHD_Result routes_boot_mac(struct http_req *r);
/* routes_images.c */
enum MHD_Result routes_images(struct http_req *r);
enum MHD_Result routes_bootfile(struct http_req *r);
void routes_images_completed(struct http_req *r, bool completed_ok);
