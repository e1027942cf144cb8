/* libmicrohttpd glue: daemon, routing, bodies, access log; see http_server.h. */
#include "http/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "boot/boot_inventory_store.h"
#include "core/fsroot.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/sha_cache.h"
#include "http/auth.h"
#include "http/http_guard.h"
#include "http/live.h"
#include "http/routes.h"
#include "http/script_cache.h"

/* Per-connection memory pool: request line and headers, then the response
 * headers (bodies are sent from their own buffers or files).  libmicrohttpd
 * 0.9.75 zeroes the whole pool after every request, so its size is a
 * per-request cost: with the default 32 KiB, memset was ~4% of the
 * daemon's CPU serving /boot/<mac>.ipxe (perf).  8 KiB still takes ~7 KB
 * of request headers (iPXE sends ~100 bytes; larger gets 431). */
#define HTTP_CONN_MEMORY    (8 * 1024)
#define HTTP_DEFER_ACCEPT_S 5 /* HTTP clients speak first; a silent one is accepted after this */

/* The local address of each connection, taken once when it opens rather
 * than with getsockname(2) on every request; kept in libmicrohttpd's
 * per-connection pointer. */
struct conn_local {
        uint32_t ip; /* host order; 0 = unknown (not IPv4) */
        uint16_t port;
};

/* What libmicrohttpd's per-connection pointer holds: the local address and
 * the connection's fair-share record (http_guard.h). */
struct conn_ctx {
        struct conn_local local;
        struct guard_conn *guard; /* NULL: not guarded (out of memory) */
};

#define HTTP_THREADS_MAX 64 /* [http] threads upper bound */

struct http_server {
        struct MHD_Daemon *daemons[HTTP_THREADS_MAX]; /* one per thread, see plain_start() */
        size_t n_daemons;
        struct MHD_Daemon *tls_daemon;            /* [http] tls_listen */
        char *tls_cert, *tls_key;                 /* PEM, kept for the daemon's lifetime */
        struct conn_local plain_local, tls_local; /* listen addresses (on_connection) */
        /* Bound by http_server_start() (before the privilege drop), handed
         * to the daemons by http_server_run(); -1 once handed over. */
        int plain_fds[HTTP_THREADS_MAX], tls_fd;
        struct http_ctx ctx;
};

/* Per libmicrohttpd thread: its store connection, the boot inventory on
 * it, its boot URLs and its cache of rendered boot scripts, all released
 * when the thread exits. */
struct http_thread {
        struct store *store;
        struct boot_inventory_store inv_store;
        struct boot_inventory inv;
        struct boot_endpoints_table *endpoints;
        struct script_cache *scripts; /* NULL: [http] script_cache = 0 */
};

static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

static void thread_destroy(void *p)
{
        struct http_thread *t = p;
        script_cache_free(t->scripts);
        boot_endpoints_table_free(t->endpoints);
        store_close(t->store);
        free(t);
}

static void thread_key_init(void)
{
        (void)pthread_key_create(&thread_key, thread_destroy);
}

static struct http_thread *thread_state(struct http_ctx *ctx)
{
        struct http_thread *t = pthread_getspecific(thread_key);
        if (t)
                return t;
        t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        if (boot_endpoints_table_new(&ctx->endpoints, &t->endpoints) < 0) {
                free(t);
                return NULL;
        }
        if (store_open(ctx->db_path, &t->store) < 0) {
                boot_endpoints_table_free(t->endpoints);
                free(t);
                return NULL;
        }
        boot_inventory_store_init(&t->inv_store, t->store, &t->inv);
        /* Without a cache (disabled, or no memory) every request renders. */
        if (ctx->http->script_cache > 0)
                (void)script_cache_new((size_t)ctx->http->script_cache, &t->scripts);
        pthread_setspecific(thread_key, t);
        return t;
}

