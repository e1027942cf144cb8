/* Every URL a booting machine is given, built once.
 *
 * With [server] public_url set, one set of endpoints serves every request:
 * it is built when the table is created (at start-up).  Without it, the
 * URLs name the local address a request arrived on (the address the
 * machine reached us at; never a client-supplied Host header), so they are
 * built once per local address, on its first request, and kept.  Strings
 * are allocated to their length: nothing is truncated, whatever the length
 * of public_url (up to the 1,024 characters config accepts).
 *
 * Users: boot_resolve() (script and configuration URLs), the DHCP server
 * (the boot URL per interface), HTTP (/boot.ipxe chains) and TFTP (dynamic
 * files).  A table is not thread-safe: one per thread (HTTP workers) or per
 * server (the event loop's TFTP and DHCP servers). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_endpoints_conf {
        const char *public_url; /* "" or NULL: from the local address */
        uint16_t http_port;     /* the plain-HTTP listener's port (80 when HTTP is off) */
        uint16_t https_port;    /* the HTTPS listener's port; 0 = no HTTPS listener */
        uint16_t tftp_port;     /* 0 = no TFTP server */
};

struct boot_endpoints {
        uint32_t local;    /* host order; 0 for the one public_url set */
        char *http;        /* "http://198.18.0.1[:port]" or public_url (no trailing '/') */
        char *https;       /* the HTTPS listener's base or public_url; NULL without one */
        char *tftp;        /* "tftp://198.18.0.1[:port]"; NULL without TFTP */
        char *http_images; /* http + "/images" */
        char *tftp_images; /* tftp + "/images"; NULL without TFTP */
        size_t http_len;   /* strlen(http) */
        bool stable;       /* owned by a table: valid (and unique) while the table lives */
};

/* Builds the endpoints for local address `local` (host order; 0 = unknown:
 * 127.0.0.1 is used).  0 or -ENOMEM. */
int boot_endpoints_new(const struct boot_endpoints_conf *c, uint32_t local,
                       struct boot_endpoints **ret);
void boot_endpoints_free(struct boot_endpoints *e); /* NULL ok */

#define BOOT_ENDPOINTS_MAX 64 /* local addresses kept per table */

struct boot_endpoints_table;

/* Copies c.  With a public_url, builds its one entry now.  0 or -ENOMEM. */
int boot_endpoints_table_new(const struct boot_endpoints_conf *c,
                             struct boot_endpoints_table **ret);
void boot_endpoints_table_free(struct boot_endpoints_table *t); /* NULL ok */

/* The endpoints for local (host order): the table's entry, built on first
 * use.  When the table is full (more than BOOT_ENDPOINTS_MAX local
 * addresses), a one-off set is built into *tmp, which the caller frees
 * with boot_endpoints_free() after the request (its `stable` is false);
 * *tmp is NULL otherwise.  NULL on -ENOMEM. */
const struct boot_endpoints *boot_endpoints_get(struct boot_endpoints_table *t, uint32_t local,
                                                struct boot_endpoints **tmp);
