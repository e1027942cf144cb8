/* Administrator-typed IPv4 ranges; see ipv4_range.h. */
#include "core/ipv4_range.h"

#include <errno.h>
#include <string.h>

#include "core/validate.h"

/* The octet ranges whose decimal form starts with the digits p[0..k): the
 * value itself, then one and two more digits while they stay <= 255. */
static int octet_ranges(const char *p, size_t k, unsigned lo[3], unsigned hi[3])
{
        if (k == 0 || k > 3 || (k > 1 && p[0] == '0'))
                return 0;
        unsigned v = 0;
        for (size_t i = 0; i < k; i++)
                v = v * 10 + (unsigned)(p[i] - '0');
        if (v > 255)
                return 0;
        int n = 0;
        unsigned scale = 1;
        for (size_t extra = 0; extra + k <= 3; extra++, scale *= 10) {
                if (v == 0 && extra > 0)
                        break; /* "0" is a whole octet: no "01" */
                unsigned base = v * scale;
                if (base > 255)
                        break;
                unsigned top = base + scale - 1;
                lo[n] = base;
                hi[n] = top > 255 ? 255 : top;
                n++;
        }
        return n;
}

int ipv4_prefix_ranges(const char *s, uint32_t lo[IPV4_PREFIX_RANGES_MAX],
                       uint32_t hi[IPV4_PREFIX_RANGES_MAX])
{
        if (!s || !strchr(s, '.') || strspn(s, "0123456789.") != strlen(s))
                return 0;
        uint32_t fixed = 0;
        int idx = 0; /* octets fixed so far */
        const char *p = s;
        for (;;) {
                size_t k = strcspn(p, ".");
                if (p[k] != '.')
                        break; /* the last, partial octet */
                /* A complete octet: its exact value. */
                if (idx == 3 || k == 0 || k > 3 || (k > 1 && p[0] == '0'))
                        return 0;
                unsigned v = 0;
                for (size_t i = 0; i < k; i++)
                        v = v * 10 + (unsigned)(p[i] - '0');
                if (v > 255)
                        return 0;
                fixed = fixed << 8 | v;
                idx++;
                p += k + 1;
        }
        size_t k = strlen(p);
        unsigned olo[3], ohi[3];
        int n;
        if (k == 0) {
                olo[0] = 0; /* "a.b." : the whole next octet */
                ohi[0] = 255;
                n = 1;
        } else if (idx == 3) {
                /* A complete address: exact. */
                uint32_t a;
                if (validate_ipv4(s, &a) < 0)
                        return 0;
                lo[0] = hi[0] = a;
                return 1;
        } else if ((n = octet_ranges(p, k, olo, ohi)) == 0) {
                return 0;
        }
        unsigned rest = 8u * (unsigned)(3 - idx); /* bits after the partial octet */
        uint32_t free_mask = rest ? (uint32_t)((1ull << rest) - 1) : 0;
        uint64_t head = rest < 32 ? (uint64_t)fixed << (rest + 8) : 0;
        for (int i = 0; i < n; i++) {
                lo[i] = (uint32_t)(head | (uint64_t)olo[i] << rest);
                hi[i] = (uint32_t)(head | (uint64_t)ohi[i] << rest | free_mask);
        }
        return n;
}

int ipv4_range_parse(const char *s, uint32_t *ret_from, uint32_t *ret_to)
{
        char a[20], b[20];
        const char *dash = s ? strchr(s, '-') : NULL;
        if (!dash)
                return -EINVAL;
        size_t la = (size_t)(dash - s);
        while (la && s[la - 1] == ' ')
                la--;
        const char *q = dash + 1;
        while (*q == ' ')
                q++;
        size_t lb = strlen(q);
        while (lb && q[lb - 1] == ' ')
                lb--;
        while (*s == ' ' && la)
                s++, la--;
        if (la == 0 || la >= sizeof(a) || lb == 0 || lb >= sizeof(b))
                return -EINVAL;
        memcpy(a, s, la);
        a[la] = '\0';
        memcpy(b, q, lb);
        b[lb] = '\0';
        uint32_t from, to;
        if (validate_ipv4(a, &from) < 0 || validate_ipv4(b, &to) < 0 || from > to)
                return -EINVAL;
        *ret_from = from;
        *ret_to = to;
        return 0;
}