static int64_t now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "a.b.c.d" (ip in host order) at out, which has room for 16; returns
 * the length.  Hand-rolled: it runs on every request (peer, server URL),
 * and inet_ntop + snprintf cost more than the rest of the formatting. */
static size_t put_ipv4(char *out, uint32_t ip)
{
        char *p = out;
        for (int shift = 24; shift >= 0; shift -= 8) {
                unsigned v = (ip >> shift) & 0xff;
                if (v >= 100)
                        *p++ = (char)('0' + v / 100);
                if (v >= 10)
                        *p++ = (char)('0' + v / 10 % 10);
                *p++ = (char)('0' + v % 10);
                if (shift)
                        *p++ = '.';
        }
        *p = '\0';
        return (size_t)(p - out);
}

/* ":port" at out (room for 7); returns the length. */
static size_t put_port(char *out, unsigned port)
{
        char digits[5];
        size_t n = 0;
        do {
                digits[n++] = (char)('0' + port % 10);
                port /= 10;
        } while (port && n < sizeof(digits));
        char *p = out;
        *p++ = ':';
        while (n)
                *p++ = digits[--n];
        *p = '\0';
        return (size_t)(p - out);
}

/* getsockname(2) of the connection: IPv4 only, else false. */
static bool local_addr(struct MHD_Connection *conn, struct conn_local *ret)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) < 0 ||
            ss.ss_family != AF_INET)
                return false;
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        ret->ip = ntohl(sin->sin_addr.s_addr);
        ret->port = ntohs(sin->sin_port);
        return true;
}

/* libmicrohttpd's accept policy: the per-address connection limit. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
        struct http_server *srv = cls;
        uint32_t ip = 0;
        if (addr && addrlen >= sizeof(struct sockaddr_in) && addr->sa_family == AF_INET)
                ip = ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr);
        return http_guard_accept(srv->ctx.guard, ip) ? MHD_YES : MHD_NO;
}

static uint32_t conn_peer_ip(struct MHD_Connection *conn)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
                return ntohl(((const struct sockaddr_in *)ci->client_addr)->sin_addr.s_addr);
        return 0;
}

/* cls: the listener's own address (struct conn_local), ip 0 when it listens
 * on 0.0.0.0.  A listener bound to one address knows every connection's
 * local address already (no getsockname(2)); a wildcard listener asks per
 * connection.  Every connection is registered with the fair-share guard. */
static void on_connection(const struct conn_local *listener, struct http_guard *guard,
                          struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
        if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
                struct conn_ctx *cc = *socket_context;
                if (cc) {
                        http_guard_conn_close(guard, cc->guard);
                        free(cc);
                }
                *socket_context = NULL;
                return;
        }
        struct conn_ctx *cc = calloc(1, sizeof(*cc));
        if (cc) {
                if (listener && listener->ip)
                        cc->local = *listener;
                else
                        (void)local_addr(conn, &cc->local);
                const union MHD_ConnectionInfo *fi =
                    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
                cc->guard =
                    http_guard_conn_open(guard, conn_peer_ip(conn), fi ? fi->connect_fd : -1);
        }
        *socket_context = cc;
}

static void on_connection_plain(void *cls, struct MHD_Connection *conn, void **socket_context,
                                enum MHD_ConnectionNotificationCode toe)
{
        struct http_server *srv = cls;
        on_connection(&srv->plain_local, srv->ctx.guard, conn, socket_context, toe);
}

static void on_connection_tls(void *cls, struct MHD_Connection *conn, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
        struct http_server *srv = cls;
        on_connection(&srv->tls_local, srv->ctx.guard, conn, socket_context, toe);
}

static struct conn_ctx *req_conn(struct MHD_Connection *conn)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        return ci ? ci->socket_context : NULL;
}

/* The local address r arrived on (host order), 0 when unknown. */
static uint32_t req_local_ip(struct http_req *r)
{
        const struct conn_ctx *cc = req_conn(r->conn);
        struct conn_local here = {0};
        if (cc)
                return cc->local.ip;
        (void)local_addr(r->conn, &here);
        return here.ip;
}

