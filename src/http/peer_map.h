/* Which MAC last fetched its boot script from an IPv4 peer.
 *
 * iPXE fetches script, kernel and initrd from the same address; the image
 * routes use this to attribute "kernel" and "initrd" boot stages to the
 * machine without changing the URLs in its script.  Thread-safe, fixed
 * size: an old entry may be overwritten, which only loses a stage report. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/mac.h"

struct peer_map;

int peer_map_new(struct peer_map **ret);
void peer_map_free(struct peer_map *m);
void peer_map_set(struct peer_map *m, uint32_t ip, const struct mac *mac, int64_t now_ms);
/* Finds an entry no older than max_age_ms. */
bool peer_map_get(struct peer_map *m, uint32_t ip, int64_t now_ms, int64_t max_age_ms,
                  struct mac *ret);
