/* DHCPv4 option table; see dhcp_options.h.  Lengths from RFC 2132 unless
 * noted. */
#include "dhcp/dhcp_options.h"

static const struct dhcp_option_def defs[] = {
    {DHCP_OPT_SUBNET_MASK, "subnet-mask", DHCP_T_IP, 4, 4, 1},
    {2, "time-offset", DHCP_T_U32, 4, 4, 1},
    {DHCP_OPT_ROUTER, "router", DHCP_T_IPS, 4, 0, 4},
    {DHCP_OPT_DNS, "dns-server", DHCP_T_IPS, 4, 0, 4},
    {DHCP_OPT_HOSTNAME, "host-name", DHCP_T_STR, 1, 0, 1},
    {DHCP_OPT_DOMAIN, "domain-name", DHCP_T_STR, 1, 0, 1},
    {26, "interface-mtu", DHCP_T_U16, 2, 2, 1},
    {DHCP_OPT_BROADCAST, "broadcast-address", DHCP_T_IP, 4, 4, 1},
    {DHCP_OPT_VENDOR, "vendor-specific", DHCP_T_BYTES, 1, 0, 1},
    {DHCP_OPT_REQUESTED_IP, "requested-address", DHCP_T_IP, 4, 4, 1},
    {DHCP_OPT_LEASE_TIME, "lease-time", DHCP_T_U32, 4, 4, 1},
    {DHCP_OPT_OVERLOAD, "overload", DHCP_T_U8, 1, 1, 1},
    {DHCP_OPT_MSG_TYPE, "message-type", DHCP_T_U8, 1, 1, 1},
    {DHCP_OPT_SERVER_ID, "server-identifier", DHCP_T_IP, 4, 4, 1},
    {DHCP_OPT_PARAM_LIST, "parameter-request-list", DHCP_T_BYTES, 1, 0, 1},
    {DHCP_OPT_MESSAGE, "message", DHCP_T_STR, 1, 0, 1},
    /* RFC 2132 §9.10: the value itself must be >= 576; checked by users. */
    {DHCP_OPT_MAX_SIZE, "max-message-size", DHCP_T_U16, 2, 2, 1},
    {DHCP_OPT_T1, "renewal-time", DHCP_T_U32, 4, 4, 1},
    {DHCP_OPT_T2, "rebinding-time", DHCP_T_U32, 4, 4, 1},
    {DHCP_OPT_VENDOR_CLASS, "vendor-class-identifier", DHCP_T_BYTES, 1, 0, 1},
    /* §9.14: type byte plus at least one byte of identifier. */
    {DHCP_OPT_CLIENT_ID, "client-identifier", DHCP_T_BYTES, 2, 255, 1},
    {DHCP_OPT_TFTP_SERVER, "tftp-server-name", DHCP_T_STR, 1, 0, 1},
    {DHCP_OPT_BOOTFILE, "bootfile-name", DHCP_T_STR, 1, 0, 1},
    /* RFC 3004; iPXE sends the raw string without the length prefix. */
    {DHCP_OPT_USER_CLASS, "user-class", DHCP_T_BYTES, 1, 0, 1},
    /* RFC 4702 §2: flags, rcode1, rcode2, then the name. */
    {DHCP_OPT_FQDN, "client-fqdn", DHCP_T_BYTES, 3, 0, 1},
    /* RFC 3046 §2.0: at least one sub-option header. */
    {DHCP_OPT_RELAY_INFO, "relay-agent-information", DHCP_T_BYTES, 2, 255, 1},
    /* RFC 4578 §2.1: a list of 16-bit architecture types. */
    {DHCP_OPT_CLIENT_ARCH, "client-system-architecture", DHCP_T_U16S, 2, 0, 2},
    {DHCP_OPT_CLIENT_NDI, "client-network-interface", DHCP_T_BYTES, 3, 3, 1},
    /* RFC 4578 §2.3 says 17 (type 0 + GUID); accept what firmware sends. */
    {DHCP_OPT_CLIENT_UUID, "client-machine-identifier", DHCP_T_BYTES, 1, 0, 1},
    {DHCP_OPT_SUBNET_SELECT, "subnet-selection", DHCP_T_IP, 4, 4, 1},
    {DHCP_OPT_ETHERBOOT, "etherboot", DHCP_T_BYTES, 0, 0, 1},
};

#define N_DEFS (sizeof(defs) / sizeof(defs[0]))

const struct dhcp_option_def *dhcp_option_find(uint8_t code)
{
        for (size_t i = 0; i < N_DEFS; i++)
                if (defs[i].code == code)
                        return &defs[i];
        return NULL;
}

bool dhcp_option_len_ok(uint8_t code, size_t len)
{
        const struct dhcp_option_def *d = dhcp_option_find(code);
        if (!d)
                return true;
        if (len < d->min_len || (d->max_len && len > d->max_len))
                return false;
        return d->multiple <= 1 || len % d->multiple == 0;
}

const char *dhcp_msg_type_name(uint8_t type)
{
        static const char *const names[] = {"UNKNOWN", "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
                                            "ACK",     "NAK",      "RELEASE", "INFORM"};
        return type < sizeof(names) / sizeof(names[0]) ? names[type] : "UNKNOWN";
}
