/* The HTTP server: libmicrohttpd glue, request bodies, access log,
 * per-thread state.  It knows no route: it looks the path up in the route
 * table (routes.h) and calls the handler; a handler that needs to act when
 * its response is done sets http_req.on_done.
 *
 * The plain listener is one libmicrohttpd epoll daemon per thread, each
 * with its own SO_REUSEPORT listening socket; handlers run on those
 * threads, each with its own store connection (http_req.store), the boot
 * inventory on it (http_req.inv), its boot URLs per local address
 * (http_endpoints()) and its cache of rendered boot scripts
 * (http_req.scripts, script_cache.h).  Boot contacts go to the boot-event
 * queue, which the main loop writes. */
#pragma once

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "boot/boot_endpoints.h"
#include "boot/boot_events.h"
#include "boot/boot_inventory.h"
#include "boot/boot_resolve.h"
#include "core/config.h"
#include "http/http_config.h"
#include "http/peer_map.h"
#include "store/store.h"

/* The largest request body any route takes (the API's); each route's own
 * limit (http_req.body_max) is set before the body is read. */
#define HTTP_BODY_MAX (256 * 1024)

struct http_server;
struct http_guard;
struct auth;
struct script_cache;
struct sha_cache;
struct live;

/* Shared, read-mostly state that route handlers see. */
struct http_ctx {
        const struct config *cfg;
        const struct http_config *http;
        struct boot_resolver resolver;        /* the boot settings, for boot_resolve() */
        struct boot_endpoints_conf endpoints; /* boot URLs: public_url and the listeners' ports */
        char *db_path;
        int images_fd; /* fsroot of the images root, or -1 */
        struct boot_events *events;
        struct peer_map *peers;
        atomic_int image_transfers; /* /images bodies in flight */
        int64_t started_ms;
        struct auth *auth;           /* login rate limits (http/auth.h) */
        struct http_guard *guard;    /* per-address fair share (http/http_guard.h) */
        struct sha_cache *file_sums; /* digests of files under the images root */
        struct live *live;           /* the live stream (http/live.h); NULL: off */
        bool tls_enabled;            /* an HTTPS listener runs ([http] tls_listen) */
        uint16_t tls_port;           /* its port, for redirects from plain HTTP */
};

struct http_req {
        struct MHD_Connection *conn;
        struct http_ctx *ctx;
        const char *method;
        const char *path; /* decoded by libmicrohttpd */
        struct store *store;
        const struct boot_inventory *inv; /* the inventory on this thread's store */
        struct script_cache *scripts;     /* this thread's rendered boot scripts, or NULL */
        char peer[48];                    /* "198.18.0.5:51234" */
        uint32_t peer_ip;                 /* host order, 0 for non-IPv4 */
        char *body; /* request body (routes that accept one), NUL-terminated */
        size_t body_len;
        size_t body_max; /* this request's limit, set before the body is read; 0: none taken */
        bool body_too_large;
        int64_t start_us;
        unsigned status;
        uint64_t bytes;    /* response body size */
        const char *route; /* route label for logs/metrics */
        bool is_head;
        bool tls; /* arrived on the HTTPS listener */
        /* Set by a handler: called once the response is done (ok: sent
         * completely), then route_data is free()d. */
        void (*on_done)(struct http_req *r, bool ok);
        void *route_data;
        /* Set before the body by a route's early hook: the body goes here
         * piece by piece instead of into body (a streamed upload); false
         * closes the connection. */
        bool (*body_sink)(struct http_req *r, const char *data, size_t len);
};

typedef enum MHD_Result (*http_handler)(struct http_req *r);

/* Binds the listeners of hc ([http] listen off: *ret = NULL, 0) and reads
 * the TLS key, but starts no thread: call it while privileged, then drop
 * privileges, then http_server_run() starts the threads that serve.  c, hc
 * and ev must outlive the server. */
int http_server_start(const struct config *c, const struct http_config *hc, struct boot_events *ev,
                      struct http_server **ret);
/* Starts the serving threads (NULL: no-op). */
int http_server_run(struct http_server *srv);
void http_server_stop(struct http_server *srv);
/* The plain listener's port (the one the kernel chose for port 0). */
uint16_t http_server_port(const struct http_server *srv);

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

/* An image body is about to be sent on r's connection: false when the
 * client's address has [http] max_image_transfers_per_address already.
 * From then until http_transfer_end() (or the connection's end) the
 * download must keep [http] min_transfer_rate. */
bool http_transfer_begin(struct http_req *r);
void http_transfer_end(struct http_req *r);

/* r's connection now carries a long-lived stream (GET /api/v1/stream): it
 * leaves the per-address connection count, so that streams, capped on their
 * own ([http] stream_max_per_address), never take a booting machine's
 * share. */
void http_stream_begin(struct http_req *r);

/* The boot URLs for the local address r arrived on (this thread's table,
 * boot_endpoints.h): [server] public_url, else the listeners on that
 * address.  *tmp: as boot_endpoints_get().  NULL when out of memory. */
const struct boot_endpoints *http_endpoints(struct http_req *r, struct boot_endpoints **tmp);

/* Formats t (seconds) as an IMF-fixdate. */
void http_date(int64_t t, char out[32]);