bool http_transfer_begin(struct http_req *r)
{
        const struct conn_ctx *cc = req_conn(r->conn);
        return http_guard_transfer_begin(r->ctx->guard, cc ? cc->guard : NULL);
}

void http_transfer_end(struct http_req *r)
{
        const struct conn_ctx *cc = req_conn(r->conn);
        http_guard_transfer_end(r->ctx->guard, cc ? cc->guard : NULL);
}

void http_stream_begin(struct http_req *r)
{
        const struct conn_ctx *cc = req_conn(r->conn);
        http_guard_conn_stream(r->ctx->guard, cc ? cc->guard : NULL);
}

const struct boot_endpoints *http_endpoints(struct http_req *r, struct boot_endpoints **tmp)
{
        struct http_thread *t = pthread_getspecific(thread_key);
        *tmp = NULL;
        if (!t)
                return NULL;
        /* The address this connection came in on is one the client reaches;
         * the Host header is client-controlled and not trusted here. */
        return boot_endpoints_get(t->endpoints, req_local_ip(r), tmp);
}

static unsigned method_bit(const char *m)
{
        static const struct {
                const char *name;
                unsigned bit;
        } methods[] = {{"GET", HTTP_GET}, {"HEAD", HTTP_HEAD},   {"POST", HTTP_POST},
                       {"PUT", HTTP_PUT}, {"PATCH", HTTP_PATCH}, {"DELETE", HTTP_DELETE}};
        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
                if (strcmp(m, methods[i].name) == 0)
                        return methods[i].bit;
        return 0;
}

static const struct http_route *route_find(const char *path)
{
        for (const struct http_route *rt = http_routes; rt->path; rt++) {
                size_t n = strlen(rt->path);
                if (rt->path[n - 1] == '/' ? strncmp(path, rt->path, n) == 0
                                           : strcmp(path, rt->path) == 0)
                        return rt;
        }
        return NULL;
}

static struct http_req *req_new(struct http_ctx *ctx, struct MHD_Connection *conn, const char *url,
                                const char *method)
{
        struct http_req *r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->conn = conn;
        r->ctx = ctx;
        r->method = method;
        r->path = url;
        r->start_us = now_us();
        r->is_head = strcmp(method, "HEAD") == 0;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
                const struct sockaddr_in *sin = (const struct sockaddr_in *)ci->client_addr;
                r->peer_ip = ntohl(sin->sin_addr.s_addr);
                put_port(r->peer + put_ipv4(r->peer, r->peer_ip), ntohs(sin->sin_port));
        } else {
                snprintf(r->peer, sizeof(r->peer), "?");
        }
        const union MHD_ConnectionInfo *di =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_DAEMON);
        const union MHD_DaemonInfo *flags =
            di ? MHD_get_daemon_info(di->daemon, MHD_DAEMON_INFO_FLAGS) : NULL;
        r->tls = flags && (flags->flags & MHD_USE_TLS);
        return r;
}

/* Accumulates a request body, refusing more than r->body_max (set before
 * the first byte of it, from the route).  false once over the limit. */
static bool body_append(struct http_req *r, const char *data, size_t len)
{
        if (r->body_too_large)
                return false;
        if (len == 0)
                return true;
        if (r->body_len + len > r->body_max) {
                r->body_too_large = true;
                free(r->body);
                r->body = NULL;
                r->body_len = 0;
                return false;
        }
        char *n = realloc(r->body, r->body_len + len + 1);
        if (!n) {
                r->body_too_large = true;
                return false;
        }
        memcpy(n + r->body_len, data, len);
        r->body = n;
        r->body_len += len;
        r->body[r->body_len] = '\0';
        return true;
}

/* This thread's store, inventory and script cache on r; false without a
 * store. */
