/* Serves the embedded web UI: "/" is index.html, "/ui/<name>" the other
 * files.  Every other top-level name falls through to the first-stage boot
 * files (routes_bootfile), so http://server/ipxe.efi keeps working.
 *
 * Responses carry a strict Content-Security-Policy (scripts and styles from
 * this origin only, no inline code, no framing), ETags for cheap
 * revalidation, and Cache-Control: no-cache so an upgrade is seen at once. */
#include "http/ui_assets.h"

#include <stdio.h>
#include <string.h>

#include "http/routes.h"

static const char CSP[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                          "base-uri 'none'; frame-ancestors 'none'";

const struct ui_asset *ui_asset_find(const char *name)
{
        for (const struct ui_asset *a = ui_assets; a->name; a++)
                if (strcmp(a->name, name) == 0)
                        return a;
        return NULL;
}

static void security_headers(struct MHD_Response *resp)
{
        MHD_add_response_header(resp, "Content-Security-Policy", CSP);
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
}

static enum MHD_Result serve_asset(struct http_req *r, const struct ui_asset *a)
{
        const char *inm = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
        bool fresh = inm && strstr(inm, a->etag);
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            fresh ? 0 : a->len, fresh ? NULL : (void *)a->data, MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, a->etag);
        security_headers(resp);
        return http_queue(r, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, resp, fresh ? 0 : a->len);
}

/* With HTTPS configured, the UI on plain HTTP redirects there: the login
 * form must not send a password in the clear. */
static enum MHD_Result redirect_tls(struct http_req *r)
{
        const char *host = http_header(r, MHD_HTTP_HEADER_HOST);
        char h[256] = "";
        if (host) {
                size_t n = strcspn(host, host[0] == '[' ? "]" : ":");
                if (host[0] == '[' && host[n] == ']')
                        n++;
                if (n < sizeof(h) && strspn(host, "abcdefghijklmnopqrstuvwxyz"
                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") >= n)
                        snprintf(h, sizeof(h), "%.*s", (int)n, host);
        }
        if (!*h)
                return http_reply_text(r, MHD_HTTP_FORBIDDEN, "the web UI is served over HTTPS");
        char loc[320];
        snprintf(loc, sizeof(loc), "https://%s:%u%s", h, (unsigned)r->ctx->tls_port, r->path);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
        return http_queue(r, MHD_HTTP_PERMANENT_REDIRECT, resp, 0);
}

enum MHD_Result routes_ui(struct http_req *r)
{
        if (r->ctx->tls_enabled && !r->tls)
                return redirect_tls(r);
        const struct ui_asset *a = ui_asset_find(r->path + strlen("/ui/"));
        if (!a || strcmp(a->name, "index.html") == 0)
                return http_reply_error(r, MHD_HTTP_NOT_FOUND, NULL, "no such file");
        return serve_asset(r, a);
}

enum MHD_Result routes_root(struct http_req *r)
{
        if (strcmp(r->path, "/") != 0 && strcmp(r->path, "/index.html") != 0)
                return routes_bootfile(r);
        r->route = "ui";
        if (r->ctx->tls_enabled && !r->tls)
                return redirect_tls(r);
        const struct ui_asset *a = ui_asset_find("index.html");
        if (!a)
                return http_reply_error(r, MHD_HTTP_NOT_FOUND, NULL, "no UI in this build");
        return serve_asset(r, a);
}
