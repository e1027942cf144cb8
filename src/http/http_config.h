/* The [http] section: listeners, threads, limits, the script cache, TLS.
 * Registered with the configuration loader by the composition root
 * (cli/cli_config.c); http_server.c reads it. */
#pragma once

#include <stdint.h>

#include "core/config.h"

struct http_config {
        struct config_listen listen; /* not set: HTTP off */
        int64_t threads;
        int64_t max_image_transfers; /* concurrent /images bodies; beyond: 503 */
        int64_t retry_after_s;
        int64_t max_connections;
        int64_t connection_timeout_s;
        int64_t max_connections_per_address;     /* across listeners and threads */
        int64_t max_image_transfers_per_address; /* beyond: 503 */
        int64_t header_timeout_s;                /* complete request header, not reset by bytes */
        int64_t min_transfer_rate;               /* image downloads, bytes/s; 0 = none */
        int64_t transfer_rate_window_s;          /* ... measured over this */
        int64_t stream_max;                      /* live stream (SSE) subscribers; 0 = no stream */
        int64_t stream_max_per_address;          /* ... from one client address */
        int64_t stream_poll_ms;          /* how often the stream's watcher reads the store */
        int64_t script_cache;            /* rendered boot scripts kept per thread; 0 = none */
        struct config_listen tls_listen; /* HTTPS (UI, API, boot paths); not set = off */
        char *tls_cert;                  /* PEM certificate chain */
        char *tls_key;                   /* PEM private key */
        struct config_section section;   /* registered by http_config_init's caller */
};

/* Defaults, and c->section ready for config_register(). */
int http_config_init(struct http_config *c);
void http_config_done(struct http_config *c);
