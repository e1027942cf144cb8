/* Image files: /images/<path> beneath the images root (kernel-confined),
 * and first-stage binaries from the boot-file map at /<name> (UEFI HTTP
 * Boot fetches http://server/ipxe.efi).  HEAD, ETag/If-None-Match,
 * Last-Modified, single byte Range, sendfile (libmicrohttpd fd responses),
 * and a cap on concurrent transfers answered with 503 + Retry-After. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked (glibc's lacks it) */
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsroot.h"
#include "core/log.h"
#include "core/loop.h"
#include "http/http_range.h"
#include "http/routes.h"

/* How long after its script a machine's file downloads are attributed to it. */
#define STAGE_ATTRIBUTION_MS (30 * 60 * 1000)

/* A file request's own state (http_req.route_data), for images_done(). */
struct image_req {
        bool counted;   /* holds a transfer slot */
        bool stage;     /* an /images file: may be a machine's kernel or initrd */
        uint64_t size;  /* the body's length */
        int64_t acked0; /* the connection's TCP bytes acknowledged when queued; -1 unknown */
        char path[];    /* the path under the images root */
};

static void images_done(struct http_req *r, bool completed_ok);
static const char *peer_artifact(struct http_req *r, const char *rel, struct mac *ret_mac);

/* Bytes the client acknowledged on this connection so far (TCP_INFO), or
 * -1: libmicrohttpd does not count what an aborted response sent. */
static int64_t conn_acked(struct http_req *r)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct tcp_info ti;
        socklen_t len = sizeof(ti);
        if (!ci || getsockopt(ci->connect_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
            len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
                return -1;
        return (int64_t)ti.tcpi_bytes_acked;
}

/* Attaches the request state (GET only: HEAD sends no body).  false when
 * out of memory. */
static bool image_req_attach(struct http_req *r, const char *path, bool stage)
{
        if (r->is_head)
                return true;
        size_t n = strlen(path);
        struct image_req *ir = malloc(sizeof(*ir) + n + 1);
        if (!ir)
                return false;
        ir->counted = false;
        ir->stage = stage;
        ir->size = 0;
        ir->acked0 = -1;
        memcpy(ir->path, path, n + 1);
        r->route_data = ir;
        r->on_done = images_done;
        return true;
}

static void make_etag(const struct stat *st, char out[64])
{
        snprintf(out, 64, "\"%llx-%llx-%llx\"", (unsigned long long)st->st_ino,
                 (unsigned long long)st->st_size,
                 (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
                     (unsigned long long)st->st_mtim.tv_nsec);
}

/* True when an If-None-Match list contains etag (or "*"). */
static bool etag_matches(const char *inm, const char *etag)
{
        if (!inm)
                return false;
        if (strcmp(inm, "*") == 0)
                return true;
        size_t n = strlen(etag);
        for (const char *p = strstr(inm, etag); p; p = strstr(p + 1, etag)) {
                char after = p[n];
                if (after == '\0' || after == ',' || after == ' ')
                        return true;
        }
        return false;
}

static enum MHD_Result reply_busy(struct http_req *r)
{
        char retry[16];
        snprintf(retry, sizeof(retry), "%lld", (long long)r->ctx->http->retry_after_s);
        char *body = strdup("{\"error\":\"too many image transfers in progress; retry later\"}");
        struct MHD_Response *resp =
            body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE)
                 : NULL;
        if (!resp) {
                free(body);
                return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        /* iPXE retries any response carrying Retry-After after that delay. */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
        r->route = "images_busy";
        return http_queue(r, MHD_HTTP_SERVICE_UNAVAILABLE, resp, strlen(body));
}

/* Takes a slot for a body transfer (given back by images_done()); false
 * when at the cap. */
static bool take_slot(struct http_req *r)
{
        struct image_req *ir = r->route_data;
        int limit = (int)r->ctx->http->max_image_transfers;
        int cur = atomic_load(&r->ctx->image_transfers);
        do {
                if (cur >= limit)
                        return false;
        } while (!atomic_compare_exchange_weak(&r->ctx->image_transfers, &cur, cur + 1));
        /* And the client address's own share of them. */
        if (!http_transfer_begin(r)) {
                atomic_fetch_sub(&r->ctx->image_transfers, 1);
                return false;
        }
        ir->counted = true;
        return true;
}

/* Serves an open regular file (fd taken over). */
static enum MHD_Result serve_fd(struct http_req *r, int fd, const struct stat *st,
                                const char *content_type)
{
        char etag[64], lm[32];
        make_etag(st, etag);
        http_date(st->st_mtim.tv_sec, lm);

        unsigned status = MHD_HTTP_OK;
        uint64_t size = (uint64_t)st->st_size, first = 0, len = size;
        bool not_modified = etag_matches(http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag);
        enum http_range_result rr = HTTP_RANGE_NONE;
        const char *if_range = http_header(r, MHD_HTTP_HEADER_IF_RANGE);
        if (!not_modified && (!if_range || strcmp(if_range, etag) == 0))
                rr = http_range_parse(http_header(r, MHD_HTTP_HEADER_RANGE), size, &first, &len);

        struct MHD_Response *resp;
        char cr[96];
        if (not_modified || rr == HTTP_RANGE_UNSATISFIABLE) {
                close(fd);
                resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
                status = not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_RANGE_NOT_SATISFIABLE;
                len = 0;
                if (!not_modified) {
                        snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
                        if (resp)
                                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
                }
        } else {
                if (!r->is_head && !take_slot(r)) {
                        close(fd);
                        return reply_busy(r);
                }
                if (r->route_data) {
                        struct image_req *ir = r->route_data;
                        ir->size = len;
                        ir->acked0 = conn_acked(r);
                }
                /* fd responses go out with sendfile(2) on plain connections. */
                resp = MHD_create_response_from_fd_at_offset64(len, fd, (int64_t)first);
                if (!resp)
                        close(fd);
                if (rr == HTTP_RANGE_OK) {
                        status = MHD_HTTP_PARTIAL_CONTENT;
                        snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)first,
                                 (unsigned long long)(first + len - 1), (unsigned long long)size);
                        if (resp)
                                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
                }
        }
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
        if (status != MHD_HTTP_NOT_MODIFIED)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        return http_queue(r, status, resp, r->is_head ? 0 : len);
}

