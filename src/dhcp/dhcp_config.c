/* DHCP configuration keys; see dhcp_config.h. */
#include "dhcp/dhcp_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot_plan.h"
#include "core/validate.h"

_Static_assert(DHCP_BOOT_SLOTS == BOOT_ARCH_N, "one boot file per arch slot");

/* Debian 12's ipxe package ships x86 builds only (pxe-facts.md).  UEFI
 * x86-64 gets snponly.efi, falling back per machine to ipxe.efi
 * (boot_plan.h). */
static const char *const default_boot_files[DHCP_BOOT_SLOTS] = {
    [BOOT_ARCH_BIOS] = "undionly.kpxe",
    [BOOT_ARCH_EFI_X64] = BOOT_SNPONLY_FILE,
    [BOOT_ARCH_HTTP_X64] = BOOT_SNPONLY_FILE,
    /* ARM64 UEFI: no iPXE in Debian; signed network GRUB over PXE, a GRUB
     * with the http module over HTTP Boot (docs/firmware.md). */
    [BOOT_ARCH_EFI_ARM64] = "grubaa64.efi",
    [BOOT_ARCH_HTTP_ARM64] = "grubaa64-http.efi",
};

static void subnet_defaults(struct dhcp_subnet_conf *s, const char *name)
{
        memset(s, 0, sizeof(*s));
        snprintf(s->name, sizeof(s->name), "%s", name);
        s->lease_time_s = 3600;
}

static int section_set(void *data, const char *section, const char *key, const char *value,
                       char *err, size_t cap)
{
        char why[DHCP_CONFIG_ERR_MAX];
        int r = dhcp_config_set(data, section, key, value, why);
        if (r < 0)
                snprintf(err, cap, "%s", why);
        return r;
}

int dhcp_config_init(struct dhcp_config *c)
{
        memset(c, 0, sizeof(*c));
        c->section = (struct config_section){.name = "dhcp", .set = section_set, .data = c};
        c->subnet_section = (struct config_section){
            .name = "subnet", .prefix = true, .set = section_set, .data = c};
        c->mode = DHCP_MODE_OFF;
        c->decline_quarantine_s = 3600;
        c->max_request_age_ms = 1000;
        c->snponly_fallback_s = 60;
        subnet_defaults(&c->local, "");
        for (size_t i = 0; i < DHCP_BOOT_SLOTS; i++) {
                c->boot_files[i] = strdup(default_boot_files[i] ? default_boot_files[i] : "");
                if (!c->boot_files[i]) {
                        dhcp_config_done(c);
                        return -ENOMEM;
                }
        }
        return 0;
}

void dhcp_config_done(struct dhcp_config *c)
{
        for (size_t i = 0; i < DHCP_BOOT_SLOTS; i++) {
                free(c->boot_files[i]);
                c->boot_files[i] = NULL;
        }
        free(c->subnets);
        c->subnets = NULL;
        c->n_subnets = 0;
}

int dhcp_config_parse_cidr(const char *s, uint32_t *ret_network, uint32_t *ret_mask)
{
        const char *slash = strchr(s, '/');
        char addr[16];
        if (!slash || (size_t)(slash - s) >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, s, (size_t)(slash - s));
        addr[slash - s] = 0;
        uint32_t ip;
        if (validate_ipv4(addr, &ip) < 0)
                return -EINVAL;
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || bits < 8 || bits > 30)
                return -EINVAL;
        uint32_t mask = (uint32_t)(0xffffffffull << (32 - bits));
        if (ip & ~mask)
                return -EINVAL;
        *ret_network = ip;
        *ret_mask = mask;
        return 0;
}

