/* TFTP wire codec: RRQ/WRQ/DATA/ACK/ERROR/OACK packets and their options.
 *
 * RFC 1350 (the protocol), RFC 2347 (option extension, OACK), RFC 2348
 * (blksize), RFC 2349 (timeout, tsize), RFC 7440 (windowsize).  Pure: bytes
 * in, typed structs out, and back; no sockets, no policy, no logging.  Every
 * byte is read through the bounded cursor; strings must be NUL-terminated
 * inside the datagram.  Decoded strings point into the caller's buffer (no
 * copies), so the buffer must outlive the decoded packet.
 *
 * Also here: the netascii encoder (RFC 1350 / RFC 764: LF -> CR LF,
 * CR -> CR NUL), a pure byte transformation resumable across blocks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tftp_opcode {
        TFTP_RRQ = 1,
        TFTP_WRQ = 2,
        TFTP_DATA = 3,
        TFTP_ACK = 4,
        TFTP_ERROR = 5,
        TFTP_OACK = 6,
};

/* RFC 1350 section 5 plus RFC 2347's code 8. */
enum tftp_error_code {
        TFTP_EUNDEF = 0,    /* not defined, see message */
        TFTP_ENOTFOUND = 1, /* file not found */
        TFTP_EACCESS = 2,   /* access violation */
        TFTP_ENOSPACE = 3,  /* disk full or allocation exceeded */
        TFTP_EBADOP = 4,    /* illegal TFTP operation */
        TFTP_EBADID = 5,    /* unknown transfer ID */
        TFTP_EEXISTS = 6,   /* file already exists */
        TFTP_ENOUSER = 7,   /* no such user */
        TFTP_EOPTNEG = 8,   /* option negotiation refused (RFC 2347) */
};

enum tftp_mode { TFTP_MODE_NETASCII, TFTP_MODE_OCTET, TFTP_MODE_MAIL };

/* RFC 2348: "Valid values range between 8 and 65464 octets, inclusive." */
#define TFTP_BLKSIZE_MIN     8
#define TFTP_BLKSIZE_MAX     65464
#define TFTP_BLKSIZE_DEFAULT 512
/* RFC 7440: 1..65535. */
#define TFTP_WINDOWSIZE_MAX 65535
/* RFC 2349: timeout 1..255 seconds. */
#define TFTP_TIMEOUT_MAX_S 255
#define TFTP_HDR_LEN       4
/* Options we look at in one request; more pairs than this is malformed. */
#define TFTP_MAX_OPTIONS 32

/* Options as seen in an RRQ/WRQ or OACK.  has_* is set only when the option
 * was present with a decimal value; values are saturated, not range-checked
 * (range policy belongs to the negotiation in tftp_xfer). */
struct tftp_options {
        bool has_blksize, has_tsize, has_timeout, has_windowsize;
        uint64_t blksize, tsize, timeout, windowsize;
        unsigned n_unknown; /* options present that we do not implement */
};

struct tftp_packet {
        enum tftp_opcode opcode;
        union {
                struct { /* RRQ, WRQ */
                        const char *filename;
                        size_t filename_len;
                        enum tftp_mode mode;
                } req;
                struct { /* DATA */
                        uint16_t block;
                        const uint8_t *data;
                        size_t len;
                } data;
                struct { /* ACK */
                        uint16_t block;
                } ack;
                struct { /* ERROR */
                        uint16_t code;
                        const char *msg;
                } error;
        };
        struct tftp_options opt; /* RRQ, WRQ, OACK */
};

/* Decodes one datagram.  Returns 0 and fills *ret, or:
 *   -EBADMSG   truncated, missing NUL, bad option syntax, too many options
 *   -EPROTONOSUPPORT  unknown opcode
 *   -EINVAL    unknown transfer mode (RRQ/WRQ)
 * Strings in *ret point into buf. */
int tftp_wire_decode(const void *buf, size_t len, struct tftp_packet *ret);

/* GRUB 2.06's UDP source ports: its first socket gets 25300, each later one
 * the next (grub-core/net/udp.c); below Linux's ephemeral range (32768). */
#define TFTP_GRUB_PORT_FIRST 25300
#define TFTP_GRUB_PORT_LAST  32767

/* Whether a datagram is GRUB 2.06's read request (grub-core/net/tftp.c):
 * exactly "<file>\0octet\0blksize\01024\0tsize\00\0", nothing after,
 * from a source port GRUB uses.  Other clients sending the same two
 * options differ in the value (iPXE: blksize 1432), add windowsize (EDK2)
 * or come from an ephemeral port (tftp-hpa, atftp, busybox on Linux). */
bool tftp_wire_is_grub_rrq(const void *buf, size_t len, uint16_t src_port);

/* Case-insensitive name of a mode ("octet"); NULL for an unknown one. */
const char *tftp_wire_mode_name(enum tftp_mode m);

/* Encoders.  Each returns the number of bytes written, or -ENOBUFS when
 * the packet does not fit into cap. */
int tftp_wire_encode_ack(void *buf, size_t cap, uint16_t block);
/* Writes only the 4-byte DATA header; the payload follows it. */
void tftp_wire_data_header(uint8_t out[TFTP_HDR_LEN], uint16_t block);
int tftp_wire_encode_data(void *buf, size_t cap, uint16_t block, const void *data, size_t len);
int tftp_wire_encode_error(void *buf, size_t cap, uint16_t code, const char *msg);
/* OACK with the options whose has_* is set, in the order blksize, tsize,
 * timeout, windowsize. */
int tftp_wire_encode_oack(void *buf, size_t cap, const struct tftp_options *opt);
/* RRQ/WRQ (for tests, the fuzzer and benchmark tools). */
int tftp_wire_encode_request(void *buf, size_t cap, enum tftp_opcode op, const char *filename,
                             const char *mode, const struct tftp_options *opt);

/* netascii: the state carried between blocks is the second byte of a pair
 * that did not fit into the previous block (-1 = none). */
struct tftp_netascii {
        int pending;
};

/* Encodes from in[0..in_len) into out[0..out_cap) until out is full or
 * the input is consumed.  Returns the bytes written; *ret_used the input
 * bytes consumed.  A pending byte from a previous call is written first. */
size_t tftp_netascii_encode(struct tftp_netascii *st, const uint8_t *in, size_t in_len,
                            size_t *ret_used, uint8_t *out, size_t out_cap);
