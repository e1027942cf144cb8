/* TFTP wire codec; see tftp_wire.h. */
#include "tftp/tftp_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/cursor.h"

/* Reads a NUL-terminated string from c.  The NUL must be inside the
 * datagram (RFC 1350: "terminated by a zero byte"). */
static bool cursor_cstr(struct cursor *c, const char **ret, size_t *ret_len)
{
        const uint8_t *nul = memchr(c->p, 0, c->left);
        if (!nul)
                return false;
        size_t n = (size_t)(nul - c->p);
        *ret = (const char *)c->p;
        if (ret_len)
                *ret_len = n;
        return cursor_skip(c, n + 1);
}

/* Decimal option value, saturating at UINT64_MAX.  False when the value is
 * empty or has non-digits (the option is then ignored, RFC 2347 lets a
 * server omit options it does not accept). */
static bool parse_decimal(const char *s, uint64_t *ret)
{
        if (!*s)
                return false;
        uint64_t v = 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                unsigned d = (unsigned)(*s - '0');
                v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
        }
        *ret = v;
        return true;
}

static void set_option(struct tftp_options *o, const char *name, const char *value)
{
        static const struct {
                const char *name;
                size_t has_off, val_off;
        } table[] = {
#define OPT(n) {#n, offsetof(struct tftp_options, has_##n), offsetof(struct tftp_options, n)}
            OPT(blksize),
            OPT(tsize),
            OPT(timeout),
            OPT(windowsize),
#undef OPT
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                /* RFC 2347: option names are case-insensitive. */
                if (strcasecmp(name, table[i].name) != 0)
                        continue;
                bool *has = (bool *)((char *)o + table[i].has_off);
                uint64_t v;
                /* The first occurrence wins; a malformed value is ignored. */
                if (!*has && parse_decimal(value, &v)) {
                        *has = true;
                        *(uint64_t *)((char *)o + table[i].val_off) = v;
                }
                return;
        }
        o->n_unknown++;
}

/* RFC 2347: after the mode, pairs of NUL-terminated name and value. */
static int decode_options(struct cursor *c, struct tftp_options *ret)
{
        struct tftp_options o = {0};
        for (unsigned n = 0; c->left > 0; n++) {
                const char *name, *value;
                size_t name_len;
                if (!cursor_cstr(c, &name, &name_len))
                        return -EBADMSG;
                /* Some PXE ROMs pad the request with zero bytes: an empty
                 * name ends the option list. */
                if (name_len == 0)
                        break;
                if (n == TFTP_MAX_OPTIONS || !cursor_cstr(c, &value, NULL))
                        return -EBADMSG;
                set_option(&o, name, value);
        }
        *ret = o;
        return 0;
}

static int decode_request(struct cursor *c, struct tftp_packet *p)
{
        const char *mode;
        if (!cursor_cstr(c, &p->req.filename, &p->req.filename_len) || !cursor_cstr(c, &mode, NULL))
                return -EBADMSG;
        if (strcasecmp(mode, "netascii") == 0)
                p->req.mode = TFTP_MODE_NETASCII;
        else if (strcasecmp(mode, "octet") == 0)
                p->req.mode = TFTP_MODE_OCTET;
        else if (strcasecmp(mode, "mail") == 0)
                p->req.mode = TFTP_MODE_MAIL;
        else
                return -EINVAL;
        return decode_options(c, &p->opt);
}