static bool bind_thread(struct http_req *r)
{
        struct http_thread *t = thread_state(r->ctx);
        r->store = t ? t->store : NULL;
        r->inv = t ? &t->inv : NULL;
        r->scripts = t ? t->scripts : NULL;
        return r->store != NULL;
}

/* Does the request announce a body (a non-zero Content-Length, or any
 * Transfer-Encoding)? */
static bool body_announced(struct MHD_Connection *conn)
{
        const char *te =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (te)
                return true;
        if (!cl)
                return false;
        while (*cl == ' ' || *cl == '0')
                cl++;
        return *cl != '\0';
}

/* Headers only, before the body: a request that announces a body is
 * answered now when its route takes none or would refuse it, so that the
 * body is never read (libmicrohttpd then closes the connection instead of
 * reading it).  true when answered. */
static bool early_reply(struct http_req *r, enum MHD_Result *reply)
{
        if (!body_announced(r->conn))
                return false;
        const struct http_route *rt = route_find(r->path);
        r->route = rt ? rt->label : "unknown";
        if (!rt || !rt->body || !(method_bit(r->method) & rt->methods)) {
                *reply = http_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                          "%s %s takes no request body", r->method, r->path);
                return true;
        }
        if (!rt->early) {
                r->body_max = HTTP_BODY_MAX;
                return false;
        }
        if (!bind_thread(r)) {
                *reply =
                    http_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "database unavailable");
                return true;
        }
        bool answered = rt->early(r, reply);
        store_idle(r->store);
        return answered;
}

static enum MHD_Result dispatch(struct http_req *r)
{
        const struct http_route *rt = route_find(r->path);
        if (!rt) {
                r->route = "unknown";
                return http_reply_error(r, MHD_HTTP_NOT_FOUND, NULL, "no such path");
        }
        r->route = rt->label;
        if (!(method_bit(r->method) & rt->methods))
                return http_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
                                        "method %s not allowed here", r->method);
        if (r->body_too_large)
                return http_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                        "request body larger than %zu bytes", r->body_max);
        if (!bind_thread(r))
                return http_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                                        "database unavailable");
        enum MHD_Result ret = rt->fn(r);
        store_idle(r->store);
        return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        struct http_ctx *ctx = cls;
        struct http_req *r = *con_cls;
        if (!r) {
                r = req_new(ctx, conn, url, method);
                if (!r)
                        return MHD_NO;
                *con_cls = r;
                const struct conn_ctx *cc = req_conn(conn);
                http_guard_request_started(ctx->guard, cc ? cc->guard : NULL);
                /* A body nobody will take is refused before it is read. */
                enum MHD_Result reply;
                if (early_reply(r, &reply))
                        return reply;
                /* Otherwise answer on the next call, once the request is
                 * fully read: libmicrohttpd 0.9.75 closes the connection after
                 * a response queued on the first call, which would defeat
                 * keep-alive. */
                return MHD_YES;
        }
        if (*upload_data_size) {
                if (r->status)
                        return MHD_NO; /* answered early, yet a body comes: close */
                bool taken = r->body_sink ? r->body_sink(r, upload_data, *upload_data_size)
                                          : body_append(r, upload_data, *upload_data_size);
                if (!taken)
                        return MHD_NO; /* a chunked body over the limit: close */
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (r->status)
                return MHD_YES; /* already answered */
        return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct http_req *r = *con_cls;
        if (!r)
                return;
        const struct conn_ctx *cc = req_conn(conn);
        http_guard_request_done(r->ctx->guard, cc ? cc->guard : NULL);
        bool ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
        if (r->on_done)
                r->on_done(r, ok);
        if (r->status)
                metrics_http_request(r->route, r->status);
        if (log_get_level() >= LOG_INFO)
                log_info("http peer=%s %s %s status=%u bytes=%llu ms=%.1f%s", r->peer, r->method,
                         r->path, r->status, (unsigned long long)r->bytes,
                         (double)(now_us() - r->start_us) / 1000.0, ok ? "" : " incomplete");
        free(r->body);
        free(r->route_data);
        free(r);
        *con_cls = NULL;
}

