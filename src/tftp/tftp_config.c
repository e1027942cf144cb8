/* The [tftp] keys; see tftp_config.h. */
#include "tftp/tftp_config.h"

#include <stddef.h>
#include <string.h>

#define F(field) offsetof(struct tftp_config, field)

static const struct config_key keys[] = {
    {NULL, "enabled", CONFIG_BOOL, F(enabled), "true", 0, 0, NULL, NULL},
    {NULL, "listen", CONFIG_LISTEN, F(listen), "0.0.0.0:69", 0, 0, NULL, NULL},
    {NULL, "root", CONFIG_STR, F(root), "/usr/lib/ipxe", 0, 0, NULL, NULL},
    {NULL, "max_blksize", CONFIG_INT, F(max_blksize), "65464", 512, 65464, NULL, NULL},
    {NULL, "max_windowsize", CONFIG_INT, F(max_windowsize), "64", 1, 1024, NULL, NULL},
    {NULL, "max_transfers", CONFIG_INT, F(max_transfers), "256", 1, 100000, NULL, NULL},
    {NULL, "max_per_client", CONFIG_INT, F(max_per_client), "8", 1, 100000, NULL, NULL},
    {NULL, "timeout_ms", CONFIG_INT, F(timeout_ms), "1000", 100, 255000, NULL, NULL},
    {NULL, "retries", CONFIG_INT, F(retries), "8", 1, 100, NULL, NULL},
    {NULL, "grub_send_ahead", CONFIG_INT, F(grub_send_ahead), "16", 0, 64, NULL, NULL},
    {NULL, "pxelinux_tftp_paths", CONFIG_BOOL, F(pxelinux_tftp_paths), "false", 0, 0, NULL, NULL},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static int set(void *data, const char *section, const char *key, const char *value, char *err,
               size_t cap)
{
        return config_keys_set_in(keys, N_KEYS, data, section, key, value, err, cap);
}

int tftp_config_init(struct tftp_config *c)
{
        memset(c, 0, sizeof(*c));
        c->section = (struct config_section){.name = "tftp", .set = set, .data = c};
        int r = config_keys_init(keys, N_KEYS, c);
        if (r < 0)
                tftp_config_done(c);
        return r;
}

void tftp_config_done(struct tftp_config *c)
{
        config_keys_done(keys, N_KEYS, c);
}
