/* DHCP decisions: what to answer to one decoded request.  Pure: the request,
 * the client's inventory record, the subnet it is on, the allocator (an
 * in-memory table, no I/O) and the time go in; a reply to encode and the
 * lease records to persist before sending come out.
 *
 * Server mode follows RFC 2131 §4.3 (DISCOVER, REQUEST in the SELECTING,
 * INIT-REBOOT, RENEWING and REBINDING states, DECLINE, RELEASE, INFORM).
 * Proxy mode answers PXE clients only, never with an address (PXE 2.1
 * §2.2.5; pxe-facts.md); port 4011 is the PXE boot-server answer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_inventory.h"
#include "boot/boot_plan.h"
#include "dhcp/dhcp_alloc.h"
#include "dhcp/dhcp_config.h"
#include "dhcp/dhcp_wire.h"
#include "store/store.h"

/* The subnet a request is served from (chosen by the server from giaddr or
 * the receiving interface). */
struct dhcp_subnet {
        int pool;                            /* allocator pool; -1 in proxy mode */
        const struct dhcp_subnet_conf *conf; /* mask, router, dns, domain, lease time */
        uint32_t network, mask;              /* effective (conf, or from the interface) */
        uint32_t server_id;                  /* our address as the client sees it */
};

struct dhcp_policy_ctx {
        enum dhcp_mode mode;
        bool boot_server; /* the request came to port 4011 */
        struct dhcp_alloc *alloc;
        const struct boot_inventory *inv; /* reservations, for the allocator */
        struct boot_dhcp_ctx boot;        /* boot URLs, per-arch files; authoritative set here */
        int64_t now;                      /* wall-clock ms */
        int64_t offer_hold_ms;
        /* The pool full, an offer unrequested this long is given to the
         * next DISCOVER (dhcp_alloc_take_offer); 0: never. */
        int64_t offer_takeover_ms;
        int64_t decline_quarantine_ms;
};

enum dhcp_action {
        DHCP_ACT_NONE,  /* stay silent (why says why) */
        DHCP_ACT_REPLY, /* persist, then send out */
};

/* Why a request got no answer or a NAK. */
enum dhcp_why {
        DHCP_WHY_NONE,
        DHCP_WHY_NO_FREE_ADDRESS,
        DHCP_WHY_OTHER_SERVER_CHOSEN,
        DHCP_WHY_REQUEST_NO_ADDRESS,
        DHCP_WHY_WRONG_NETWORK, /* NAK */
        DHCP_WHY_ADDRESS_TAKEN, /* NAK */
        DHCP_WHY_OUT_OF_MEMORY, /* NAK */
        DHCP_WHY_INFORM_NO_CIADDR,
        DHCP_WHY_NO_SUBNET,
        DHCP_WHY_FOR_OTHER_SERVER,
        DHCP_WHY_RELEASE_NOT_HELD,
        DHCP_WHY_RELEASED,
        DHCP_WHY_DECLINE_NOT_HELD,
        DHCP_WHY_DECLINED,
        DHCP_WHY_UNSUPPORTED_TYPE,
        DHCP_WHY_PROXY_NOT_PXE,
        DHCP_WHY_PROXY_ONLY_DISCOVER,
        DHCP_WHY_PROXY_ONLY_REQUEST,
        DHCP_WHY_NETBOOT_OFF,
        DHCP_WHY_NO_BOOT_FILE,
        DHCP_WHY_NO_SERVER_ADDRESS,
        DHCP_WHY_OFF,
        DHCP_WHY_CLAIMED_ELSEWHERE, /* NAK: the database gave the address to another client */
        DHCP_WHY_N
};

/* The text for logs, boot events and a NAK's message (option 56): "no
 * free address", "address not on this network", ...; "" for NONE. */
const char *dhcp_why_name(enum dhcp_why w);

struct dhcp_decision {
        enum dhcp_action action;
        enum dhcp_why why;                /* silent, or a NAK: the reason */
        struct dhcp_out out;              /* the reply (out.msg_type: OFFER, ACK, NAK) */
        size_t max_len;                   /* encode limit: the client's max message size */
        struct dhcp_alloc_change persist; /* write these before sending (or when silent) */
        struct boot_dhcp_facts facts;
        struct boot_dhcp_plan plan;
        bool have_plan;
        bool offer_taken_over; /* the OFFER's address was another client's offer */
};

/* Extracts the boot facts (options 93, 60, 77, 175) from a request. */
void dhcp_policy_facts(const struct dhcp_packet *p, struct boot_dhcp_facts *ret);

/* The decision for req (already checked with dhcp_wire_check_request).
 * m: inventory record or NULL.  sn: NULL when no subnet serves the request
 * (then only proxy answers are possible).  Always fills *ret. */
void dhcp_policy_decide(const struct dhcp_packet *req, const struct machine *m,
                        const struct dhcp_subnet *sn, const struct dhcp_policy_ctx *ctx,
                        struct dhcp_decision *ret);

/* Turns an ACK into a NAK for req, why given (server mode, sn non-NULL):
 * the server lost the address at commit time (DHCP_WHY_CLAIMED_ELSEWHERE,
 * another server's client has it), and the client must start over. */
void dhcp_policy_nak(const struct dhcp_packet *req, const struct dhcp_subnet *sn, enum dhcp_why why,
                     struct dhcp_decision *ret);