/* Percent-decodes in place like MHD_http_unescape(), except that "%00"
 * stays as text: a decoded NUL would cut the path short, and
 * "/images/vmlinuz%00.txt" would serve "vmlinuz". */
static size_t unescape_keep_nul(void *cls, struct MHD_Connection *conn, char *s)
{
        char *w = s;
        for (const char *p = s; *p;) {
                int hi = p[0] == '%' ? hex_digit_value(p[1]) : -1;
                int lo = hi >= 0 ? hex_digit_value(p[2]) : -1;
                if (lo >= 0 && (hi | lo) != 0) {
                        *w++ = (char)(hi << 4 | lo);
                        p += 3;
                } else {
                        *w++ = *p++;
                }
        }
        *w = '\0';
        return (size_t)(w - s);
}

/* libmicrohttpd's messages: a client triggers them at will (oversized
 * headers are answered 431 with a message each), so they are rate-limited
 * like every other line a peer can cause. */
static pthread_mutex_t mhd_log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_ratelimit mhd_log_rl;

/* libmicrohttpd's messages are printf formats; say so for -Wformat=2. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
        uint32_t sup = 0;
        pthread_mutex_lock(&mhd_log_lock);
        bool ok = log_ratelimit_ok(&mhd_log_rl, now_us() / 1000, 1, 10, &sup);
        pthread_mutex_unlock(&mhd_log_lock);
        if (!ok)
                return;
        char msg[512];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n'))
                msg[--n] = '\0';
        if (sup)
                log_warn("http: %s (%u similar lines suppressed)", msg, (unsigned)sup);
        else
                log_warn("http: %s", msg);
}

/* Reads a whole PEM file (at most 1 MiB) into a NUL-terminated buffer. */
static int read_pem(const char *path, char **ret)
{
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        char *buf = malloc(1024 * 1024 + 1);
        size_t n = buf ? fread(buf, 1, 1024 * 1024 + 1, f) : 0;
        int r = !buf ? -ENOMEM : ferror(f) ? -EIO : n > 1024 * 1024 ? -EFBIG : 0;
        fclose(f);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[n] = '\0';
        *ret = buf;
        return 0;
}

/* A listening TCP socket on sin, bound while still privileged; the
 * daemons that accept on it start after the privilege drop. */
static int listen_tcp(const struct sockaddr_in *sin, bool reuseport)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
            bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) < 0 || listen(fd, 1024) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* The HTTPS listener ([http] tls_listen): same routes and handlers as the
 * plain one, GnuTLS inside libmicrohttpd.  Requests on it have r->tls set,
 * which makes session cookies Secure.  Reads the key and binds here (still
 * privileged); tls_start() starts its thread. */
static int tls_bind(struct http_server *srv)
{
        const struct http_config *c = srv->ctx.http;
        if (!c->tls_listen.set)
                return 0;
        char where[CONFIG_LISTEN_STRMAX];
        config_listen_format(&c->tls_listen, where);
        uint16_t port = config_listen_port(&c->tls_listen);
        if (!*c->tls_cert || !*c->tls_key) {
                log_error("http: [http] tls_listen needs tls_cert and tls_key");
                return -EINVAL;
        }
        int r = read_pem(c->tls_cert, &srv->tls_cert);
        if (r < 0) {
                log_error("http: tls_cert %s: %s", c->tls_cert, strerror(-r));
                return r;
        }
        r = read_pem(c->tls_key, &srv->tls_key);
        if (r < 0) {
                log_error("http: tls_key %s: %s", c->tls_key, strerror(-r));
                return r;
        }
        srv->tls_local =
            (struct conn_local){.ip = config_listen_addr(&c->tls_listen), .port = port};
        srv->tls_fd = listen_tcp(&c->tls_listen.sa, false);
        if (srv->tls_fd < 0) {
                log_error("http: cannot listen on %s: %s", where, strerror(-srv->tls_fd));
                return srv->tls_fd;
        }
        srv->ctx.tls_enabled = true;
        srv->ctx.tls_port = port;
        return 0;
}

