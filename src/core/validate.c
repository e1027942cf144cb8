/* Input validation; see validate.h. */
#include "core/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool validate_image_name(const char *s)
{
        size_t n = strlen(s);
        if (n < 1 || n > 63)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
                        return false;
        }
        return true;
}

bool validate_hostname(const char *s)
{
        size_t n = strlen(s);
        if (n < 1 || n > 253)
                return false;
        size_t label = 0;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (c == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-';
                if (!ok || (c == '-' && label == 0) || ++label > 63)
                        return false;
        }
        return label > 0 && s[n - 1] != '-';
}

int validate_ipv4(const char *s, uint32_t *ret)
{
        uint32_t addr = 0;
        const char *p = s;
        for (int part = 0; part < 4; part++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                unsigned v = 0;
                const char *start = p;
                while (*p >= '0' && *p <= '9' && p - start < 4)
                        v = v * 10 + (unsigned)(*p++ - '0');
                if (p - start > 3 || v > 255 || (p - start > 1 && *start == '0'))
                        return -EINVAL;
                addr = addr << 8 | v;
                if (part < 3 && *p++ != '.')
                        return -EINVAL;
        }
        if (*p)
                return -EINVAL;
        if (ret)
                *ret = addr;
        return 0;
}

void format_ipv4(uint32_t a, char out[16])
{
        snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static bool printable_nospace(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
                        return false;
        return true;
}

bool validate_http_url(const char *s)
{
        const char *rest;
        if (strncmp(s, "http://", 7) == 0)
                rest = s + 7;
        else if (strncmp(s, "https://", 8) == 0)
                rest = s + 8;
        else
                return false;
        size_t n = strlen(s);
        return *rest && *rest != '/' && s[n - 1] != '/' && n <= 1024 && printable_nospace(s);
}

bool validate_db_url(const char *s)
{
        if (strncmp(s, "postgresql://", 13) != 0 && strncmp(s, "postgres://", 11) != 0)
                return false;
        return strlen(s) <= 4096 && printable_nospace(s);
}

bool validate_artifact(const char *s)
{
        if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0)
                return strlen(s) <= 2048 && printable_nospace(s) && strlen(s) > 8;
        size_t n = strlen(s);
        /* A trailing '/' names a directory (an empty last component). */
        if (n == 0 || n > 1024 || s[0] == '/' || s[n - 1] == '/' || !printable_nospace(s))
                return false;
        /* No ".." component: the HTTP layer would refuse it anyway. */
        for (const char *p = s; *p;) {
                const char *slash = strchr(p, '/');
                size_t len = slash ? (size_t)(slash - p) : strlen(p);
                if (len == 0 || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p += len + (slash ? 1 : 0);
        }
        return !strpbrk(s, "$\"'\\?#");
}

int validate_listen(const char *s, uint32_t *ret_addr, uint16_t *ret_port)
{
        const char *colon = strrchr(s, ':');
        if (!colon || colon == s || colon - s > 15)
                return -EINVAL;
        char host[16];
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        uint32_t addr;
        if (validate_ipv4(host, &addr) < 0)
                return -EINVAL;
        char *end;
        errno = 0;
        long port = strtol(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
                return -EINVAL;
        if (ret_addr)
                *ret_addr = addr;
        if (ret_port)
                *ret_port = (uint16_t)port;
        return 0;
}

bool validate_text(const char *s, size_t max_len)
{
        size_t n = 0;
        for (; *s; s++, n++)
                if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f || n >= max_len)
                        return false;
        return true;
}
