/* Boot scripts over HTTP: /boot.ipxe (chain to the per-MAC script),
 * /boot/<mac>.ipxe (the machine's script) and GRUB's /grub/grub.cfg (chain)
 * and /grub/grub.cfg-01-<mac> (also under /boot/grub/; grub_cfg.h).  An
 * adapter: boot_resolve()
 * decides and renders; this file parses the path, answers from the
 * per-thread cache when it can, and records the boot contact. */
#include <errno.h>
#include <string.h>

#include "boot/boot_resolve.h"
#include "boot/grub_cfg.h"
#include "core/log.h"
#include "core/loop.h"
#include "http/routes.h"
#include "http/script_cache.h"

#define CONTENT_TYPE "text/plain; charset=utf-8"

enum MHD_Result routes_boot_chain(struct http_req *r)
{
        struct boot_endpoints *tmp;
        const struct boot_endpoints *ep = http_endpoints(r, &tmp);
        if (!ep)
                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        struct strbuf b;
        strbuf_init(&b);
        /* Over HTTPS, the chain stays on HTTPS. */
        ipxe_script_chain(r->tls && ep->https ? ep->https : ep->http, &b);
        boot_endpoints_free(tmp);
        char *body = strbuf_steal(&b);
        if (!body)
                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return http_reply_take(r, MHD_HTTP_OK, CONTENT_TYPE, body, strlen(body));
}

/* "/boot/<mac>.ipxe" or ".gpxe" -> MAC (libmicrohttpd already decoded %3A). */
static int parse_mac_path(const char *path, struct mac *ret)
{
        const char *s = path + strlen("/boot/");
        size_t n = strlen(s);
        if (n > 5 && (strcmp(s + n - 5, ".ipxe") == 0 || strcmp(s + n - 5, ".gpxe") == 0))
                n -= 5;
        else
                return -EINVAL;
        return mac_parse(s, n, ret);
}

int routes_boot_render(struct http_req *r, enum boot_format fmt, const struct mac *mac,
                       const struct image *img, struct strbuf *out, char err[SCRIPT_ERR_MAX])
{
        struct boot_endpoints *tmp;
        const struct boot_endpoints *ep = http_endpoints(r, &tmp);
        if (!ep) {
                snprintf(err, SCRIPT_ERR_MAX, "out of memory");
                return -ENOMEM;
        }
        int rc;
        boot_inventory_begin(r->inv);
        if (img) {
                rc = boot_resolve_image(&r->ctx->resolver, r->inv, ep, fmt, mac, img, out, err);
        } else {
                struct boot_result res;
                rc = boot_resolve(&r->ctx->resolver, r->inv, ep, fmt, mac, out, &res);
                if (rc < 0)
                        snprintf(err, SCRIPT_ERR_MAX, "%s", res.err);
        }
        boot_inventory_end(r->inv);
        boot_endpoints_free(tmp);
        return rc;
}

/* A boot contact: the event (machine last seen, event log) and the peer's
 * MAC for later /images requests from the same address.  outcome NULL =
 * ok; a render failure (BOOT_RENDER_ERROR) makes the machine failing. */
static void record_contact(struct http_req *r, const struct mac *mac, const char *detail,
                           const char *outcome)
{
        if (r->is_head)
                return;
        struct boot_step step = {.outcome = outcome};
        boot_events_report_step(r->ctx->events, mac, "script", r->peer, &step, "%s", detail);
        peer_map_set(r->ctx->peers, r->peer_ip, mac, store_now_ms());
}

/* A boot contact answered from the cache.  Repeats of the same script to
 * the same MAC and address within CONTACT_REPEAT_MS are one contact: a
 * real client fetches its script once per boot, and at most every few
 * seconds in a retry loop (the scripts sleep >= 1 s), so nothing a person
 * reads is lost; but a client stuck in a loop without a sleep (a
 * hand-written script chaining itself) would otherwise write thousands of
 * event rows a second, pushing the rest of the boot history out of the
 * bounded event log and keeping the writer busy.  Per thread, so a
 * machine's contacts are recorded at most once a second per thread; its
 * last seen lags by at most that.  The peer map is updated every time. */
