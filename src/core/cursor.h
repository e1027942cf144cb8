/* Bounded cursors for parsing and building wire formats.
 *
 * Every byte from the network is read through `struct cursor`: each read
 * checks that the bytes are there and fails (returns false) instead of
 * running past the end.  Writers use `struct wcursor`, which refuses to
 * overflow its buffer and remembers that it did (`overflow`), so an encoder
 * can write unconditionally and check once at the end. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
        const uint8_t *p;
        size_t left;
};

static inline struct cursor cursor_init(const void *data, size_t len)
{
        return (struct cursor){.p = data, .left = len};
}

static inline bool cursor_skip(struct cursor *c, size_t n)
{
        if (c->left < n)
                return false;
        c->p += n;
        c->left -= n;
        return true;
}

static inline bool cursor_u8(struct cursor *c, uint8_t *ret)
{
        if (c->left < 1)
                return false;
        *ret = c->p[0];
        c->p++;
        c->left--;
        return true;
}

static inline bool cursor_be16(struct cursor *c, uint16_t *ret)
{
        if (c->left < 2)
                return false;
        *ret = (uint16_t)((uint16_t)c->p[0] << 8 | c->p[1]);
        c->p += 2;
        c->left -= 2;
        return true;
}

static inline bool cursor_be32(struct cursor *c, uint32_t *ret)
{
        if (c->left < 4)
                return false;
        *ret = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
        c->p += 4;
        c->left -= 4;
        return true;
}

/* Copies exactly n bytes into out. */
static inline bool cursor_bytes(struct cursor *c, void *out, size_t n)
{
        if (c->left < n)
                return false;
        memcpy(out, c->p, n);
        c->p += n;
        c->left -= n;
        return true;
}

/* Returns a view of the next n bytes (no copy) as a sub-cursor. */
static inline bool cursor_sub(struct cursor *c, size_t n, struct cursor *ret)
{
        if (c->left < n)
                return false;
        *ret = cursor_init(c->p, n);
        c->p += n;
        c->left -= n;
        return true;
}

struct wcursor {
        uint8_t *p;
        size_t left;
        size_t used;
        bool overflow;
};

static inline struct wcursor wcursor_init(void *buf, size_t cap)
{
        return (struct wcursor){.p = buf, .left = cap};
}

static inline bool wcursor_bytes(struct wcursor *w, const void *data, size_t n)
{
        if (w->overflow || w->left < n) {
                w->overflow = true;
                return false;
        }
        if (n)
                memcpy(w->p, data, n);
        w->p += n;
        w->left -= n;
        w->used += n;
        return true;
}

static inline bool wcursor_u8(struct wcursor *w, uint8_t v)
{
        return wcursor_bytes(w, &v, 1);
}

static inline bool wcursor_be16(struct wcursor *w, uint16_t v)
{
        uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
        return wcursor_bytes(w, b, 2);
}

static inline bool wcursor_be32(struct wcursor *w, uint32_t v)
{
        uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        return wcursor_bytes(w, b, 4);
}
