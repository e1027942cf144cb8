/* DHCPv4 option definitions: code, name, value type and legal lengths.
 *
 * The wire decoder accepts a known option only at a legal length (after
 * RFC 3396 concatenation); an option outside its range is dropped so no
 * decision is ever built from a value of the wrong shape.  Unknown codes are
 * kept as opaque bytes (any length). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dhcp_opt_code {
        DHCP_OPT_PAD = 0,
        DHCP_OPT_SUBNET_MASK = 1,
        DHCP_OPT_ROUTER = 3,
        DHCP_OPT_DNS = 6,
        DHCP_OPT_HOSTNAME = 12,
        DHCP_OPT_DOMAIN = 15,
        DHCP_OPT_BROADCAST = 28,
        DHCP_OPT_VENDOR = 43,
        DHCP_OPT_REQUESTED_IP = 50,
        DHCP_OPT_LEASE_TIME = 51,
        DHCP_OPT_OVERLOAD = 52,
        DHCP_OPT_MSG_TYPE = 53,
        DHCP_OPT_SERVER_ID = 54,
        DHCP_OPT_PARAM_LIST = 55,
        DHCP_OPT_MESSAGE = 56,
        DHCP_OPT_MAX_SIZE = 57,
        DHCP_OPT_T1 = 58,
        DHCP_OPT_T2 = 59,
        DHCP_OPT_VENDOR_CLASS = 60,
        DHCP_OPT_CLIENT_ID = 61,
        DHCP_OPT_TFTP_SERVER = 66,
        DHCP_OPT_BOOTFILE = 67,
        DHCP_OPT_USER_CLASS = 77,
        DHCP_OPT_FQDN = 81,
        DHCP_OPT_RELAY_INFO = 82,
        DHCP_OPT_CLIENT_ARCH = 93,
        DHCP_OPT_CLIENT_NDI = 94,
        DHCP_OPT_CLIENT_UUID = 97,
        DHCP_OPT_SUBNET_SELECT = 118,
        DHCP_OPT_ETHERBOOT = 175,
        DHCP_OPT_END = 255,
};

enum dhcp_msg_type {
        DHCP_DISCOVER = 1,
        DHCP_OFFER = 2,
        DHCP_REQUEST = 3,
        DHCP_DECLINE = 4,
        DHCP_ACK = 5,
        DHCP_NAK = 6,
        DHCP_RELEASE = 7,
        DHCP_INFORM = 8,
};

enum dhcp_opt_type {
        DHCP_T_BYTES, /* opaque */
        DHCP_T_IP,    /* one IPv4 address */
        DHCP_T_IPS,   /* list of IPv4 addresses */
        DHCP_T_U8,
        DHCP_T_U16,
        DHCP_T_U32,
        DHCP_T_U16S, /* list of 16-bit values (option 93) */
        DHCP_T_STR,  /* text, no NUL required */
};

struct dhcp_option_def {
        uint8_t code;
        const char *name;
        enum dhcp_opt_type type;
        uint16_t min_len, max_len; /* after concatenation; max 0 = unbounded */
        uint8_t multiple;          /* length must be a multiple of this (0/1 = any) */
};

/* The definition of code, or NULL for an option we treat as opaque. */
const struct dhcp_option_def *dhcp_option_find(uint8_t code);

/* True when len is legal for code (always true for unknown codes). */
bool dhcp_option_len_ok(uint8_t code, size_t len);

/* "DISCOVER", "OFFER", ...; "UNKNOWN" otherwise. */
const char *dhcp_msg_type_name(uint8_t type);
