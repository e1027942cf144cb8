/* DHCPv4 packet codec; see dhcp_wire.h. */
#include "dhcp/dhcp_wire.h"

#include <errno.h>
#include <string.h>

#include "core/cursor.h"

struct instance {
        const uint8_t *p;
        uint8_t code, len;
};

struct collect {
        struct instance inst[DHCP_MAX_OPTIONS];
        size_t n;
};

static int fail(const char **ret_why, const char *why, int err)
{
        if (ret_why)
                *ret_why = why;
        return err;
}

/* Scans one field (options, file or sname) for option instances.  A field
 * may end without END (tolerated, as most servers do); the cursor bounds
 * every read, so a run of PAD or a truncated option cannot run past it. */
static int scan_field(struct cursor c, bool is_options_field, struct collect *col,
                      const char **ret_why)
{
        uint8_t code, len;
        while (cursor_u8(&c, &code)) {
                if (code == DHCP_OPT_PAD)
                        continue;
                if (code == DHCP_OPT_END)
                        return 0;
                struct cursor v;
                if (!cursor_u8(&c, &len) || !cursor_sub(&c, len, &v))
                        return fail(ret_why, "option overruns its field", -EBADMSG);
                /* RFC 2131 §4.1: option 52 may appear only in the options
                 * field; inside file/sname it would make the parse recurse. */
                if (code == DHCP_OPT_OVERLOAD && !is_options_field)
                        return fail(ret_why, "overload option inside an overloaded field", -ELOOP);
                if (col->n >= DHCP_MAX_OPTIONS)
                        return fail(ret_why, "too many options", -E2BIG);
                col->inst[col->n++] = (struct instance){.p = v.p, .code = code, .len = len};
        }
        return 0;
}

static void mark(struct dhcp_packet *p, uint8_t code)
{
        p->present[code >> 5] |= 1u << (code & 31);
}

/* RFC 3396 §7: all instances of a code, in field order, form one value.
 * Quadratic only in the (capped) number of instances. */
static void concatenate(const struct collect *col, struct dhcp_packet *p)
{
        uint32_t done[8] = {0};
        size_t used = 0;
        for (size_t i = 0; i < col->n; i++) {
                uint8_t code = col->inst[i].code;
                if (done[code >> 5] & (1u << (code & 31)))
                        continue;
                done[code >> 5] |= 1u << (code & 31);
                size_t start = used;
                for (size_t j = i; j < col->n; j++) {
                        if (col->inst[j].code != code)
                                continue;
                        /* Never overflows: the values are disjoint parts of
                         * an input no larger than data[]. */
                        memcpy(p->data + used, col->inst[j].p, col->inst[j].len);
                        used += col->inst[j].len;
                }
                size_t len = used - start;
                if (!dhcp_option_len_ok(code, len)) {
                        p->n_dropped++;
                        p->dropped_code = code;
                        used = start;
                        continue;
                }
                p->opt[code] = (struct dhcp_opt_ref){.off = (uint16_t)start, .len = (uint16_t)len};
                mark(p, code);
        }
}

/* Finds the overload value among the options-field instances. */
static int find_overload(const struct collect *col, uint8_t *ret, const char **ret_why)
{
        size_t count = 0, total = 0;
        uint8_t v = 0;
        for (size_t i = 0; i < col->n; i++) {
                if (col->inst[i].code != DHCP_OPT_OVERLOAD)
                        continue;
                count++;
                total += col->inst[i].len;
                if (col->inst[i].len)
                        v = col->inst[i].p[0];
        }
        *ret = 0;
        if (count == 0)
                return 0;
        if (total != 1 || v < 1 || v > 3)
                return fail(ret_why, "bad overload option", -EBADMSG);
        *ret = v;
        return 0;
}

static void copy_string(char *dst, const uint8_t *src, size_t n)
{
        size_t len = strnlen((const char *)src, n);
        memcpy(dst, src, len);
        dst[len] = 0;
}

static int decode_header(struct cursor *c, struct dhcp_packet *p, const uint8_t **sname,
                         const uint8_t **file, const char **ret_why)
{
        uint32_t magic;
        if (c->left < DHCP_MIN_LEN)
                return fail(ret_why, "truncated header", -EBADMSG);
        cursor_u8(c, &p->op);
        cursor_u8(c, &p->htype);
        cursor_u8(c, &p->hlen);
        cursor_u8(c, &p->hops);
        cursor_be32(c, &p->xid);
        cursor_be16(c, &p->secs);
        cursor_be16(c, &p->flags);
        cursor_be32(c, &p->ciaddr);
        cursor_be32(c, &p->yiaddr);
        cursor_be32(c, &p->siaddr);
        cursor_be32(c, &p->giaddr);
        cursor_bytes(c, p->chaddr, sizeof(p->chaddr));
        *sname = c->p;
        cursor_skip(c, DHCP_SNAME_LEN);
        *file = c->p;
        cursor_skip(c, DHCP_FILE_LEN);
        cursor_be32(c, &magic);
        if (magic != DHCP_MAGIC)
                return fail(ret_why, "bad magic cookie (BOOTP is not served)", -EBADMSG);
        if (p->hlen > sizeof(p->chaddr))
                return fail(ret_why, "hlen > 16", -EBADMSG);
        return 0;
}