enum MHD_Result routes_images(struct http_req *r)
{
        const char *rel = r->path + strlen("/images/");
        if (r->ctx->images_fd < 0)
                return http_reply_error(r, MHD_HTTP_NOT_FOUND, NULL, "no images root");
        struct stat st;
        int fd = fsroot_open_file(r->ctx->images_fd, rel, &st);
        if (fd < 0) {
                /* Escapes (EXDEV), symlinks (ELOOP), directories and devices all
                 * look like "not found" to the client; the log says which. */
                log_info("http peer=%s images path \"%s\" refused: %s", r->peer, rel,
                         strerror(-fd));
                /* A machine's own kernel or initrd missing: its boot fails
                 * here, and that is recorded as such. */
                struct mac mac;
                const char *stage = r->is_head ? NULL : peer_artifact(r, rel, &mac);
                if (stage) {
                        struct boot_step step = {.outcome = BOOT_NOT_FOUND};
                        boot_events_report_step(r->ctx->events, &mac, stage, r->peer, &step,
                                                "%s: HTTP 404", rel);
                }
                return http_reply_error(r, MHD_HTTP_NOT_FOUND, NULL, "not found");
        }
        if (!image_req_attach(r, rel, true)) {
                close(fd);
                return MHD_NO;
        }
        return serve_fd(r, fd, &st, "application/octet-stream");
}

enum MHD_Result routes_bootfile(struct http_req *r)
{
        const char *name = r->path + 1;
        const char *path = bootfiles_find(&r->ctx->cfg->bootfiles, name);
        if (!path)
                return http_reply_error(r, MHD_HTTP_NOT_FOUND, NULL, "no such path");
        /* A boot-file map path is trusted configuration, resolved at start-up. */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                if (fd >= 0)
                        close(fd);
                log_warn("http peer=%s boot file %s (%s) unavailable", r->peer, name, path);
                return http_reply_error(r, MHD_HTTP_NOT_FOUND, NULL, "not found");
        }
        if (!image_req_attach(r, "", false)) {
                close(fd);
                return MHD_NO;
        }
        return serve_fd(r, fd, &st, "application/efi");
}

/* Does `rel` (a path under the images root) name one of the image's files? */
static const char *artifact_stage(const struct image *img, const char *rel)
{
        if (img->kernel && strcmp(img->kernel, rel) == 0)
                return "kernel";
        for (size_t i = 0; i < img->n_initrds; i++)
                if (strcmp(img->initrds[i], rel) == 0)
                        return "initrd";
        if (img->kernel_arm64 && strcmp(img->kernel_arm64, rel) == 0)
                return "kernel";
        for (size_t i = 0; i < img->n_initrds_arm64; i++)
                if (strcmp(img->initrds_arm64[i], rel) == 0)
                        return "initrd";
        return NULL;
}

/* The boot stage ("kernel", "initrd") that rel is for the machine the
 * peer is (peer map), or NULL; *ret_mac gets that machine. */
static const char *peer_artifact(struct http_req *r, const char *rel, struct mac *ret_mac)
{
        if (!r->store ||
            !peer_map_get(r->ctx->peers, r->peer_ip, store_now_ms(), STAGE_ATTRIBUTION_MS, ret_mac))
                return NULL;
        struct machine m;
        if (store_machine_get(r->store, ret_mac, &m) < 0)
                return NULL;
        const char *image = m.image ? m.image : r->ctx->cfg->boot_default_image;
        const char *stage = NULL;
        struct image img;
        if (image && *image && store_image_get(r->store, image, &img) == 0) {
                stage = artifact_stage(&img, rel);
                image_done(&img);
        }
        machine_done(&m);
        return stage;
}

/* An /images response is done: the transfer slot goes back, and a kernel
 * or initrd sent to a machine (peer map) is its boot stage: whole, or
 * aborted with what the client acknowledged of it. */
static void images_done(struct http_req *r, bool completed_ok)
{
        const struct image_req *ir = r->route_data;
        if (!ir->counted)
                return;
        atomic_fetch_sub(&r->ctx->image_transfers, 1);
        http_transfer_end(r);
        /* A stage is a whole file: not a 206 part of one. */
        if (!ir->stage || r->status != MHD_HTTP_OK)
                return;
        struct mac mac;
        const char *stage = peer_artifact(r, ir->path, &mac);
        if (!stage)
                return;
        struct boot_step step = {
            .xfer = true,
            .bytes = (int64_t)ir->size,
            .size = (int64_t)ir->size,
            .duration_ms = loop_clock_ms() - r->start_us / 1000, /* both CLOCK_MONOTONIC */
        };
        if (!completed_ok) {
                /* Acknowledged bytes include the response head: an
                 * estimate, at most the size. */
                int64_t acked = conn_acked(r);
                step.outcome = BOOT_ABORTED;
                step.bytes = ir->acked0 >= 0 && acked >= ir->acked0 ? acked - ir->acked0 : 0;
                if (step.bytes > step.size)
                        step.bytes = step.size;
        }
        boot_events_report_step(r->ctx->events, &mac, stage, r->peer, &step,
                                completed_ok ? "%s" : "%s: download aborted", ir->path);
}
