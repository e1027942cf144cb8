/* GET /metrics: Prometheus text exposition (format 0.0.4).
 *
 * Counters come from core/metrics (DHCP, TFTP, HTTP, boot stages, refused
 * image transfers); gauges are read here at scrape time (leases in use per
 * subnet, machines per state, transfers in flight, uptime).  [auth] metrics
 * = token requires an API token or a session (any role). */
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "http/auth.h"
#include "http/routes.h"

/* Any valid credential may read metrics; the token's role does not matter. */
static bool metrics_authorized(struct http_req *r)
{
        if (strcmp(r->ctx->cfg->auth_metrics, "open") == 0)
                return true;
        const char *tok = auth_bearer(http_header(r, MHD_HTTP_HEADER_AUTHORIZATION));
        if (tok) {
                uint8_t h[STORE_SECRET_HASH_LEN];
                auth_secret_hash(tok, h);
                struct api_token t;
                if (store_token_lookup(r->store, h, store_now_ms(), &t) == 0) {
                        free(t.name);
                        return true;
                }
                return false;
        }
        char sid[AUTH_SECRET_HEX + 8];
        if (auth_cookie_get(http_header(r, MHD_HTTP_HEADER_COOKIE),
                            r->tls ? AUTH_COOKIE_TLS : AUTH_COOKIE, sid, sizeof(sid)) < 0)
                return false;
        uint8_t h[STORE_SECRET_HASH_LEN];
        auth_secret_hash(sid, h);
        struct auth_session ss;
        const struct config *c = r->ctx->cfg;
        if (store_session_lookup(r->store, h, store_now_ms(), c->auth_session_idle_s * 1000,
                                 c->auth_session_max_s * 1000, &ss) < 0)
                return false;
        auth_session_done(&ss);
        return true;
}

static void gauge_head(struct strbuf *b, const char *name, const char *help)
{
        strbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void render_gauges(struct http_req *r, struct strbuf *b)
{
        struct http_ctx *ctx = r->ctx;
        int64_t now = store_now_ms();
        struct lease_subnet_count *subnets;
        size_t n;
        gauge_head(b, "bootherd_leases_in_use", "Bound, unexpired DHCP leases per subnet.");
        if (store_lease_in_use(r->store, now, &subnets, &n) == 0) {
                for (size_t i = 0; i < n; i++) {
                        strbuf_puts(b, "bootherd_leases_in_use{subnet=\"");
                        metrics_escape_label(b, subnets[i].subnet);
                        strbuf_printf(b, "\"} %lld\n", (long long)subnets[i].in_use);
                }
                free(subnets);
        }
        int64_t by_state[3];
        gauge_head(b, "bootherd_machines", "Machines in the inventory, by state.");
        if (store_machine_counts(r->store, by_state) == 0)
                for (int i = 0; i < 3; i++)
                        strbuf_printf(b, "bootherd_machines{state=\"%s\"} %lld\n",
                                      machine_state_name((enum machine_state)i),
                                      (long long)by_state[i]);
        gauge_head(b, "bootherd_image_transfers_in_flight",
                   "Image downloads being sent right now.");
        strbuf_printf(b, "bootherd_image_transfers_in_flight %d\n",
                      atomic_load(&ctx->image_transfers));
        strbuf_printf(b,
                      "# HELP bootherd_boot_events_dropped_total Boot events lost to a full "
                      "queue.\n# TYPE bootherd_boot_events_dropped_total counter\n"
                      "bootherd_boot_events_dropped_total %llu\n",
                      (unsigned long long)boot_events_dropped(ctx->events));
        gauge_head(b, "bootherd_uptime_seconds", "Seconds since the HTTP server started.");
        strbuf_printf(b, "bootherd_uptime_seconds %lld\n",
                      (long long)((now - ctx->started_ms) / 1000));
        strbuf_printf(b,
                      "# HELP bootherd_build_info Version of this bootherd.\n"
                      "# TYPE bootherd_build_info gauge\n"
                      "bootherd_build_info{version=\"%s\"} 1\n",
                      BOOTHERD_VERSION);
}

enum MHD_Result routes_metrics(struct http_req *r)
{
        if (!metrics_authorized(r)) {
                struct MHD_Response *resp = MHD_create_response_from_buffer(
                    strlen("authentication required\n"), (void *)"authentication required\n",
                    MHD_RESPMEM_PERSISTENT);
                if (!resp)
                        return MHD_NO;
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
                MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                        "Bearer realm=\"bootherd\"");
                return http_queue(r, MHD_HTTP_UNAUTHORIZED, resp, 24);
        }
        struct strbuf b;
        strbuf_init(&b);
        metrics_render(&b);
        render_gauges(r, &b);
        size_t len = b.len;
        char *body = strbuf_steal(&b);
        if (!body)
                return http_reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return http_reply_take(r, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body,
                               len);
}
