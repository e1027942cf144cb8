/* MAC address parsing and formatting; see mac.h. */
#include "core/mac.h"

#include <errno.h>
#include <string.h>

int hex_digit_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Parses a run of exactly `n` hex digits into bytes at out (n even). */
static bool parse_hex_run(const char *s, size_t n, uint8_t *out)
{
        for (size_t i = 0; i < n; i += 2) {
                int hi = hex_digit_value(s[i]), lo = hex_digit_value(s[i + 1]);
                if (hi < 0 || lo < 0)
                        return false;
                out[i / 2] = (uint8_t)(hi << 4 | lo);
        }
        return true;
}

/* "aa:bb:..." or "aa-bb-...": six groups of 1-2 hex digits (hyphen: exactly 2). */
static bool parse_grouped(const char *s, size_t len, char sep, uint8_t out[MAC_LEN])
{
        size_t pos = 0;
        for (int g = 0; g < MAC_LEN; g++) {
                size_t start = pos;
                while (pos < len && pos - start < 3 && hex_digit_value(s[pos]) >= 0)
                        pos++;
                size_t digits = pos - start;
                if (digits == 0 || digits > 2 || (sep == '-' && digits != 2))
                        return false;
                int v = hex_digit_value(s[start]);
                if (digits == 2)
                        v = v << 4 | hex_digit_value(s[start + 1]);
                out[g] = (uint8_t)v;
                if (g < MAC_LEN - 1) {
                        if (pos >= len || s[pos] != sep)
                                return false;
                        pos++;
                }
        }
        return pos == len;
}

int mac_parse(const char *s, size_t len, struct mac *ret)
{
        uint8_t b[MAC_LEN];

        if (!s)
                return -EINVAL;
        bool colon = memchr(s, ':', len) != NULL;
        /* Colon forms with single-digit groups can be 12 or 14 bytes long too
         * ("0:1:2:3:4:56"), so the separator, not the length, picks the form. */
        if (len == 12 && !colon) {
                if (!parse_hex_run(s, 12, b))
                        return -EINVAL;
        } else if (len == 14 && !colon && s[4] == '.') {
                /* Cisco dotted: 5254.00ab.cd01 */
                if (s[9] != '.' || !parse_hex_run(s, 4, b) || !parse_hex_run(s + 5, 4, b + 2) ||
                    !parse_hex_run(s + 10, 4, b + 4))
                        return -EINVAL;
        } else if (len >= 11 && len <= 17) {
                char sep = colon ? ':' : '-';
                if (!parse_grouped(s, len, sep, b))
                        return -EINVAL;
        } else {
                return -EINVAL;
        }
        memcpy(ret->b, b, MAC_LEN);
        return 0;
}

int mac_parse_str(const char *s, struct mac *ret)
{
        if (!s)
                return -EINVAL;
        return mac_parse(s, strlen(s), ret);
}

static void format_sep(const struct mac *m, char sep, char out[MAC_STR_LEN])
{
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < MAC_LEN; i++) {
                out[i * 3] = hex[m->b[i] >> 4];
                out[i * 3 + 1] = hex[m->b[i] & 15];
                out[i * 3 + 2] = (i == MAC_LEN - 1) ? '\0' : sep;
        }
}

void mac_format(const struct mac *m, char out[MAC_STR_LEN])
{
        format_sep(m, ':', out);
}

void mac_format_hyphen(const struct mac *m, char out[MAC_STR_LEN])
{
        format_sep(m, '-', out);
}

bool mac_equal(const struct mac *a, const struct mac *b)
{
        return memcmp(a->b, b->b, MAC_LEN) == 0;
}

const char *mac_machine_problem(const struct mac *m)
{
        static const struct mac zero, bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
        if (mac_equal(m, &zero))
                return "the all-zero MAC 00:00:00:00:00:00 is not a machine's address";
        if (mac_equal(m, &bcast))
                return "the broadcast MAC ff:ff:ff:ff:ff:ff is not a machine's address";
        if (m->b[0] & 1)
                return "a multicast MAC (first octet odd) is not a machine's address";
        return NULL;
}
