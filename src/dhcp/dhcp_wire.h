/* DHCPv4 packet codec (RFC 2131 §2, RFC 2132, RFC 3396).  Pure: bytes in,
 * typed struct out, and back.  No I/O, no policy, no logging.
 *
 * Decoding parses the options field and, when option 52 says so, the file
 * and sname fields (RFC 2131 §4.1, in that order); every instance of one
 * option code is concatenated into one value (RFC 3396 §7), and a known
 * option is then accepted only at a legal length (dhcp_options.h).  All
 * addresses are in host byte order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_options.h"

#define DHCP_BOOTREQUEST    1
#define DHCP_BOOTREPLY      2
#define DHCP_FLAG_BROADCAST 0x8000

#define DHCP_HEADER_LEN  236  /* op .. file */
#define DHCP_MIN_LEN     240  /* header + magic cookie */
#define DHCP_PACKET_MAX  4096 /* larger datagrams are dropped */
#define DHCP_MAX_OPTIONS 255  /* option instances per packet, beyond: malformed */
#define DHCP_SNAME_LEN   64
#define DHCP_FILE_LEN    128
#define DHCP_MAGIC       0x63825363u
/* RFC 2131 §2: a client must accept messages of up to 576 octets (IP). */
#define DHCP_MIN_MAX_SIZE 576
/* RFC 1542 §3.3: some relays and old clients drop BOOTP messages < 300. */
#define DHCP_MIN_REPLY_LEN 300

struct dhcp_opt_ref {
        uint16_t off, len;
};

/* A decoded message.  Option values point into data[] (concatenated). */
struct dhcp_packet {
        uint8_t op, htype, hlen, hops;
        uint32_t xid;
        uint16_t secs, flags;
        uint32_t ciaddr, yiaddr, siaddr, giaddr;
        uint8_t chaddr[16];
        char sname[DHCP_SNAME_LEN + 1]; /* "" when overloaded with options */
        char file[DHCP_FILE_LEN + 1];   /* "" when overloaded with options */
        uint8_t overload;               /* option 52 value (0 = none) */
        uint8_t msg_type;               /* option 53 (0 = absent) */
        uint16_t n_instances;           /* option instances seen (before concat) */
        uint16_t n_dropped;             /* known options dropped for a bad length */
        uint8_t dropped_code;           /* the last such code, for logging */
        uint32_t present[8];            /* bitmap of accepted options */
        struct dhcp_opt_ref opt[256];
        uint8_t data[DHCP_PACKET_MAX];
};

/* Decodes len bytes.  Returns 0, or -EBADMSG / -ELOOP / -E2BIG with *ret_why
 * (a static string) naming the defect: truncated header, bad magic cookie,
 * hlen > 16, option overrunning its field, too many options, overload in an
 * overloaded field, bad overload value, bad message-type length.  A packet
 * without option 53 decodes (msg_type 0); the request check refuses it. */
int dhcp_wire_decode(const void *buf, size_t len, struct dhcp_packet *ret, const char **ret_why);

/* Sanity of a client request (RFC 2131 §4.1 op, Ethernet, a DHCP message
 * type a server handles).  Returns 0 or -EBADMSG with *ret_why. */
int dhcp_wire_check_request(const struct dhcp_packet *p, const char **ret_why);

static inline bool dhcp_pkt_has(const struct dhcp_packet *p, uint8_t code)
{
        return p->present[code >> 5] & (1u << (code & 31));
}

/* Returns the (concatenated) value of code and its length, or NULL. */
const uint8_t *dhcp_pkt_opt(const struct dhcp_packet *p, uint8_t code, size_t *ret_len);
/* Typed getters: false when absent (lengths were checked at decode). */
bool dhcp_pkt_ip(const struct dhcp_packet *p, uint8_t code, uint32_t *ret);
bool dhcp_pkt_u16(const struct dhcp_packet *p, uint8_t code, uint16_t *ret);
bool dhcp_pkt_u32(const struct dhcp_packet *p, uint8_t code, uint32_t *ret);

/* ---- encoding ---- */

#define DHCP_OUT_OPTS     48
#define DHCP_OUT_OPT_DATA 2048

/* A message to encode.  Options are written in the order they are added;
 * values longer than 255 bytes are split into consecutive instances
 * (RFC 3396 §6). */
struct dhcp_out {
        uint8_t msg_type; /* option 53 as dhcp_out_reply() set it (DHCP_OFFER, ...) */
        uint8_t op, htype, hlen, hops;
        uint32_t xid;
        uint16_t secs, flags;
        uint32_t ciaddr, yiaddr, siaddr, giaddr;
        uint8_t chaddr[16];
        char sname[DHCP_SNAME_LEN + 1];
        char file[DHCP_FILE_LEN + 1];
        size_t n_opts, data_len;
        bool overflow; /* an add did not fit: encode fails */
        struct {
                uint8_t code;
                uint16_t off, len;
        } opts[DHCP_OUT_OPTS];
        uint8_t data[DHCP_OUT_OPT_DATA];
};

/* Starts a reply to req: op BOOTREPLY, htype/hlen/xid/flags/giaddr/chaddr
 * copied (RFC 2131 §4.3.1 table 3), message type added first. */
void dhcp_out_reply(struct dhcp_out *o, const struct dhcp_packet *req, uint8_t msg_type);

void dhcp_out_add(struct dhcp_out *o, uint8_t code, const void *data, size_t len);
void dhcp_out_add_u8(struct dhcp_out *o, uint8_t code, uint8_t v);
void dhcp_out_add_u16(struct dhcp_out *o, uint8_t code, uint16_t v);
void dhcp_out_add_u32(struct dhcp_out *o, uint8_t code, uint32_t v);
void dhcp_out_add_ip(struct dhcp_out *o, uint8_t code, uint32_t ip);
void dhcp_out_add_str(struct dhcp_out *o, uint8_t code, const char *s);
/* Appends to the value of the option added last (a value built from
 * pieces, such as a base URL and a file name). */
void dhcp_out_extend(struct dhcp_out *o, const void *data, size_t len);
/* True when the message already carries code. */
bool dhcp_out_has(const struct dhcp_out *o, uint8_t code);

/* Writes the message into buf (at most cap bytes, the client's maximum
 * message size minus IP and UDP headers), END-terminated and padded to
 * DHCP_MIN_REPLY_LEN.  Returns the length or -EMSGSIZE. */
int dhcp_wire_encode(const struct dhcp_out *o, uint8_t *buf, size_t cap);