#define CONTACT_REPEAT_MS 1000

static void record_cached_contact(struct http_req *r, struct script_cache_entry *e)
{
        if (r->is_head)
                return;
        int64_t now = loop_clock_ms();
        if (e->reported_ms && e->reported_ip == r->peer_ip &&
            now - e->reported_ms < CONTACT_REPEAT_MS) {
                /* The address's MAC for /images stages stays exact even if
                 * another MAC used the address meanwhile. */
                peer_map_set(r->ctx->peers, r->peer_ip, &e->mac, store_now_ms());
                return;
        }
        e->reported_ms = now;
        e->reported_ip = r->peer_ip;
        record_contact(r, &e->mac, e->detail, NULL); /* fallbacks are not cached */
}

/* Queues a response the cache keeps a reference to (so no
 * MHD_destroy_response here: the cache owns that reference). */
static enum MHD_Result queue_cached(struct http_req *r, const struct script_cache_entry *e)
{
        r->status = MHD_HTTP_OK;
        r->bytes = e->len;
        return MHD_queue_response(r->conn, MHD_HTTP_OK, e->resp);
}

/* Keeps the rendered script in the thread's cache (under generation gen)
 * and answers it from there; a response the cache cannot keep goes out
 * once. */
static enum MHD_Result reply_and_cache(struct http_req *r, const struct mac *mac,
                                       const struct boot_endpoints *ep, int64_t gen,
                                       const char *detail, char *body, size_t len)
{
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
                free(body);
                return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
        script_cache_sync(r->scripts, gen);
        /* The cache takes the creation reference; queueing adds its own. */
        if (script_cache_put(r->scripts, mac, ep, detail, resp, len) < 0)
                return http_queue(r, MHD_HTTP_OK, resp, len);
        struct script_cache_entry *e = script_cache_get(r->scripts, mac, ep);
        if (!r->is_head) { /* the caller recorded the contact */
                e->reported_ms = loop_clock_ms();
                e->reported_ip = r->peer_ip;
        }
        return queue_cached(r, e);
}

/* Resolves mac's script (one read snapshot, the generation read in it) and
 * answers it; a script that is not a fallback goes into the cache. */
static enum MHD_Result render_and_reply(struct http_req *r, const struct mac *mac,
                                        const struct boot_endpoints *ep)
{
        boot_inventory_begin(r->inv);
        int64_t gen;
        bool cache = r->scripts && ep->stable && boot_inventory_generation(r->inv, &gen) == 0;
        struct strbuf b;
        strbuf_init(&b);
        struct boot_result res;
        int rc = boot_resolve(&r->ctx->resolver, r->inv, ep, BOOT_FORMAT_IPXE_HTTP, mac, &b, &res);
        boot_inventory_end(r->inv);
        if (rc < 0) {
                strbuf_free(&b);
                if (rc == -ENOMEM)
                        return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
                log_error("http peer=%s: %s", r->peer, res.err);
                return http_reply_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "database error");
        }
        if (res.outcome == BOOT_OUTCOME_FALLBACK) {
                char m[MAC_STR_LEN];
                mac_format(mac, m);
                log_error("http peer=%s mac=%s image=%s: cannot render script (%s: %s); sent the "
                          "wait-and-retry script",
                          r->peer, m, res.image, boot_failure_name(res.failure), res.err);
        }
        char detail[BOOT_DETAIL_LEN];
        boot_result_detail(&res, detail);
        record_contact(r, mac, detail,
                       res.outcome == BOOT_OUTCOME_FALLBACK ? BOOT_RENDER_ERROR : NULL);
        size_t len = b.len;
        char *body = strbuf_steal(&b);
        if (!body)
                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        if (!cache || !res.cacheable)
                return http_reply_take(r, MHD_HTTP_OK, CONTENT_TYPE, body, len);
        return reply_and_cache(r, mac, ep, gen, detail, body, len);
}

