/* Rendered /boot/<mac>.ipxe responses, cached per HTTP worker thread.
 *
 * A machine's script only changes when the inventory does, and the store
 * says when that happens with one number (store_script_generation()).  A
 * worker renders a MAC's script once per generation and set of boot URLs
 * (the endpoints of the local address it arrived on), then answers from here: one indexed read per
 * request instead of a read transaction, two lookups, the rendering and the response set-up.
 *
 * Not thread-safe: one cache per thread (no locks on the request path).
 * Entries hold a libmicrohttpd response, which libmicrohttpd reference-counts,
 * so a response still being sent survives its entry's eviction. */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_endpoints.h"
#include "core/mac.h"

#define SCRIPT_CACHE_DETAIL_MAX 96

struct script_cache;

struct script_cache_entry {
        struct mac mac;
        /* The URLs it was rendered with, compared by identity: a table's
         * endpoints are unique per local address and live as long as the
         * thread (boot_endpoints.h, `stable`). */
        const struct boot_endpoints *ep;
        char detail[SCRIPT_CACHE_DETAIL_MAX]; /* boot-event detail ("debian12", "no image") */
        struct MHD_Response *resp;            /* one reference held by the cache */
        size_t len;                           /* body bytes */
        /* The last boot contact recorded from this entry (routes_boot.c):
         * loop_clock_ms() and peer IPv4; 0 = none yet. */
        int64_t reported_ms;
        uint32_t reported_ip;
};

/* max_entries: entries kept (>= 1); when full, everything is dropped and the
 * cache refills (a bounded memory cost, never a wrong answer). */
int script_cache_new(size_t max_entries, struct script_cache **ret);
void script_cache_free(struct script_cache *c);

/* Drops every entry when gen differs from the generation they were stored
 * under; then the cache belongs to gen.  Call with the store's current
 * generation before script_cache_get()/put(). */
void script_cache_sync(struct script_cache *c, int64_t gen);

/* The entry for (mac, ep), or NULL. */
struct script_cache_entry *script_cache_get(const struct script_cache *c, const struct mac *mac,
                                            const struct boot_endpoints *ep);

/* Stores (replacing any entry for mac) a response for (mac, ep) and takes
 * over the caller's reference to resp.  -EINVAL (ep not stable, detail too
 * long) or -ENOMEM: nothing stored, the caller keeps its reference. */
int script_cache_put(struct script_cache *c, const struct mac *mac, const struct boot_endpoints *ep,
                     const char *detail, struct MHD_Response *resp, size_t len);

size_t script_cache_count(const struct script_cache *c);
