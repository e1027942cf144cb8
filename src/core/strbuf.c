/* Growable string buffer; see strbuf.h. */
#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *b)
{
        *b = (struct strbuf){0};
}

void strbuf_free(struct strbuf *b)
{
        free(b->s);
        strbuf_init(b);
}

static bool reserve(struct strbuf *b, size_t extra)
{
        if (b->oom)
                return false;
        if (b->len + extra + 1 <= b->cap)
                return true;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + extra + 1)
                cap *= 2;
        char *n = realloc(b->s, cap);
        if (!n) {
                b->oom = true;
                return false;
        }
        b->s = n;
        b->cap = cap;
        return true;
}

void strbuf_append(struct strbuf *b, const char *s, size_t n)
{
        if (!reserve(b, n))
                return;
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
        strbuf_append(b, s, strlen(s));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !reserve(b, (size_t)n))
                return;
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

char *strbuf_steal(struct strbuf *b)
{
        char *s = b->oom ? NULL : b->s;
        if (!s && !b->oom)
                s = strdup("");
        if (b->oom)
                free(b->s);
        strbuf_init(b);
        return s;
}