/* GRUB's configuration: the chain, or the machine's file in format grub
 * (rendered each time: the script cache holds iPXE scripts). */
enum MHD_Result routes_boot_grub(struct http_req *r)
{
        struct mac mac;
        enum grub_cfg_path kind = grub_cfg_path_classify(r->path + 1, &mac);
        if (kind == GRUB_CFG_PATH_NONE)
                return http_reply_text(r, MHD_HTTP_NOT_FOUND, "not found");
        struct strbuf b;
        strbuf_init(&b);
        if (kind == GRUB_CFG_PATH_CHAIN) {
                r->route = "grub_chain";
                grub_cfg_chain(r->ctx->resolver.retry_s, &b);
        } else {
                r->route = "grub_cfg";
                struct boot_endpoints *tmp;
                const struct boot_endpoints *ep = http_endpoints(r, &tmp);
                if (!ep)
                        return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
                struct boot_result res;
                boot_inventory_begin(r->inv);
                int rc =
                    boot_resolve(&r->ctx->resolver, r->inv, ep, BOOT_FORMAT_GRUB, &mac, &b, &res);
                boot_inventory_end(r->inv);
                boot_endpoints_free(tmp);
                if (rc < 0) {
                        strbuf_free(&b);
                        if (rc == -ENOMEM)
                                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                                       "out of memory");
                        log_error("http peer=%s: %s", r->peer, res.err);
                        return http_reply_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "database error");
                }
                char m[MAC_STR_LEN], detail[BOOT_DETAIL_LEN];
                mac_format(&mac, m);
                if (res.outcome == BOOT_OUTCOME_FALLBACK)
                        log_error("http peer=%s mac=%s image=%s: cannot render GRUB configuration "
                                  "(%s: %s); sent the wait-and-retry file",
                                  r->peer, m, res.image, boot_failure_name(res.failure), res.err);
                boot_result_detail(&res, detail);
                if (!r->is_head) {
                        struct boot_step step = {
                            .outcome = res.outcome == BOOT_OUTCOME_FALLBACK ? BOOT_RENDER_ERROR
                                       : kind == GRUB_CFG_PATH_FAILED       ? BOOT_ERROR
                                                                            : NULL};
                        boot_events_report_step(
                            r->ctx->events, &mac, "script", r->peer, &step, "grub: %s%s",
                            kind == GRUB_CFG_PATH_FAILED ? "boot failed, retrying: " : "", detail);
                        peer_map_set(r->ctx->peers, r->peer_ip, &mac, store_now_ms());
                }
        }
        size_t len = b.len;
        char *body = strbuf_steal(&b);
        if (!body)
                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return http_reply_take(r, MHD_HTTP_OK, CONTENT_TYPE, body, len);
}

enum MHD_Result routes_boot_mac(struct http_req *r)
{
        if (strncmp(r->path, "/boot/grub/", 11) == 0)
                return routes_boot_grub(r);
        struct mac mac;
        if (parse_mac_path(r->path, &mac) < 0) {
                r->route = "boot_script_bad";
                return http_reply_text(r, MHD_HTTP_BAD_REQUEST,
                                       "malformed MAC address in path (expected "
                                       "/boot/52:54:00:ab:cd:01.ipxe)");
        }
        struct boot_endpoints *tmp;
        const struct boot_endpoints *ep = http_endpoints(r, &tmp);
        if (!ep)
                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        /* The cached response stands while the inventory's script
         * generation is the one it was rendered under (a change by any
         * writer, this process or the CLI, bumps it). */
        int64_t gen;
        if (r->scripts && ep->stable && boot_inventory_generation(r->inv, &gen) == 0) {
                script_cache_sync(r->scripts, gen);
                struct script_cache_entry *e = script_cache_get(r->scripts, &mac, ep);
                if (e) {
                        record_cached_contact(r, e);
                        return queue_cached(r, e);
                }
        }
        enum MHD_Result ret = render_and_reply(r, &mac, ep);
        boot_endpoints_free(tmp);
        return ret;
}
