/* The HTTP server: libmicrohttpd glue, routing, request bodies, access log,
 * per-thread store handles.  Route handlers live in routes_*.c.
 *
 * The plain listener is one libmicrohttpd epoll daemon per thread, each
 * with its own SO_REUSEPORT listening socket; handlers run on those
 * threads, each with its own store connection (http_req.store) and cache
 * of rendered boot scripts (http_req.scripts, script_cache.h).  Boot
 * contacts go to the boot-event queue, which the main loop writes. */
#pragma once

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "boot/boot_events.h"
#include "core/config.h"
#include "http/peer_map.h"
#include "store/store.h"

#define HTTP_BODY_MAX (1024 * 1024)

struct http_server;
struct auth;
struct script_cache;

/* Shared, read-mostly state that route handlers see. */
struct http_ctx {
        const struct config *cfg;
        char *db_path;
        int images_fd; /* fsroot of the images root, or -1 */
        struct boot_events *events;
        struct peer_map *peers;
        atomic_int image_transfers; /* /images bodies in flight */
        int64_t started_ms;
        struct auth *auth; /* login rate limits (http/auth.h) */
        bool tls_enabled;  /* an HTTPS listener runs ([http] tls_listen) */
        uint16_t tls_port; /* its port, for redirects from plain HTTP */
};

struct http_req {
        struct MHD_Connection *conn;
        struct http_ctx *ctx;
        const char *method;
        const char *path; /* decoded by libmicrohttpd */
        struct store *store;
        struct script_cache *scripts; /* this thread's rendered boot scripts, or NULL */
        char peer[48];                /* "198.18.0.5:51234" */
        uint32_t peer_ip;             /* host order, 0 for non-IPv4 */
        char *body;                   /* request body (routes that accept one), NUL-terminated */
        size_t body_len;
        bool body_too_large;
        int64_t start_us;
        unsigned status;
        uint64_t bytes;    /* response body size */
        const char *route; /* route label for logs/metrics */
        bool is_head;
        bool tls; /* arrived on the HTTPS listener */
        /* set by the images route; used on completion */
        bool image_counted;
        char *image_path;
        void *route_data; /* free()d on completion */
};

typedef enum MHD_Result (*http_handler)(struct http_req *r);

int http_server_start(const struct config *c, struct boot_events *ev, struct http_server **ret);
void http_server_stop(struct http_server *srv);
struct http_ctx *http_server_ctx(struct http_server *srv);

/* ---- helpers for route handlers ---- */

/* Queues a response from a malloc'ed buffer (taken over). */
enum MHD_Result http_reply_take(struct http_req *r, unsigned status, const char *content_type,
                                char *body, size_t len);
enum MHD_Result http_reply_text(struct http_req *r, unsigned status, const char *text);
/* JSON body (reference stolen). */
enum MHD_Result http_reply_json(struct http_req *r, unsigned status, json_t *j);
/* {"error": msg, "field": field?} */
enum MHD_Result http_reply_error(struct http_req *r, unsigned status, const char *field,
                                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Queues a response and records status/size for the access log. */
enum MHD_Result http_queue(struct http_req *r, unsigned status, struct MHD_Response *resp,
                           uint64_t body_len);

const char *http_header(struct http_req *r, const char *name);

/* Base URL of this server as clients should use it: [server] public_url,
 * else http://<local address of this connection>[:port]. */
void http_server_url(struct http_req *r, char *out, size_t cap);
/* The base URL a booting machine uses: like http_server_url(), but always
 * the plain-HTTP listener, even when r came in over HTTPS (previews). */
void http_server_boot_url(struct http_req *r, char *out, size_t cap);

/* Formats t (seconds) as an IMF-fixdate. */
void http_date(int64_t t, char out[32]);