int dhcp_wire_decode(const void *buf, size_t len, struct dhcp_packet *ret, const char **ret_why)
{
        if (len > DHCP_PACKET_MAX)
                return fail(ret_why, "packet too large", -E2BIG);
        struct dhcp_packet *p = ret;
        memset(p, 0, offsetof(struct dhcp_packet, data));
        struct cursor c = cursor_init(buf, len);
        const uint8_t *sname, *file;
        int r = decode_header(&c, p, &sname, &file, ret_why);
        if (r < 0)
                return r;

        struct collect col;
        col.n = 0;
        r = scan_field(c, true, &col, ret_why);
        if (r >= 0)
                r = find_overload(&col, &p->overload, ret_why);
        /* RFC 2131 §4.1: file is read before sname. */
        if (r >= 0 && (p->overload & 1))
                r = scan_field(cursor_init(file, DHCP_FILE_LEN), false, &col, ret_why);
        if (r >= 0 && (p->overload & 2))
                r = scan_field(cursor_init(sname, DHCP_SNAME_LEN), false, &col, ret_why);
        if (r < 0)
                return r;
        if (!(p->overload & 1))
                copy_string(p->file, file, DHCP_FILE_LEN);
        if (!(p->overload & 2))
                copy_string(p->sname, sname, DHCP_SNAME_LEN);
        p->n_instances = (uint16_t)col.n;

        concatenate(&col, p);
        /* Option 53 at a wrong length was dropped above; say so precisely. */
        for (size_t i = 0; i < col.n; i++)
                if (col.inst[i].code == DHCP_OPT_MSG_TYPE && !dhcp_pkt_has(p, DHCP_OPT_MSG_TYPE))
                        return fail(ret_why, "bad message-type length", -EBADMSG);
        if (dhcp_pkt_has(p, DHCP_OPT_MSG_TYPE))
                p->msg_type = p->data[p->opt[DHCP_OPT_MSG_TYPE].off];
        return 0;
}

int dhcp_wire_check_request(const struct dhcp_packet *p, const char **ret_why)
{
        if (p->op != DHCP_BOOTREQUEST)
                return fail(ret_why, "not a BOOTREQUEST", -EBADMSG);
        /* The inventory is keyed by Ethernet MAC. */
        if (p->htype != 1 || p->hlen != 6)
                return fail(ret_why, "not Ethernet (htype 1, hlen 6)", -EBADMSG);
        switch (p->msg_type) {
        case 0:
                return fail(ret_why, "no message type (option 53)", -EBADMSG);
        case DHCP_DISCOVER:
        case DHCP_REQUEST:
        case DHCP_DECLINE:
        case DHCP_RELEASE:
        case DHCP_INFORM:
                return 0;
        default:
                return fail(ret_why, "message type a server does not accept", -EBADMSG);
        }
}

const uint8_t *dhcp_pkt_opt(const struct dhcp_packet *p, uint8_t code, size_t *ret_len)
{
        if (!dhcp_pkt_has(p, code))
                return NULL;
        if (ret_len)
                *ret_len = p->opt[code].len;
        return p->data + p->opt[code].off;
}

static bool get_fixed(const struct dhcp_packet *p, uint8_t code, size_t n, uint32_t *ret)
{
        size_t len;
        const uint8_t *v = dhcp_pkt_opt(p, code, &len);
        if (!v || len < n)
                return false;
        uint32_t x = 0;
        for (size_t i = 0; i < n; i++)
                x = x << 8 | v[i];
        *ret = x;
        return true;
}

bool dhcp_pkt_ip(const struct dhcp_packet *p, uint8_t code, uint32_t *ret)
{
        return get_fixed(p, code, 4, ret);
}

bool dhcp_pkt_u32(const struct dhcp_packet *p, uint8_t code, uint32_t *ret)
{
        return get_fixed(p, code, 4, ret);
}

bool dhcp_pkt_u16(const struct dhcp_packet *p, uint8_t code, uint16_t *ret)
{
        uint32_t v;
        if (!get_fixed(p, code, 2, &v))
                return false;
        *ret = (uint16_t)v;
        return true;
}

/* ---- encoding ---- */

