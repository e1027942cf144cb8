/* libFuzzer target: the TFTP wire codec.  Any datagram must decode without
 * reading out of bounds; what decodes must re-encode and decode to the
 * same options; path normalisation and netascii encoding of the same bytes
 * must stay within their buffers.  Seeds: tests/fuzz/corpus/fuzz_tftp_wire/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tftp/tftp_path.h"
#include "tftp/tftp_wire.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        __builtin_trap();                                                          \
        } while (0)

static void same_options(const struct tftp_options *a, const struct tftp_options *b)
{
        CHECK(a->has_blksize == b->has_blksize && (!a->has_blksize || a->blksize == b->blksize));
        CHECK(a->has_tsize == b->has_tsize && (!a->has_tsize || a->tsize == b->tsize));
        CHECK(a->has_timeout == b->has_timeout && (!a->has_timeout || a->timeout == b->timeout));
        CHECK(a->has_windowsize == b->has_windowsize &&
              (!a->has_windowsize || a->windowsize == b->windowsize));
}

static void roundtrip(const struct tftp_packet *p)
{
        uint8_t buf[2048];
        struct tftp_packet q;
        int n;
        switch (p->opcode) {
        case TFTP_RRQ:
        case TFTP_WRQ:
                n = tftp_wire_encode_request(buf, sizeof(buf), p->opcode, p->req.filename,
                                             tftp_wire_mode_name(p->req.mode), &p->opt);
                if (n < 0)
                        return; /* a long name does not fit our buffer */
                CHECK(tftp_wire_decode(buf, (size_t)n, &q) == 0);
                CHECK(q.req.filename_len == p->req.filename_len);
                CHECK(q.req.mode == p->req.mode);
                same_options(&p->opt, &q.opt);
                break;
        case TFTP_OACK:
                n = tftp_wire_encode_oack(buf, sizeof(buf), &p->opt);
                CHECK(n > 0);
                CHECK(tftp_wire_decode(buf, (size_t)n, &q) == 0);
                same_options(&p->opt, &q.opt);
                break;
        case TFTP_ACK:
                n = tftp_wire_encode_ack(buf, sizeof(buf), p->ack.block);
                CHECK(n == 4 && tftp_wire_decode(buf, 4, &q) == 0 && q.ack.block == p->ack.block);
                break;
        case TFTP_ERROR:
                n = tftp_wire_encode_error(buf, sizeof(buf), p->error.code, p->error.msg);
                if (n > 0)
                        CHECK(tftp_wire_decode(buf, (size_t)n, &q) == 0 &&
                              q.error.code == p->error.code &&
                              strcmp(q.error.msg, p->error.msg) == 0);
                break;
        case TFTP_DATA:
                n = tftp_wire_encode_data(buf, sizeof(buf), p->data.block, p->data.data,
                                          p->data.len);
                if (n > 0)
                        CHECK(tftp_wire_decode(buf, (size_t)n, &q) == 0 &&
                              q.data.len == p->data.len);
                break;
        }
}

/* No '\\', no empty, "." or ".." component, no control character. */
static void check_normalized(const char *norm)
{
        const char *p = norm;
        for (;;) {
                size_t n = strcspn(p, "/");
                CHECK(n > 0);
                CHECK(!(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.'));
                for (size_t i = 0; i < n; i++)
                        CHECK(p[i] != '\\' && (unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
                if (!p[n])
                        break;
                p += n + 1;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A private copy, so reads past the end are caught exactly. */
        uint8_t *copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        struct tftp_packet p;
        int decoded = tftp_wire_decode(copy, size, &p);
        /* GRUB's fingerprint: only ever a well-formed lock-step octet RRQ. */
        if (tftp_wire_is_grub_rrq(copy, size, TFTP_GRUB_PORT_FIRST))
                CHECK(decoded == 0 && p.opcode == TFTP_RRQ && p.req.mode == TFTP_MODE_OCTET &&
                      p.opt.has_blksize && p.opt.blksize == 1024 && p.opt.has_tsize &&
                      !p.opt.has_windowsize && !p.opt.n_unknown);
        if (decoded == 0) {
                roundtrip(&p);
                if (p.opcode == TFTP_RRQ || p.opcode == TFTP_WRQ) {
                        char norm[TFTP_PATH_MAX + 1];
                        int r = tftp_path_normalize(p.req.filename, p.req.filename_len, norm,
                                                    sizeof(norm));
                        if (r >= 0) {
                                CHECK((size_t)r == strlen(norm) && r > 0 && r <= TFTP_PATH_MAX);
                                check_normalized(norm);
                                struct tftp_path_class pc;
                                tftp_path_classify(norm, &pc);
                        }
                }
        }
        /* netascii: output never exceeds its buffer, input always progresses. */
        uint8_t out[64];
        struct tftp_netascii st = {.pending = -1};
        size_t off = 0;
        for (int guard = 0; off < size && guard < 100000; guard++) {
                size_t used, cap = 1 + (size - off) % sizeof(out);
                size_t n = tftp_netascii_encode(&st, copy + off, size - off, &used, out, cap);
                CHECK(n <= cap && used <= size - off && (n > 0 || used > 0));
                off += used;
        }
        free(copy);
        return 0;
}