/* Splits on blanks and commas; calls fn for each word. */
static int each_word(const char *value, int (*fn)(void *ctx, const char *w), void *ctx)
{
        char buf[512];
        if (strlen(value) >= sizeof(buf))
                return -E2BIG;
        snprintf(buf, sizeof(buf), "%s", value);
        char *save = NULL;
        for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
                int r = fn(ctx, w);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct ip_list {
        uint32_t *ips;
        size_t n, max;
};

static int add_ip(void *ctx, const char *w)
{
        struct ip_list *l = ctx;
        uint32_t ip;
        if (validate_ipv4(w, &ip) < 0 || ip == 0)
                return -EINVAL;
        if (l->n >= l->max)
                return -E2BIG;
        l->ips[l->n++] = ip;
        return 0;
}

static int parse_ips(const char *value, uint32_t *ips, size_t max, size_t *ret_n)
{
        struct ip_list l = {.ips = ips, .max = max};
        int r = each_word(value, add_ip, &l);
        if (r < 0)
                return r;
        *ret_n = l.n;
        return 0;
}

static int parse_range(const char *value, struct dhcp_subnet_conf *s)
{
        uint32_t ips[2];
        size_t n;
        if (!*value) {
                s->range_first = s->range_last = 0;
                return 0;
        }
        if (parse_ips(value, ips, 2, &n) < 0 || n != 2 || ips[0] > ips[1])
                return -EINVAL;
        s->range_first = ips[0];
        s->range_last = ips[1];
        return 0;
}

static int parse_int(const char *value, int64_t min, int64_t max, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Keys valid in both [dhcp] and [subnet NAME].  Returns 1 when key is not
 * one of them. */
static int set_subnet_key(struct dhcp_subnet_conf *s, const char *key, const char *value,
                          const char **why)
{
        uint32_t ip;
        size_t n;
        if (strcmp(key, "range") == 0) {
                *why = "expected FIRST LAST (IPv4, FIRST <= LAST)";
                return parse_range(value, s);
        }
        if (strcmp(key, "router") == 0) {
                *why = "expected an IPv4 address or empty";
                if (!*value) {
                        s->router = 0;
                        return 0;
                }
                if (validate_ipv4(value, &ip) < 0)
                        return -EINVAL;
                s->router = ip;
                return 0;
        }
        if (strcmp(key, "dns") == 0) {
                *why = "expected up to 4 IPv4 addresses";
                if (parse_ips(value, s->dns, DHCP_DNS_MAX, &n) < 0)
                        return -EINVAL;
                s->n_dns = n;
                return 0;
        }
        if (strcmp(key, "domain") == 0) {
                *why = "expected a domain name (RFC 1123)";
                if (*value && !validate_hostname(value))
                        return -EINVAL;
                snprintf(s->domain, sizeof(s->domain), "%s", value);
                return 0;
        }
        if (strcmp(key, "lease_time") == 0) {
                *why = "expected seconds, 60 .. 31536000";
                return parse_int(value, 60, 31536000, &s->lease_time_s);
        }
        return 1;
}

static int add_iface(void *ctx, const char *w)
{
        struct dhcp_config *c = ctx;
        if (strlen(w) >= DHCP_IFNAME_MAX || strchr(w, '/'))
                return -EINVAL;
        if (c->n_interfaces >= DHCP_IFACES_MAX)
                return -E2BIG;
        snprintf(c->interfaces[c->n_interfaces++], DHCP_IFNAME_MAX, "%s", w);
        return 0;
}

static int set_boot_file(struct dhcp_config *c, const char *key, const char *value,
                         const char **why)
{
        for (int i = 0; i < DHCP_BOOT_SLOTS; i++) {
                if (strcmp(key + 5, boot_arch_slot_name((enum boot_arch_slot)i)) != 0)
                        continue;
                /* A name in the boot-file map / TFTP root, or a URL. */
                *why = "expected a file name like ipxe.efi, an http:// URL, or empty";
                bool url = strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0;
                if (*value && !(url ? validate_http_url(value) : validate_artifact(value)))
                        return -EINVAL;
                char *d = strdup(value);
                if (!d)
                        return -ENOMEM;
                free(c->boot_files[i]);
                c->boot_files[i] = d;
                return 0;
        }
        return 1;
}

static int set_dhcp_key(struct dhcp_config *c, const char *key, const char *value, const char **why)
{
        int r = set_subnet_key(&c->local, key, value, why);
        if (r <= 0)
                return r;
        if (strcmp(key, "mode") == 0) {
                *why = "expected server, proxy or off";
                if (strcmp(value, "server") == 0)
                        c->mode = DHCP_MODE_SERVER;
                else if (strcmp(value, "proxy") == 0)
                        c->mode = DHCP_MODE_PROXY;
                else if (strcmp(value, "off") == 0)
                        c->mode = DHCP_MODE_OFF;
                else
                        return -EINVAL;
                return 0;
        }
        if (strcmp(key, "interface") == 0) {
                *why = "expected up to 8 interface names";
                c->n_interfaces = 0;
                return each_word(value, add_iface, c) < 0 ? -EINVAL : 0;
        }
        if (strcmp(key, "subnet") == 0) {
                *why = "expected NETWORK/BITS (8..30), host bits zero, or empty";
                if (!*value) {
                        c->local.network = c->local.mask = 0;
                        return 0;
                }
                return dhcp_config_parse_cidr(value, &c->local.network, &c->local.mask);
        }
        if (strcmp(key, "server_address") == 0) {
                *why = "expected an IPv4 address or empty";
                if (!*value) {
                        c->server_address = 0;
                        return 0;
                }
                return validate_ipv4(value, &c->server_address);
        }
        if (strcmp(key, "durability") == 0) {
                *why = "expected process or fsync";
                if (strcmp(value, "process") == 0)
                        c->durability = DHCP_DURABLE_PROCESS;
                else if (strcmp(value, "fsync") == 0)
                        c->durability = DHCP_DURABLE_FSYNC;
                else
                        return -EINVAL;
                return 0;
        }
        if (strcmp(key, "decline_quarantine") == 0) {
                *why = "expected seconds, 0 .. 604800";
                return parse_int(value, 0, 604800, &c->decline_quarantine_s);
        }
        if (strcmp(key, "max_request_age_ms") == 0) {
                *why = "expected milliseconds, 0 (never shed) .. 60000";
                return parse_int(value, 0, 60000, &c->max_request_age_ms);
        }
        if (strcmp(key, "snponly_fallback") == 0) {
                *why = "expected seconds, 0 (never) .. 86400";
                return parse_int(value, 0, 86400, &c->snponly_fallback_s);
        }
        if (strncmp(key, "boot_", 5) == 0)
                return set_boot_file(c, key, value, why);
        return 1;
}

static struct dhcp_subnet_conf *subnet_named(struct dhcp_config *c, const char *name)
{
        for (size_t i = 0; i < c->n_subnets; i++)
                if (strcmp(c->subnets[i].name, name) == 0)
                        return &c->subnets[i];
        if (c->n_subnets >= DHCP_SUBNETS_MAX)
                return NULL;
        struct dhcp_subnet_conf *n = realloc(c->subnets, (c->n_subnets + 1) * sizeof(*n));
        if (!n)
                return NULL;
        c->subnets = n;
        subnet_defaults(&n[c->n_subnets], name);
        return &n[c->n_subnets++];
}

static bool subnet_name_ok(const char *name)
{
        size_t n = strlen(name);
        if (n == 0 || n >= DHCP_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                char ch = name[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
                        return false;
        }
        return true;
}

int dhcp_config_set(struct dhcp_config *c, const char *section, const char *key, const char *value,
                    char err[DHCP_CONFIG_ERR_MAX])
{
        const char *why = "invalid value";
        int r;
        if (strcmp(section, "dhcp") == 0) {
                r = set_dhcp_key(c, key, value, &why);
        } else {
                const char *name = section + 7;
                struct dhcp_subnet_conf *s;
                if (!subnet_name_ok(name)) {
                        snprintf(err, DHCP_CONFIG_ERR_MAX,
                                 "[%s]: subnet name: letters, digits, '-', '_', '.' (1-47)",
                                 section);
                        return -EINVAL;
                }
                if (!(s = subnet_named(c, name))) {
                        snprintf(err, DHCP_CONFIG_ERR_MAX, "[%s]: too many subnets (max %d)",
                                 section, DHCP_SUBNETS_MAX);
                        return -ENOSPC;
                }
                if (strcmp(key, "network") == 0) {
                        why = "expected NETWORK/BITS (8..30), host bits zero";
                        r = dhcp_config_parse_cidr(value, &s->network, &s->mask);
                } else {
                        r = set_subnet_key(s, key, value, &why);
                }
        }
        if (r > 0) {
                snprintf(err, DHCP_CONFIG_ERR_MAX, "unknown key \"%s\" in section [%s]", key,
                         section);
                return -EINVAL;
        }
        if (r < 0)
                snprintf(err, DHCP_CONFIG_ERR_MAX, "[%s] %s = \"%s\": %s", section, key, value,
                         why);
        return r < 0 ? (r == -ENOMEM ? r : -EINVAL) : 0;
}

static bool in_net(uint32_t ip, uint32_t net, uint32_t mask)
{
        return (ip & mask) == net;
}

static int check_subnet(const struct dhcp_subnet_conf *s, const char *label,
                        char err[DHCP_CONFIG_ERR_MAX])
{
        if (!s->mask)
                return 0; /* [dhcp] without subnet: checked against the interface */
        uint32_t bcast = s->network | ~s->mask;
        if (s->range_first && (!in_net(s->range_first, s->network, s->mask) ||
                               !in_net(s->range_last, s->network, s->mask) ||
                               s->range_first == s->network || s->range_last == bcast)) {
                snprintf(err, DHCP_CONFIG_ERR_MAX,
                         "%s: range must lie inside the subnet, without its network and "
                         "broadcast addresses",
                         label);
                return -EINVAL;
        }
        if (s->router && !in_net(s->router, s->network, s->mask)) {
                snprintf(err, DHCP_CONFIG_ERR_MAX, "%s: router outside the subnet", label);
                return -EINVAL;
        }
        return 0;
}

int dhcp_config_check(const struct dhcp_config *c, char err[DHCP_CONFIG_ERR_MAX])
{
        char label[DHCP_NAME_MAX + 16];
        int r = check_subnet(&c->local, "[dhcp]", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_subnets; i++) {
                const struct dhcp_subnet_conf *s = &c->subnets[i];
                snprintf(label, sizeof(label), "[subnet %s]", s->name);
                if (!s->mask) {
                        snprintf(err, DHCP_CONFIG_ERR_MAX, "%s: network = NETWORK/BITS is required",
                                 label);
                        return -EINVAL;
                }
                if ((r = check_subnet(s, label, err)) < 0)
                        return r;
                for (size_t j = 0; j < i; j++) {
                        const struct dhcp_subnet_conf *o = &c->subnets[j];
                        uint32_t m = s->mask & o->mask;
                        if ((s->network & m) == (o->network & m)) {
                                snprintf(err, DHCP_CONFIG_ERR_MAX, "%s overlaps [subnet %s]", label,
                                         o->name);
                                return -EINVAL;
                        }
                }
        }
        return 0;
}
