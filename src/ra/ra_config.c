/* The [ra] keys; see ra_config.h. */
#include "ra/ra_config.h"

#include <stddef.h>
#include <string.h>

#define F(field) offsetof(struct ra_config, field)

static const struct config_key keys[] = {
    {NULL, "enabled", CONFIG_CHOICE, F(enabled), "auto", 0, 0, "auto|true|false|yes|no|1|0",
     "expected auto, true or false"},
    {NULL, "interfaces", CONFIG_IFLIST, F(interfaces), "", 0, 0, NULL, NULL},
    {NULL, "interval_s", CONFIG_INT, F(interval_s), "600", 4, 1800, NULL, NULL},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static int set(void *data, const char *section, const char *key, const char *value, char *err,
               size_t cap)
{
        return config_keys_set_in(keys, N_KEYS, data, section, key, value, err, cap);
}

bool ra_config_enabled(const struct ra_config *c, bool dhcp_server)
{
        const char *v = c->enabled ? c->enabled : "auto";
        if (strcmp(v, "auto") == 0)
                return dhcp_server;
        return strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0;
}

int ra_config_init(struct ra_config *c)
{
        memset(c, 0, sizeof(*c));
        c->section = (struct config_section){.name = "ra", .set = set, .data = c};
        int r = config_keys_init(keys, N_KEYS, c);
        if (r < 0)
                ra_config_done(c);
        return r;
}

void ra_config_done(struct ra_config *c)
{
        config_keys_done(keys, N_KEYS, c);
}
