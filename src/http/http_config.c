/* The [http] keys; see http_config.h. */
#include "http/http_config.h"

#include <stddef.h>
#include <string.h>

#define F(field) offsetof(struct http_config, field)

static const struct config_key keys[] = {
    {NULL, "listen", CONFIG_LISTEN, F(listen), "0.0.0.0:80", 0, 0, NULL, NULL},
    {NULL, "threads", CONFIG_INT, F(threads), "2", 1, 64, NULL, NULL},
    {NULL, "max_image_transfers", CONFIG_INT, F(max_image_transfers), "256", 1, 100000, NULL, NULL},
    {NULL, "retry_after_s", CONFIG_INT, F(retry_after_s), "5", 1, 3600, NULL, NULL},
    {NULL, "max_connections", CONFIG_INT, F(max_connections), "4096", 16, 1000000, NULL, NULL},
    {NULL, "connection_timeout_s", CONFIG_INT, F(connection_timeout_s), "60", 1, 3600, NULL, NULL},
    {NULL, "max_connections_per_address", CONFIG_INT, F(max_connections_per_address), "64", 0,
     1000000, NULL, NULL},
    {NULL, "max_image_transfers_per_address", CONFIG_INT, F(max_image_transfers_per_address), "8",
     0, 100000, NULL, NULL},
    {NULL, "header_timeout_s", CONFIG_INT, F(header_timeout_s), "30", 0, 3600, NULL, NULL},
    {NULL, "min_transfer_rate", CONFIG_INT, F(min_transfer_rate), "1024", 0, 1000000000, NULL,
     NULL},
    {NULL, "transfer_rate_window_s", CONFIG_INT, F(transfer_rate_window_s), "30", 1, 3600, NULL,
     NULL},
    {NULL, "stream_max", CONFIG_INT, F(stream_max), "64", 0, 10000, NULL, NULL},
    {NULL, "stream_max_per_address", CONFIG_INT, F(stream_max_per_address), "4", 1, 1000, NULL,
     NULL},
    {NULL, "stream_poll_ms", CONFIG_INT, F(stream_poll_ms), "300", 50, 10000, NULL, NULL},
    {NULL, "script_cache", CONFIG_INT, F(script_cache), "16384", 0, 10000000, NULL, NULL},
    {NULL, "tls_listen", CONFIG_LISTEN, F(tls_listen), "", 0, 0, NULL, NULL},
    {NULL, "tls_cert", CONFIG_STR, F(tls_cert), "", 0, 0, NULL, NULL},
    {NULL, "tls_key", CONFIG_STR, F(tls_key), "", 0, 0, NULL, NULL},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static int set(void *data, const char *section, const char *key, const char *value, char *err,
               size_t cap)
{
        return config_keys_set_in(keys, N_KEYS, data, section, key, value, err, cap);
}

int http_config_init(struct http_config *c)
{
        memset(c, 0, sizeof(*c));
        c->section = (struct config_section){.name = "http", .set = set, .data = c};
        int r = config_keys_init(keys, N_KEYS, c);
        if (r < 0)
                http_config_done(c);
        return r;
}

void http_config_done(struct http_config *c)
{
        config_keys_done(keys, N_KEYS, c);
}