/* Starts the HTTPS daemon (its thread) on the socket tls_bind() opened. */
static int tls_start(struct http_server *srv)
{
        const struct http_config *c = srv->ctx.http;
        if (srv->tls_fd < 0)
                return 0;
        char where[CONFIG_LISTEN_STRMAX];
        config_listen_format(&c->tls_listen, where);
        /* clang-format off */
        srv->tls_daemon = MHD_start_daemon(
                MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TLS |
                        MHD_ALLOW_SUSPEND_RESUME, /* the live stream (live.h) */
                srv->tls_local.port, on_accept, srv, on_request, &srv->ctx,
                MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, to catch everything */
                MHD_OPTION_LISTEN_SOCKET, srv->tls_fd,
                MHD_OPTION_THREAD_POOL_SIZE, 1u, /* UI and API only: light traffic */
                /* As on the plain listener: "%00" must not cut a path short,
                 * and headers get the same room (larger: 431). */
                MHD_OPTION_UNESCAPE_CALLBACK, unescape_keep_nul, NULL,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->connection_timeout_s,
                MHD_OPTION_HTTPS_MEM_CERT, srv->tls_cert,
                MHD_OPTION_HTTPS_MEM_KEY, srv->tls_key,
                MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1",
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv->ctx,
                MHD_OPTION_NOTIFY_CONNECTION, on_connection_tls, srv,
                MHD_OPTION_END);
        /* clang-format on */
        if (!srv->tls_daemon) {
                log_error("http: cannot start HTTPS on %s (bad certificate/key)", where);
                return -EINVAL;
        }
        srv->tls_fd = -1; /* the daemon's now */
        log_info("http: HTTPS listening on %s", where);
        return 0;
}

/* True when nothing listens on addr:port: a plain bind (no SO_REUSEPORT)
 * fails on any socket bound there, including another program's reuseport
 * group, which our SO_REUSEPORT sockets would otherwise silently join. */
static bool port_free(const struct sockaddr_in *sin)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return true; /* let the daemons' own bind report the error */
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        bool ok = bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) == 0 || errno != EADDRINUSE;
        close(fd);
        return ok;
}

/* Wake the daemon for a new connection only once its request has arrived
 * (nginx's "listen ... deferred"): one wakeup per short connection instead
 * of two.  Best effort: without it connections are accepted as before. */
static void defer_accept(int fd)
{
        int secs = HTTP_DEFER_ACCEPT_S;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs));
}

/* The plain-HTTP listener: one libmicrohttpd daemon per thread, each with
 * its own SO_REUSEPORT listening socket and epoll set, so the kernel hands
 * each new connection to one thread.  libmicrohttpd 0.9.75's thread pool
 * puts one shared listening socket in every thread's epoll set instead, so
 * every new connection can wake every thread, and which thread accepts is
 * a race (the benchmark README once saw one worker take all connections).
 * plain_bind() opens the sockets (still privileged), plain_start() starts
 * the threads (after the privilege drop). */
