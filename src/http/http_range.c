/* Byte-range parsing; see http_range.h. */
#include "http/http_range.h"

#include <stdbool.h>
#include <string.h>

/* Parses a non-empty run of decimal digits without overflow. */
static bool parse_u64(const char **p, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;
        if (*s < '0' || *s > '9')
                return false;
        for (; *s >= '0' && *s <= '9'; s++) {
                uint64_t d = (uint64_t)(*s - '0');
                if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
                        return false;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return true;
}

static void skip_ows(const char **p)
{
        while (**p == ' ' || **p == '\t')
                (*p)++;
}

enum http_range_result http_range_parse(const char *value, uint64_t size, uint64_t *ret_first,
                                        uint64_t *ret_len)
{
        if (!value)
                return HTTP_RANGE_NONE;
        const char *p = value;
        skip_ows(&p);
        if (strncmp(p, "bytes=", 6) != 0)
                return HTTP_RANGE_NONE;
        p += 6;
        skip_ows(&p);
        uint64_t first = 0, last = 0;
        bool have_first = parse_u64(&p, &first);
        if (*p != '-')
                return HTTP_RANGE_NONE;
        p++;
        bool have_last = parse_u64(&p, &last);
        skip_ows(&p);
        if (*p != '\0')
                return HTTP_RANGE_NONE; /* several ranges or junk: ignore */
        if (!have_first && !have_last)
                return HTTP_RANGE_NONE;
        if (!have_first) {
                /* Suffix range "-N": the last N bytes. */
                if (last == 0)
                        return HTTP_RANGE_UNSATISFIABLE;
                if (last > size)
                        last = size;
                if (size == 0)
                        return HTTP_RANGE_UNSATISFIABLE;
                *ret_first = size - last;
                *ret_len = last;
                return HTTP_RANGE_OK;
        }
        if (have_last && last < first)
                return HTTP_RANGE_NONE; /* invalid: RFC says ignore */
        if (first >= size)
                return HTTP_RANGE_UNSATISFIABLE;
        if (!have_last || last >= size)
                last = size - 1;
        *ret_first = first;
        *ret_len = last - first + 1;
        return HTTP_RANGE_OK;
}
