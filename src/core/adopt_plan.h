/* Bulk adoption of discovered machines: host names from a pattern
 * ("node{n:03}" -> node001, node002, ...) and addresses from a range, each
 * skipping what is already taken.  Pure: what is taken is asked through
 * callbacks (the store answers them inside its transaction). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADOPT_PATTERN_MAX  128
#define ADOPT_HOSTNAME_MAX 254 /* 253 + NUL */

/* "prefix{n}suffix" or "prefix{n:0W}suffix" (W 1-9: zero-padded to at
 * least W digits); prefix and suffix of letters, digits, '-' and '.'. */
struct adopt_pattern {
        char prefix[ADOPT_PATTERN_MAX], suffix[ADOPT_PATTERN_MAX];
        unsigned width; /* 0: no padding */
};

/* 0, or -EINVAL with *why set to a message for the administrator. */
int adopt_pattern_parse(const char *s, struct adopt_pattern *ret, const char **why);
/* The name for number n; -EINVAL when it is not a valid host name
 * (RFC 1123, too long). */
int adopt_pattern_format(const struct adopt_pattern *p, uint64_t n, char out[ADOPT_HOSTNAME_MAX]);

/* Callbacks: 1 taken, 0 free, negative errno to abort. */
struct adopt_plan_in {
        size_t n;                        /* machines */
        const struct adopt_pattern *pat; /* NULL: no host names */
        uint64_t start;                  /* first number tried */
        uint32_t ip_from, ip_to;         /* inclusive, host order; ip_from 0: no addresses */
        int (*name_taken)(void *ctx, const char *name);
        int (*ip_taken)(void *ctx, uint32_t ip);
        void *ctx;
        uint64_t max_skips; /* names skipped at most before giving up (bounds the loop) */
};

struct adopt_plan_out {
        char (*names)[ADOPT_HOSTNAME_MAX]; /* n entries, caller's; unused without pat */
        uint32_t *ips;                     /* n entries, caller's; unused without range */
        size_t names_skipped, ips_skipped;
        size_t ips_free; /* free addresses found (< n: the range is too small) */
};

/* Fills names and addresses for n machines in order.  -ENOSPC: the range
 * has fewer free addresses than machines (out->ips_free says how many);
 * -ERANGE: names ran past max_skips or stopped being valid host names;
 * -EINVAL: bad arguments; a callback's error as it came. */
int adopt_plan(const struct adopt_plan_in *in, struct adopt_plan_out *out);
