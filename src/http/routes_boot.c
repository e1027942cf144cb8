/* Boot scripts: /boot.ipxe (chain to the per-MAC script) and
 * /boot/<mac>.ipxe (the machine's script, from its assigned image). */
#include <errno.h>
#include <string.h>

#include "boot/boot_plan.h"
#include "boot/ipxe_script.h"
#include "core/loop.h"
#include "core/log.h"
#include "core/validate.h"
#include "http/routes.h"
#include "http/script_cache.h"

#define SERVER_URL_MAX 1100

static enum MHD_Result reply_script(struct http_req *r, struct strbuf *b)
{
        char *body = strbuf_steal(b);
        if (!body)
                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return http_reply_take(r, MHD_HTTP_OK, "text/plain; charset=utf-8", body, strlen(body));
}

enum MHD_Result routes_boot_chain(struct http_req *r)
{
        char server[SERVER_URL_MAX];
        http_server_url(r, server, sizeof(server));
        struct strbuf b;
        strbuf_init(&b);
        ipxe_script_chain(server, &b);
        return reply_script(r, &b);
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

struct script_ctx {
        char mac[MAC_STR_LEN], mac_hyphen[MAC_STR_LEN], ip[16];
        char images_url[SERVER_URL_MAX + 8];
        struct script_vars vars;
};

/* server: the base URL the machine reaches us at (http_server_boot_url()). */
static void vars_init(const char *server, const struct mac *mac, const struct machine *m,
                      struct script_ctx *sc)
{
        mac_format(mac, sc->mac);
        mac_format_hyphen(mac, sc->mac_hyphen);
        sc->ip[0] = '\0';
        if (m && m->ipv4)
                format_ipv4(m->ipv4, sc->ip);
        size_t n = strlen(server);
        if (n > SERVER_URL_MAX - 1)
                n = SERVER_URL_MAX - 1;
        memcpy(sc->images_url, server, n);
        memcpy(sc->images_url + n, "/images", sizeof("/images"));
        sc->vars = (struct script_vars){
            .mac = sc->mac,
            .mac_hyphen = sc->mac_hyphen,
            .hostname = m && m->hostname ? m->hostname : "",
            .ip = sc->ip,
            .image = "",
            .server = server,
            .images_url = sc->images_url,
        };
}

/* Renders the image's script; on failure (image gone, bad template) falls
 * back to the wait-and-retry script and says why, so the machine keeps
 * polling until the administrator fixes it.  Returns false then. */
static bool render_image(struct http_req *r, const char *image, struct script_ctx *sc,
                         struct strbuf *b, const char **ret_detail)
{
        struct image img;
        char err[SCRIPT_ERR_MAX] = "";
        sc->vars.image = image;
        int rc = store_image_get(r->store, image, &img);
        if (rc == 0) {
                rc = ipxe_script_image(&img, &sc->vars, b, err);
                image_done(&img);
        } else {
                snprintf(err, sizeof(err), "%s", store_errmsg(r->store));
        }
        if (rc == 0) {
                *ret_detail = image;
                return true;
        }
        log_error("http peer=%s mac=%s image=%s: cannot render script: %s", r->peer, sc->mac, image,
                  err);
        strbuf_free(b);
        ipxe_script_wait(&sc->vars, r->ctx->cfg->boot_unknown_retry_s, b);
        *ret_detail = "script error";
        return false;
}

/* The script for mac (record mp, NULL when unknown) per the boot plan.
 * Returns false when it is a fallback for an error (not to be cached). */
static bool render_plan(struct http_req *r, const char *server, const struct mac *mac,
                        const struct machine *mp, struct strbuf *b, const char **ret_detail,
                        bool *ret_via_default)
{
        struct boot_script_plan plan;
        boot_plan_script(mp, r->ctx->cfg->boot_default_image, &plan);
        struct script_ctx sc;
        vars_init(server, mac, mp, &sc);
        *ret_detail = "no image";
        *ret_via_default = plan.via_default;
        switch (plan.kind) {
        case BOOT_SCRIPT_IMAGE:
                return render_image(r, plan.image, &sc, b, ret_detail);
        case BOOT_SCRIPT_WAIT:
                ipxe_script_wait(&sc.vars, r->ctx->cfg->boot_unknown_retry_s, b);
                break;
        case BOOT_SCRIPT_EXIT:
                ipxe_script_exit(&sc.vars, b);
                *ret_detail = "netboot off";
                break;
        }
        return true;
}

int routes_boot_render(struct http_req *r, const struct mac *mac, const struct image *img,
                       struct strbuf *out, char err[SCRIPT_ERR_MAX])
{
        struct machine m;
        int rc = store_machine_get(r->store, mac, &m);
        if (rc < 0 && rc != -ENOENT) {
                snprintf(err, SCRIPT_ERR_MAX, "%s", store_errmsg(r->store));
                return rc;
        }
        const struct machine *mp = rc == 0 ? &m : NULL;
        char server[SERVER_URL_MAX];
        http_server_boot_url(r, server, sizeof(server));
        if (img) {
                struct script_ctx sc;
                vars_init(server, mac, mp, &sc);
                sc.vars.image = img->name ? img->name : "";
                rc = ipxe_script_image(img, &sc.vars, out, err);
        } else {
                const char *detail;
                bool via_default;
                render_plan(r, server, mac, mp, out, &detail, &via_default);
                rc = 0;
        }
        if (mp)
                machine_done(&m);
        return rc;
}

/* A boot contact: the event (machine last seen, event log) and the peer's
 * MAC for later /images requests from the same address. */
static void record_contact(struct http_req *r, const struct mac *mac, const char *detail)
{
        if (r->is_head)
                return;
        boot_events_report(r->ctx->events, mac, "script", r->peer, "%s", detail);
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
        record_contact(r, &e->mac, e->detail);
}

/* Queues a script response the cache keeps a reference to (so no
 * MHD_destroy_response here: the cache owns that reference). */
static enum MHD_Result queue_cached(struct http_req *r, const struct script_cache_entry *e)
{
        r->status = MHD_HTTP_OK;
        r->bytes = e->len;
        return MHD_queue_response(r->conn, MHD_HTTP_OK, e->resp);
}

/* Renders mac's script from the store (one read snapshot) and answers it;
 * with a cache (gen read in the same snapshot), keeps the response there. */
static enum MHD_Result render_and_reply(struct http_req *r, const struct mac *mac,
                                        const char *server)
{
        struct machine m;
        (void)store_read_begin(r->store);
        int64_t gen;
        bool cache = r->scripts && store_script_generation(r->store, &gen) == 0;
        int rc = store_machine_get(r->store, mac, &m);
        if (rc < 0 && rc != -ENOENT) {
                log_error("http peer=%s: %s", r->peer, store_errmsg(r->store));
                store_read_end(r->store);
                return http_reply_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "database error");
        }
        const struct machine *mp = rc == 0 ? &m : NULL;
        struct strbuf b;
        strbuf_init(&b);
        const char *what;
        bool via_default;
        cache = render_plan(r, server, mac, mp, &b, &what, &via_default) && cache;
        store_read_end(r->store);
        char detail[SCRIPT_CACHE_DETAIL_MAX];
        snprintf(detail, sizeof(detail), "%s%s", what, via_default ? " (default image)" : "");
        if (mp)
                machine_done(&m);
        record_contact(r, mac, detail);
        char *body = strbuf_steal(&b);
        if (!body)
                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        size_t len = strlen(body);
        if (!cache)
                return http_reply_take(r, MHD_HTTP_OK, "text/plain; charset=utf-8", body, len);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
                free(body);
                return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        script_cache_sync(r->scripts, gen);
        /* The cache takes the creation reference; queueing adds its own.
         * Not cacheable (a public_url too long for an entry): send it once. */
        if (script_cache_put(r->scripts, mac, server, detail, resp, len) < 0)
                return http_queue(r, MHD_HTTP_OK, resp, len);
        struct script_cache_entry *e = script_cache_get(r->scripts, mac, server);
        if (!r->is_head) { /* record_contact() above */
                e->reported_ms = loop_clock_ms();
                e->reported_ip = r->peer_ip;
        }
        return queue_cached(r, e);
}

enum MHD_Result routes_boot_mac(struct http_req *r)
{
        struct mac mac;
        if (parse_mac_path(r->path, &mac) < 0) {
                r->route = "boot_script_bad";
                return http_reply_text(r, MHD_HTTP_BAD_REQUEST,
                                       "malformed MAC address in path (expected "
                                       "/boot/52:54:00:ab:cd:01.ipxe)");
        }
        char server[SERVER_URL_MAX];
        http_server_boot_url(r, server, sizeof(server));
        /* The cached response stands while the store's script generation is
         * the one it was rendered under (a change by any writer, this
         * process or the CLI, bumps it). */
        int64_t gen;
        if (r->scripts && store_script_generation(r->store, &gen) == 0) {
                script_cache_sync(r->scripts, gen);
                struct script_cache_entry *e = script_cache_get(r->scripts, &mac, server);
                if (e) {
                        record_cached_contact(r, e);
                        return queue_cached(r, e);
                }
        }
        return render_and_reply(r, &mac, server);
}