void dhcp_out_reply(struct dhcp_out *o, const struct dhcp_packet *req, uint8_t msg_type)
{
        memset(o, 0, offsetof(struct dhcp_out, data));
        o->op = DHCP_BOOTREPLY;
        o->htype = req->htype;
        o->hlen = req->hlen;
        o->xid = req->xid;
        o->flags = req->flags;
        o->giaddr = req->giaddr;
        memcpy(o->chaddr, req->chaddr, sizeof(o->chaddr));
        o->msg_type = msg_type;
        dhcp_out_add_u8(o, DHCP_OPT_MSG_TYPE, msg_type);
}

void dhcp_out_add(struct dhcp_out *o, uint8_t code, const void *data, size_t len)
{
        if (o->n_opts >= DHCP_OUT_OPTS || len > sizeof(o->data) - o->data_len) {
                o->overflow = true;
                return;
        }
        if (len)
                memcpy(o->data + o->data_len, data, len);
        o->opts[o->n_opts].code = code;
        o->opts[o->n_opts].off = (uint16_t)o->data_len;
        o->opts[o->n_opts].len = (uint16_t)len;
        o->n_opts++;
        o->data_len += len;
}

void dhcp_out_extend(struct dhcp_out *o, const void *data, size_t len)
{
        if (o->n_opts == 0 || len > sizeof(o->data) - o->data_len ||
            o->opts[o->n_opts - 1].len + len > UINT16_MAX) {
                o->overflow = true;
                return;
        }
        memcpy(o->data + o->data_len, data, len);
        o->opts[o->n_opts - 1].len += (uint16_t)len;
        o->data_len += len;
}

void dhcp_out_add_u8(struct dhcp_out *o, uint8_t code, uint8_t v)
{
        dhcp_out_add(o, code, &v, 1);
}

void dhcp_out_add_u16(struct dhcp_out *o, uint8_t code, uint16_t v)
{
        uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
        dhcp_out_add(o, code, b, 2);
}

void dhcp_out_add_u32(struct dhcp_out *o, uint8_t code, uint32_t v)
{
        uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        dhcp_out_add(o, code, b, 4);
}

void dhcp_out_add_ip(struct dhcp_out *o, uint8_t code, uint32_t ip)
{
        dhcp_out_add_u32(o, code, ip);
}

void dhcp_out_add_str(struct dhcp_out *o, uint8_t code, const char *s)
{
        dhcp_out_add(o, code, s, strlen(s));
}

bool dhcp_out_has(const struct dhcp_out *o, uint8_t code)
{
        for (size_t i = 0; i < o->n_opts; i++)
                if (o->opts[i].code == code)
                        return true;
        return false;
}

static void put_fixed_string(struct wcursor *w, const char *s, size_t field)
{
        static const uint8_t zeros[DHCP_FILE_LEN];
        size_t n = strnlen(s, field);
        wcursor_bytes(w, s, n);
        wcursor_bytes(w, zeros, field - n);
}

int dhcp_wire_encode(const struct dhcp_out *o, uint8_t *buf, size_t cap)
{
        if (o->overflow)
                return -EMSGSIZE;
        struct wcursor w = wcursor_init(buf, cap);
        wcursor_u8(&w, o->op);
        wcursor_u8(&w, o->htype);
        wcursor_u8(&w, o->hlen);
        wcursor_u8(&w, o->hops);
        wcursor_be32(&w, o->xid);
        wcursor_be16(&w, o->secs);
        wcursor_be16(&w, o->flags);
        wcursor_be32(&w, o->ciaddr);
        wcursor_be32(&w, o->yiaddr);
        wcursor_be32(&w, o->siaddr);
        wcursor_be32(&w, o->giaddr);
        wcursor_bytes(&w, o->chaddr, sizeof(o->chaddr));
        put_fixed_string(&w, o->sname, DHCP_SNAME_LEN);
        put_fixed_string(&w, o->file, DHCP_FILE_LEN);
        wcursor_be32(&w, DHCP_MAGIC);
        for (size_t i = 0; i < o->n_opts; i++) {
                const uint8_t *v = o->data + o->opts[i].off;
                size_t left = o->opts[i].len;
                /* RFC 3396 §6: a long value becomes consecutive instances;
                 * an empty one is still one instance. */
                do {
                        size_t n = left > 255 ? 255 : left;
                        wcursor_u8(&w, o->opts[i].code);
                        wcursor_u8(&w, (uint8_t)n);
                        wcursor_bytes(&w, v, n);
                        v += n;
                        left -= n;
                } while (left);
        }
        wcursor_u8(&w, DHCP_OPT_END);
        if (w.used < DHCP_MIN_REPLY_LEN) {
                static const uint8_t pad[DHCP_MIN_REPLY_LEN]; /* PAD = 0 */
                wcursor_bytes(&w, pad, DHCP_MIN_REPLY_LEN - w.used);
        }
        if (w.overflow)
                return -EMSGSIZE;
        return (int)w.used;
}