int tftp_wire_decode(const void *buf, size_t len, struct tftp_packet *ret)
{
        struct cursor c = cursor_init(buf, len);
        struct tftp_packet p;
        memset(&p, 0, sizeof(p));
        uint16_t op;
        if (!cursor_be16(&c, &op))
                return -EBADMSG;
        p.opcode = (enum tftp_opcode)op;
        int r = 0;
        switch (op) {
        case TFTP_RRQ:
        case TFTP_WRQ:
                r = decode_request(&c, &p);
                break;
        case TFTP_DATA:
                if (!cursor_be16(&c, &p.data.block))
                        return -EBADMSG;
                p.data.data = c.p;
                p.data.len = c.left;
                break;
        case TFTP_ACK:
                /* Trailing bytes after the block number are tolerated:
                 * some clients pad short packets. */
                if (!cursor_be16(&c, &p.ack.block))
                        return -EBADMSG;
                break;
        case TFTP_ERROR:
                if (!cursor_be16(&c, &p.error.code))
                        return -EBADMSG;
                /* A missing message terminator is common in the wild; the
                 * message is then empty rather than the packet refused. */
                if (!cursor_cstr(&c, &p.error.msg, NULL))
                        p.error.msg = "";
                break;
        case TFTP_OACK:
                r = decode_options(&c, &p.opt);
                break;
        default:
                return -EPROTONOSUPPORT;
        }
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

const char *tftp_wire_mode_name(enum tftp_mode m)
{
        switch (m) {
        case TFTP_MODE_NETASCII:
                return "netascii";
        case TFTP_MODE_OCTET:
                return "octet";
        case TFTP_MODE_MAIL:
                return "mail";
        }
        return NULL;
}

static int finish(const struct wcursor *w)
{
        return w->overflow ? -ENOBUFS : (int)w->used;
}

static void put_cstr(struct wcursor *w, const char *s)
{
        wcursor_bytes(w, s, strlen(s) + 1);
}

int tftp_wire_encode_ack(void *buf, size_t cap, uint16_t block)
{
        struct wcursor w = wcursor_init(buf, cap);
        wcursor_be16(&w, TFTP_ACK);
        wcursor_be16(&w, block);
        return finish(&w);
}

void tftp_wire_data_header(uint8_t out[TFTP_HDR_LEN], uint16_t block)
{
        out[0] = 0;
        out[1] = TFTP_DATA;
        out[2] = (uint8_t)(block >> 8);
        out[3] = (uint8_t)block;
}

int tftp_wire_encode_data(void *buf, size_t cap, uint16_t block, const void *data, size_t len)
{
        struct wcursor w = wcursor_init(buf, cap);
        wcursor_be16(&w, TFTP_DATA);
        wcursor_be16(&w, block);
        wcursor_bytes(&w, data, len);
        return finish(&w);
}

int tftp_wire_encode_error(void *buf, size_t cap, uint16_t code, const char *msg)
{
        struct wcursor w = wcursor_init(buf, cap);
        wcursor_be16(&w, TFTP_ERROR);
        wcursor_be16(&w, code);
        put_cstr(&w, msg ? msg : "");
        return finish(&w);
}

static void put_option(struct wcursor *w, const char *name, uint64_t v)
{
        char num[24];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
        put_cstr(w, name);
        put_cstr(w, num);
}

static void put_options(struct wcursor *w, const struct tftp_options *o)
{
        if (o->has_blksize)
                put_option(w, "blksize", o->blksize);
        if (o->has_tsize)
                put_option(w, "tsize", o->tsize);
        if (o->has_timeout)
                put_option(w, "timeout", o->timeout);
        if (o->has_windowsize)
                put_option(w, "windowsize", o->windowsize);
}

int tftp_wire_encode_oack(void *buf, size_t cap, const struct tftp_options *opt)
{
        struct wcursor w = wcursor_init(buf, cap);
        wcursor_be16(&w, TFTP_OACK);
        put_options(&w, opt);
        return finish(&w);
}

int tftp_wire_encode_request(void *buf, size_t cap, enum tftp_opcode op, const char *filename,
                             const char *mode, const struct tftp_options *opt)
{
        struct wcursor w = wcursor_init(buf, cap);
        wcursor_be16(&w, (uint16_t)op);
        put_cstr(&w, filename);
        put_cstr(&w, mode);
        if (opt)
                put_options(&w, opt);
        return finish(&w);
}

size_t tftp_netascii_encode(struct tftp_netascii *st, const uint8_t *in, size_t in_len,
                            size_t *ret_used, uint8_t *out, size_t out_cap)
{
        size_t o = 0, i = 0;
        if (st->pending >= 0 && o < out_cap) {
                out[o++] = (uint8_t)st->pending;
                st->pending = -1;
        }
        while (o < out_cap && i < in_len) {
                uint8_t ch = in[i++];
                int second = -1;
                /* RFC 1350 / RFC 764: end of line is CR LF; a bare CR is CR NUL. */
                if (ch == '\n') {
                        ch = '\r';
                        second = '\n';
                } else if (ch == '\r') {
                        second = '\0';
                }
                out[o++] = ch;
                if (second >= 0) {
                        if (o < out_cap)
                                out[o++] = (uint8_t)second;
                        else
                                st->pending = second; /* the pair straddles two blocks */
                }
        }
        *ret_used = i;
        return o;
}

bool tftp_wire_is_grub_rrq(const void *buf, size_t len, uint16_t src_port)
{
        /* The request's tail after the file name, its final NUL included. */
        static const char tail[] = "octet\0blksize\0"
                                   "1024\0tsize\0"
                                   "0";
        const uint8_t *b = buf;
        if (src_port < TFTP_GRUB_PORT_FIRST || src_port > TFTP_GRUB_PORT_LAST)
                return false;
        if (len < 2 + 2 + sizeof(tail) || b[0] != 0 || b[1] != TFTP_RRQ || b[2] == 0)
                return false;
        const uint8_t *nul = memchr(b + 2, 0, len - 2);
        if (!nul)
                return false;
        size_t rest = len - (size_t)(nul + 1 - b);
        return rest == sizeof(tail) && memcmp(nul + 1, tail, sizeof(tail)) == 0;
}
