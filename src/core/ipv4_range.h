/* IPv4 address ranges typed by an administrator: search prefixes
 * ("198.18.1.") and inclusive ranges ("198.18.1.10-198.18.1.99").  Pure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define IPV4_PREFIX_RANGES_MAX 3

/* A search text that looks like the start of a dotted quad — digits and
 * dots, at least one dot — as the address ranges (host order, inclusive)
 * whose dotted form starts with it: "198.18.1." is 198.18.1.0-255,
 * "198.18.1" also 198.18.10-19.x and 198.18.100-199.x.  A complete address
 * ("198.18.1.7") is that address only.  Returns the number of ranges (at
 * most IPV4_PREFIX_RANGES_MAX), 0 when s is not such a text. */
int ipv4_prefix_ranges(const char *s, uint32_t lo[IPV4_PREFIX_RANGES_MAX],
                       uint32_t hi[IPV4_PREFIX_RANGES_MAX]);

/* "A-B" (two dotted quads, A <= B, spaces around '-' allowed): 0, or
 * -EINVAL. */
int ipv4_range_parse(const char *s, uint32_t *ret_from, uint32_t *ret_to);
