/* Bulk adoption plan: host-name patterns and address ranges; see
 * adopt_plan.h. */
#include "core/adopt_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/validate.h"

static bool literal_ok(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.'))
                        return false;
        }
        return true;
}

int adopt_pattern_parse(const char *s, struct adopt_pattern *ret, const char **why)
{
        *ret = (struct adopt_pattern){0};
        const char *open = strchr(s, '{');
        if (!open) {
                *why = "hostname pattern needs a {n} placeholder (e.g. node{n:03})";
                return -EINVAL;
        }
        const char *close = strchr(open, '}');
        if (!close || strchr(close + 1, '{') || strchr(close + 1, '}') ||
            memchr(s, '}', (size_t)(open - s))) {
                *why = "hostname pattern takes exactly one {n} placeholder";
                return -EINVAL;
        }
        size_t plen = (size_t)(open - s), slen = strlen(close + 1);
        if (plen >= ADOPT_PATTERN_MAX || slen >= ADOPT_PATTERN_MAX || !literal_ok(s, plen) ||
            !literal_ok(close + 1, slen)) {
                *why = "hostname pattern: letters, digits, '-' and '.' around {n}";
                return -EINVAL;
        }
        const char *in = open + 1;
        size_t ilen = (size_t)(close - in);
        unsigned width = 0;
        if (ilen == 1 && in[0] == 'n') {
                width = 0;
        } else if (ilen == 4 && strncmp(in, "n:0", 3) == 0 && in[3] >= '1' && in[3] <= '9') {
                width = (unsigned)(in[3] - '0');
        } else {
                *why = "hostname pattern placeholder: {n} or {n:0W} with W from 1 to 9";
                return -EINVAL;
        }
        memcpy(ret->prefix, s, plen);
        memcpy(ret->suffix, close + 1, slen);
        ret->width = width;
        char probe[ADOPT_HOSTNAME_MAX];
        if (adopt_pattern_format(ret, 1, probe) < 0) {
                *why = "hostname pattern does not make a valid host name (RFC 1123)";
                return -EINVAL;
        }
        return 0;
}

int adopt_pattern_format(const struct adopt_pattern *p, uint64_t n, char out[ADOPT_HOSTNAME_MAX])
{
        int len = snprintf(out, ADOPT_HOSTNAME_MAX, "%s%0*llu%s", p->prefix, (int)p->width,
                           (unsigned long long)n, p->suffix);
        if (len < 0 || len >= ADOPT_HOSTNAME_MAX || !validate_hostname(out))
                return -EINVAL;
        return 0;
}

static int plan_names(const struct adopt_plan_in *in, struct adopt_plan_out *out)
{
        uint64_t num = in->start;
        for (size_t i = 0; i < in->n; i++) {
                for (;;) {
                        if (adopt_pattern_format(in->pat, num, out->names[i]) < 0)
                                return -ERANGE;
                        int t = in->name_taken(in->ctx, out->names[i]);
                        if (t < 0)
                                return t;
                        num++;
                        if (!t)
                                break;
                        if (++out->names_skipped > in->max_skips)
                                return -ERANGE;
                }
        }
        return 0;
}

static int plan_ips(const struct adopt_plan_in *in, struct adopt_plan_out *out)
{
        uint64_t ip = in->ip_from;
        for (; ip <= in->ip_to && out->ips_free < in->n; ip++) {
                int t = in->ip_taken(in->ctx, (uint32_t)ip);
                if (t < 0)
                        return t;
                if (t)
                        out->ips_skipped++;
                else
                        out->ips[out->ips_free++] = (uint32_t)ip;
        }
        return out->ips_free < in->n ? -ENOSPC : 0;
}

int adopt_plan(const struct adopt_plan_in *in, struct adopt_plan_out *out)
{
        out->names_skipped = out->ips_skipped = out->ips_free = 0;
        if ((in->pat && !in->name_taken) ||
            (in->ip_from && (!in->ip_taken || in->ip_to < in->ip_from)))
                return -EINVAL;
        int r = 0;
        if (in->ip_from)
                r = plan_ips(in, out);
        if (r == 0 && in->pat)
                r = plan_names(in, out);
        return r;
}
