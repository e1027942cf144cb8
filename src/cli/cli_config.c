/* The daemon's configuration, assembled: core's keys ([server], [images],
 * [boot], [auth], [bootfiles]) plus the sections each protocol module
 * owns and registers here, so core/ knows none of them. */
#include <errno.h>

#include "cli/cli.h"

int cli_config_init(struct cli *c)
{
        if (config_init(&c->cfg) < 0)
                return -ENOMEM;
        int r = http_config_init(&c->http);
        if (r >= 0)
                r = tftp_config_init(&c->tftp);
        if (r >= 0)
                r = dhcp_config_init(&c->dhcp);
        if (r >= 0)
                r = ra_config_init(&c->ra);
        struct config_section *sections[] = {&c->http.section, &c->tftp.section, &c->dhcp.section,
                                             &c->dhcp.subnet_section, &c->ra.section};
        for (size_t i = 0; r >= 0 && i < sizeof(sections) / sizeof(sections[0]); i++)
                r = config_register(&c->cfg, sections[i]);
        if (r < 0) {
                cli_config_done(c);
                return r;
        }
        return 0;
}

void cli_config_done(struct cli *c)
{
        ra_config_done(&c->ra);
        dhcp_config_done(&c->dhcp);
        tftp_config_done(&c->tftp);
        http_config_done(&c->http);
        config_done(&c->cfg);
}
