/* iPXE script rendering: the chain script, per-MAC image scripts, the
 * wait-and-retry script for machines without an image, and {{variable}}
 * templates.
 *
 * Pure functions: no store, no sockets.  Values substituted into a script are
 * escaped: anything outside a conservative character set is percent-encoded,
 * so no value can start a new command line, a comment, a "||" or a ${...}
 * setting expansion. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"
#include "store/store.h"

struct script_vars {
        const char *mac;        /* 52:54:00:ab:cd:01 */
        const char *mac_hyphen; /* 52-54-00-ab-cd-01 */
        const char *hostname;   /* "" when none */
        const char *ip;         /* reserved IPv4, "" when none */
        const char *image;      /* image name */
        const char *server;     /* base URL of this server, "http://198.18.0.1" */
        const char *images_url; /* server + "/images" */
        /* Not a template variable: where an administrator assigns an image
         * (the web UI's base URL), named by the wait-and-retry files; NULL =
         * server.  Differs from server when the script's URLs are tftp://. */
        const char *console;
};

#define SCRIPT_ERR_MAX 160

/* Expands {{name}} in tmpl (names as in struct script_vars).  An unknown
 * name or an unterminated "{{" is an error (-EINVAL, err says which).
 * `escape`: percent-encode unsafe bytes of substituted values. */
int ipxe_template_render(const char *tmpl, const struct script_vars *v, struct strbuf *out,
                         char err[SCRIPT_ERR_MAX]);

/* True when every "{{...}}" in tmpl names a known variable. */
bool ipxe_template_check(const char *tmpl, char err[SCRIPT_ERR_MAX]);

/* "#!ipxe" + chain to <server>/boot/${net0/mac}.ipxe. */
void ipxe_script_chain(const char *server, struct strbuf *out);

/* The machine's boot script for img: the image's own template when it has
 * one, else kernel (+cmdline), initrds and boot, with a retry loop on
 * failure. */
int ipxe_script_image(const struct image *img, const struct script_vars *v, struct strbuf *out,
                      char err[SCRIPT_ERR_MAX]);

/* For a MAC without an image: print where to assign one, sleep retry_s,
 * chain to itself again. */
void ipxe_script_wait(const struct script_vars *v, long retry_s, struct strbuf *out);

/* For a machine with netboot off: hand back to the firmware. */
void ipxe_script_exit(const struct script_vars *v, struct strbuf *out);

/* Appends s percent-encoded wherever a byte is outside [A-Za-z0-9._~:/@+=,-]. */
void ipxe_escape(struct strbuf *out, const char *s);