static int plain_bind(struct http_server *srv, const char *where)
{
        const struct http_config *c = srv->ctx.http;
        struct sockaddr_in sin = c->listen.sa;
        uint16_t port = config_listen_port(&c->listen);
        srv->plain_local = (struct conn_local){.ip = config_listen_addr(&c->listen), .port = port};
        size_t n = (size_t)c->threads;
        if (n > HTTP_THREADS_MAX)
                n = HTTP_THREADS_MAX;
        if (port != 0 && !port_free(&sin)) {
                log_error("http: cannot listen on %s: address in use", where);
                return -EADDRINUSE;
        }
        for (size_t i = 0; i < n; i++) {
                int fd = listen_tcp(&sin, true);
                if (fd < 0) {
                        log_error("http: cannot listen on %s: %s", where, strerror(-fd));
                        return fd;
                }
                srv->plain_fds[i] = fd;
                defer_accept(fd);
                if (port == 0) {
                        /* An ephemeral port (tests): the other threads join
                         * the one the kernel picked. */
                        struct sockaddr_in got;
                        socklen_t len = sizeof(got);
                        if (getsockname(fd, (struct sockaddr *)&got, &len) < 0)
                                return -errno;
                        port = ntohs(got.sin_port);
                        sin.sin_port = got.sin_port;
                        srv->plain_local.port = port;
                        srv->ctx.endpoints.http_port = port;
                }
        }
        return 0;
}

static int plain_start(struct http_server *srv, const char *where)
{
        const struct http_config *c = srv->ctx.http;
        size_t n = (size_t)c->threads;
        if (n > HTTP_THREADS_MAX)
                n = HTTP_THREADS_MAX;
        unsigned limit = (unsigned)((c->max_connections + (int64_t)n - 1) / (int64_t)n);
        for (size_t i = 0; i < n; i++) {
                /* clang-format off */
                struct MHD_Daemon *d = MHD_start_daemon(
                        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
                                MHD_ALLOW_SUSPEND_RESUME, /* the live stream (live.h) */
                        srv->plain_local.port, on_accept, srv, on_request, &srv->ctx,
                        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, to catch everything */
                        MHD_OPTION_LISTEN_SOCKET, srv->plain_fds[i],
                        MHD_OPTION_UNESCAPE_CALLBACK, unescape_keep_nul, NULL,
                        MHD_OPTION_CONNECTION_LIMIT, limit,
                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->connection_timeout_s,
                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
                        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv->ctx,
                        MHD_OPTION_NOTIFY_CONNECTION, on_connection_plain, srv,
                        MHD_OPTION_END);
                /* clang-format on */
                if (!d) {
                        log_error("http: cannot start the daemon on %s", where);
                        return -EIO;
                }
                srv->daemons[srv->n_daemons++] = d;
                srv->plain_fds[i] = -1; /* the daemon's now */
        }
        return 0;
}

/* What boot_resolve() and the boot URLs need, from the configuration and
 * the listeners as bound. */
static void boot_setup(struct http_server *srv)
{
        struct http_ctx *ctx = &srv->ctx;
        ctx->resolver = (struct boot_resolver){
            .default_image = ctx->cfg->boot_default_image,
            .retry_s = (long)ctx->cfg->boot_unknown_retry_s,
        };
        ctx->endpoints = (struct boot_endpoints_conf){
            .public_url = ctx->cfg->public_url,
            .http_port = config_listen_port(&ctx->http->listen), /* port 0: plain_start() */
            .https_port = srv->tls_fd >= 0 ? srv->tls_local.port : 0,
        };
}

int http_server_start(const struct config *c, const struct http_config *hc, struct boot_events *ev,
                      struct http_server **ret)
{
        if (!hc->listen.set) {
                *ret = NULL;
                return 0;
        }
        char where[CONFIG_LISTEN_STRMAX];
        config_listen_format(&hc->listen, where);
        pthread_once(&thread_key_once, thread_key_init);

