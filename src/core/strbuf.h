/* A growable, always NUL-terminated byte buffer for rendering text. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
        char *s;
        size_t len, cap;
        bool oom; /* an append failed; the content is truncated */
};

void strbuf_init(struct strbuf *b);
void strbuf_free(struct strbuf *b);
void strbuf_append(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (NULL after OOM); b is reset. */
char *strbuf_steal(struct strbuf *b);
