/* libFuzzer target: what an administrator types for a bulk adoption and a
 * machine search (API bodies and query strings): the host-name pattern
 * (adopt_pattern_parse/format), the address range (ipv4_range_parse) and
 * the search text read as an address prefix (ipv4_prefix_ranges).
 *
 * Properties: never reads outside the input; a parsed pattern formats to a
 * valid host name or refuses with -EINVAL, never overflows its buffer; a
 * parsed range is ordered; prefix ranges are ordered and at most
 * IPV4_PREFIX_RANGES_MAX, and each range's first address starts with the
 * text in dotted form. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/adopt_plan.h"
#include "core/ipv4_range.h"
#include "core/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void dotted(uint32_t ip, char out[16])
{
        snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A NUL-terminated, exact-size copy (the parsers take C strings). */
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        struct adopt_pattern p;
        const char *why = NULL;
        if (adopt_pattern_parse(s, &p, &why) == 0) {
                static const uint64_t ns[] = {0, 1, 9, 10, 999, 1000, UINT64_MAX};
                for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
                        char name[ADOPT_HOSTNAME_MAX];
                        int r = adopt_pattern_format(&p, ns[i], name);
                        assert(r == 0 || r == -EINVAL);
                        if (r == 0)
                                assert(strlen(name) < ADOPT_HOSTNAME_MAX &&
                                       validate_hostname(name));
                }
        } else {
                assert(why && *why);
        }

        uint32_t from, to;
        if (ipv4_range_parse(s, &from, &to) == 0)
                assert(from <= to);

        uint32_t lo[IPV4_PREFIX_RANGES_MAX], hi[IPV4_PREFIX_RANGES_MAX];
        int n = ipv4_prefix_ranges(s, lo, hi);
        assert(n >= 0 && n <= IPV4_PREFIX_RANGES_MAX);
        for (int i = 0; i < n; i++) {
                assert(lo[i] <= hi[i]);
                char first[16], last[16];
                dotted(lo[i], first);
                dotted(hi[i], last);
                assert(strncmp(first, s, strlen(s)) == 0 || strlen(s) > 15);
                assert(strncmp(last, s, strlen(s)) == 0 || strlen(s) > 15);
        }
        free(s);
        return 0;
}