        struct http_server *srv = calloc(1, sizeof(*srv));
        if (!srv)
                return -ENOMEM;
        srv->tls_fd = -1;
        for (size_t i = 0; i < HTTP_THREADS_MAX; i++)
                srv->plain_fds[i] = -1;
        struct http_ctx *ctx = &srv->ctx;
        ctx->cfg = c;
        ctx->http = hc;
        ctx->events = ev;
        ctx->started_ms = store_now_ms();
        ctx->db_path = config_database_path(c);
        char *images = config_images_root(c);
        ctx->images_fd = images ? fsroot_open(images) : -ENOMEM;
        if (ctx->images_fd < 0)
                log_warn("http: images root %s: %s (no /images until it exists)",
                         images ? images : "?", strerror(-ctx->images_fd));
        free(images);
        int r = peer_map_new(&ctx->peers);
        struct http_guard_conf gc = {
            .max_conns_per_addr = hc->max_connections_per_address,
            .max_transfers_per_addr = hc->max_image_transfers_per_address,
            .header_timeout_ms = hc->header_timeout_s * 1000,
            .min_rate = hc->min_transfer_rate,
            .rate_window_ms = hc->transfer_rate_window_s * 1000,
        };
        if (r >= 0)
                r = http_guard_new(&gc, &ctx->guard);
        if (r >= 0)
                r = auth_new(c->auth_login_burst, c->auth_login_refill_s, &ctx->auth);
        if (r >= 0)
                r = sha_cache_new(4096, &ctx->file_sums);
        struct live_conf lc = {.max_total = hc->stream_max,
                               .max_per_addr = hc->stream_max_per_address,
                               .poll_ms = hc->stream_poll_ms};
        if (r >= 0 && hc->stream_max > 0 && ctx->db_path)
                r = live_new(&lc, ctx->db_path, &ctx->live);
        if (r < 0 || !ctx->db_path) {
                http_server_stop(srv);
                return r < 0 ? r : -ENOMEM;
        }
        /* The TLS listener is bound first: its port is one of the boot
         * URLs, fixed before the first request. */
        if ((r = tls_bind(srv)) < 0) {
                http_server_stop(srv);
                return r;
        }
        boot_setup(srv);
        if ((r = plain_bind(srv, where)) < 0) {
                http_server_stop(srv);
                return r;
        }
        *ret = srv;
        return 0;
}

int http_server_run(struct http_server *srv)
{
        if (!srv)
                return 0;
        char where[CONFIG_LISTEN_STRMAX];
        config_listen_format(&srv->ctx.http->listen, where);
        /* Threads start here, after the privilege drop and confinement. */
        int r = http_guard_start(srv->ctx.guard);
        if (r >= 0 && srv->ctx.live)
                r = live_start(srv->ctx.live);
        if (r >= 0)
                r = tls_start(srv);
        if (r >= 0)
                r = plain_start(srv, where);
        if (r < 0)
                return r;
        log_info("http: listening on %s (%lld threads)", where, (long long)srv->ctx.http->threads);
        auth_log_setup_hint(&srv->ctx);
        return 0;
}

void http_server_stop(struct http_server *srv)
{
        if (!srv)
                return;
        live_stop(srv->ctx.live); /* before the daemons: no stream left suspended */
        if (srv->tls_daemon)
                MHD_stop_daemon(srv->tls_daemon);
        for (size_t i = 0; i < srv->n_daemons; i++)
                MHD_stop_daemon(srv->daemons[i]);
        for (size_t i = 0; i < HTTP_THREADS_MAX; i++)
                if (srv->plain_fds[i] >= 0)
                        close(srv->plain_fds[i]);
        if (srv->tls_fd >= 0)
                close(srv->tls_fd);
        free(srv->tls_cert);
        if (srv->tls_key)
                explicit_bzero(srv->tls_key, strlen(srv->tls_key));
        free(srv->tls_key);
        auth_free(srv->ctx.auth);
        live_free(srv->ctx.live);
        if (srv->ctx.guard)
                http_guard_free(srv->ctx.guard);
        if (srv->ctx.images_fd >= 0)
                close(srv->ctx.images_fd);
        sha_cache_free(srv->ctx.file_sums);
        peer_map_free(srv->ctx.peers);
        free(srv->ctx.db_path);
        free(srv);
}

uint16_t http_server_port(const struct http_server *srv)
{
        return srv->plain_local.port;
}
