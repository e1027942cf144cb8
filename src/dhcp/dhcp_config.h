/* DHCP configuration: the [dhcp] section and one [subnet NAME] section per
 * relayed network.  dhcp_config_init() prepares the two sections for
 * config_register() (core/config.h), which then routes their keys here;
 * cross-key checks (range inside its network, ...) run once in
 * dhcp_config_check().
 *
 *   [dhcp]
 *   mode = server | proxy | off        interface = eth1 [eth2 ...]
 *   subnet = 198.18.0.0/24             (default: from the interface address)
 *   range = 198.18.0.100 198.18.0.200  router, dns (list), domain, lease_time
 *   server_address = 198.18.0.1        (default: the receiving interface's)
 *   durability = process | fsync       decline_quarantine = 3600
 *   max_request_age_ms = 1000          (0 = answer however late)
 *   boot_bios = undionly.kpxe  boot_efi_x64 = snponly.efi  boot_http_x64 = snponly.efi ...
 *   snponly_fallback = 60              (s without iPXE after snponly.efi -> ipxe.efi)
 *
 *   [subnet lab2]
 *   network = 198.19.2.0/24  range = ...  router, dns, domain, lease_time */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#define DHCP_DNS_MAX        4
#define DHCP_IFACES_MAX     8
#define DHCP_IFNAME_MAX     16
#define DHCP_SUBNETS_MAX    64
#define DHCP_NAME_MAX       48 /* lease_row.subnet */
#define DHCP_DOMAIN_MAX     254
#define DHCP_BOOT_SLOTS     12 /* == BOOT_ARCH_N (checked in dhcp_config.c) */
#define DHCP_CONFIG_ERR_MAX 400

enum dhcp_mode { DHCP_MODE_OFF, DHCP_MODE_SERVER, DHCP_MODE_PROXY };

enum dhcp_durability {
        DHCP_DURABLE_PROCESS, /* lease committed (WAL) before the ACK: survives kill -9 */
        DHCP_DURABLE_FSYNC,   /* ... and fsynced (group commit): survives power loss */
};

struct dhcp_subnet_conf {
        char name[DHCP_NAME_MAX];         /* "" for the [dhcp] section's own subnet */
        uint32_t network, mask;           /* host order; mask 0 = derive from the interface */
        uint32_t range_first, range_last; /* 0 = no dynamic pool (reservations only) */
        uint32_t router;                  /* 0 = none */
        uint32_t dns[DHCP_DNS_MAX];
        size_t n_dns;
        char domain[DHCP_DOMAIN_MAX];
        int64_t lease_time_s;
};

struct dhcp_config {
        enum dhcp_mode mode;
        char interfaces[DHCP_IFACES_MAX][DHCP_IFNAME_MAX];
        size_t n_interfaces; /* 0 = every interface */
        uint32_t server_address;
        enum dhcp_durability durability;
        int64_t decline_quarantine_s;
        int64_t max_request_age_ms;       /* older requests are shed unanswered; 0 = never */
        int64_t snponly_fallback_s;       /* 0 = never fall back (boot/boot_fallback.h) */
        struct dhcp_subnet_conf local;    /* [dhcp] */
        struct dhcp_subnet_conf *subnets; /* [subnet NAME], relayed */
        size_t n_subnets;
        char *boot_files[DHCP_BOOT_SLOTS];             /* by enum boot_arch_slot; "" = none */
        struct config_section section, subnet_section; /* [dhcp], [subnet NAME] */
};

/* Defaults, and the two sections ready for config_register(). */
int dhcp_config_init(struct dhcp_config *c);
void dhcp_config_done(struct dhcp_config *c);

/* Sets one key.  On error returns a negative errno and writes
 * "[section] key = "value": why" into err. */
int dhcp_config_set(struct dhcp_config *c, const char *section, const char *key, const char *value,
                    char err[DHCP_CONFIG_ERR_MAX]);

/* Cross-key checks once everything is loaded (ranges inside their subnet,
 * relayed subnets with a network, no overlapping networks). */
int dhcp_config_check(const struct dhcp_config *c, char err[DHCP_CONFIG_ERR_MAX]);

/* "A.B.C.D/N" → network and mask (host order); the host bits must be 0. */
int dhcp_config_parse_cidr(const char *s, uint32_t *ret_network, uint32_t *ret_mask);
