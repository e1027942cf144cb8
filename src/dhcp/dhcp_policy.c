/* DHCP decisions; see dhcp_policy.h. */
#include "dhcp/dhcp_policy.h"

#include <errno.h>
#include <string.h>

#include "core/validate.h"

/* Etherboot encapsulated option 175.176 "no-pxedhcp" = 1 (iPXE dhcp.h). */
static const uint8_t ipxe_no_pxedhcp[] = {176, 1, 1};
/* PXE option 43: sub-option 6 PXE_DISCOVERY_CONTROL = 8 "use the boot file
 * in this packet, no boot-server discovery", then END (pxe-facts.md). */
static const uint8_t pxe_discovery_control[] = {6, 1, 8, 255};

static const char *const why_names[DHCP_WHY_N] = {
    [DHCP_WHY_NONE] = "",
    [DHCP_WHY_NO_FREE_ADDRESS] = "no free address",
    [DHCP_WHY_OTHER_SERVER_CHOSEN] = "client chose another server",
    [DHCP_WHY_REQUEST_NO_ADDRESS] = "REQUEST without an address",
    [DHCP_WHY_WRONG_NETWORK] = "address not on this network",
    [DHCP_WHY_ADDRESS_TAKEN] = "address not available",
    [DHCP_WHY_OUT_OF_MEMORY] = "out of memory",
    [DHCP_WHY_INFORM_NO_CIADDR] = "INFORM without ciaddr",
    [DHCP_WHY_NO_SUBNET] = "no subnet for this request",
    [DHCP_WHY_FOR_OTHER_SERVER] = "for another server",
    [DHCP_WHY_RELEASE_NOT_HELD] = "RELEASE of an address the client does not hold",
    [DHCP_WHY_RELEASED] = "released",
    [DHCP_WHY_DECLINE_NOT_HELD] = "DECLINE of an address the client does not hold",
    [DHCP_WHY_DECLINED] = "declined: address quarantined",
    [DHCP_WHY_UNSUPPORTED_TYPE] = "unsupported message type",
    [DHCP_WHY_PROXY_NOT_PXE] = "proxy: not a PXE client",
    [DHCP_WHY_PROXY_ONLY_DISCOVER] = "proxy: only DISCOVER on port 67",
    [DHCP_WHY_PROXY_ONLY_REQUEST] = "proxy: only REQUEST on port 4011",
    [DHCP_WHY_NETBOOT_OFF] = "netboot off",
    [DHCP_WHY_NO_BOOT_FILE] = "no boot file",
    [DHCP_WHY_NO_SERVER_ADDRESS] = "no server address for this request",
    [DHCP_WHY_OFF] = "DHCP is off",
    [DHCP_WHY_CLAIMED_ELSEWHERE] = "address taken through another server",
};

const char *dhcp_why_name(enum dhcp_why w)
{
        return (unsigned)w < DHCP_WHY_N ? why_names[w] : "unknown";
}

void dhcp_policy_facts(const struct dhcp_packet *p, struct boot_dhcp_facts *ret)
{
        struct boot_dhcp_facts f = {0};
        uint16_t arch;
        if (dhcp_pkt_u16(p, DHCP_OPT_CLIENT_ARCH, &arch)) {
                f.has_arch = true;
                f.arch = arch;
        }
        size_t len;
        const uint8_t *v = dhcp_pkt_opt(p, DHCP_OPT_VENDOR_CLASS, &len);
        f.vendor = boot_vendor_of(v, v ? len : 0);
        f.user_class = dhcp_pkt_opt(p, DHCP_OPT_USER_CLASS, &f.user_class_len);
        f.has_etherboot = dhcp_pkt_has(p, DHCP_OPT_ETHERBOOT);
        *ret = f;
}

static bool requested(const struct dhcp_packet *p, uint8_t code)
{
        size_t n;
        const uint8_t *list = dhcp_pkt_opt(p, DHCP_OPT_PARAM_LIST, &n);
        for (size_t i = 0; list && i < n; i++)
                if (list[i] == code)
                        return true;
        return false;
}

/* RFC 2132 §9.10: at least 576; our receive/send buffers bound it above. */
static size_t max_len_of(const struct dhcp_packet *p)
{
        uint16_t v = 0;
        size_t m = DHCP_MIN_MAX_SIZE;
        if (dhcp_pkt_u16(p, DHCP_OPT_MAX_SIZE, &v) && v > m)
                m = v;
        if (m > 1500)
                m = 1500;
        return m - 28; /* IP and UDP headers */
}

static void client_key(const struct dhcp_packet *p, struct dhcp_client_key *k)
{
        size_t n;
        const uint8_t *id = dhcp_pkt_opt(p, DHCP_OPT_CLIENT_ID, &n);
        struct mac mac;
        memcpy(mac.b, p->chaddr, MAC_LEN);
        dhcp_client_key_make(k, id, id ? n : 0, &mac);
}

static void boot_options(struct dhcp_decision *d, const struct dhcp_packet *req, uint32_t server)
{
        const struct boot_dhcp_plan *pl = &d->plan;
        struct dhcp_out *o = &d->out;
        if (pl->vendor_echo)
                dhcp_out_add_str(o, DHCP_OPT_VENDOR_CLASS, pl->vendor_echo);
        if (pl->pxe_discovery_control)
                dhcp_out_add(o, DHCP_OPT_VENDOR, pxe_discovery_control,
                             sizeof(pxe_discovery_control));
        if (pl->ipxe_no_pxedhcp)
                dhcp_out_add(o, DHCP_OPT_ETHERBOOT, ipxe_no_pxedhcp, sizeof(ipxe_no_pxedhcp));
        if (pl->kind == BOOT_DHCP_NONE)
                return;
        o->siaddr = server; /* next-server: TFTP lives here too */
        size_t flen = pl->file_len;
        if (flen < sizeof(o->file) - 1)
                boot_dhcp_plan_file(pl, o->file, sizeof(o->file));
        /* Option 67 too when the client asks, the name does not fit the file
         * field, or it is a URL (UEFI HTTP Boot reads it from either).  A
         * value over 255 bytes goes out as RFC 3396 instances, whole. */
        if (flen >= sizeof(o->file) - 1 || pl->kind == BOOT_DHCP_URL ||
            requested(req, DHCP_OPT_BOOTFILE)) {
                if (pl->file_base) {
                        dhcp_out_add_str(o, DHCP_OPT_BOOTFILE, pl->file_base);
                        dhcp_out_extend(o, "/", 1);
                        dhcp_out_extend(o, pl->file, strlen(pl->file));
                } else {
                        dhcp_out_add_str(o, DHCP_OPT_BOOTFILE, pl->file);
                }
        }
        if (pl->kind == BOOT_DHCP_TFTP && requested(req, DHCP_OPT_TFTP_SERVER)) {
                char ip[16];
                format_ipv4(server, ip);
                dhcp_out_add_str(o, DHCP_OPT_TFTP_SERVER, ip);
        }
        /* PXE 2.1 §2.2.5: replies to PXE clients carry the client's UUID. */
        size_t n;
        const uint8_t *uuid = dhcp_pkt_opt(req, DHCP_OPT_CLIENT_UUID, &n);
        if (uuid && pl->vendor_echo)
                dhcp_out_add(o, DHCP_OPT_CLIENT_UUID, uuid, n);
}

/* RFC 3046 §2.2: the relay agent information option goes back verbatim,
 * last before END. */
static void echo_relay_info(struct dhcp_out *o, const struct dhcp_packet *req)
{
        size_t n;
        const uint8_t *v = dhcp_pkt_opt(req, DHCP_OPT_RELAY_INFO, &n);
        if (v && req->giaddr)
                dhcp_out_add(o, DHCP_OPT_RELAY_INFO, v, n);
}

static void plan_boot(struct dhcp_decision *d, const struct machine *m,
                      const struct dhcp_policy_ctx *ctx, bool authoritative)
{
        struct boot_dhcp_ctx b = ctx->boot;
        b.authoritative = authoritative;
        b.boot_server = ctx->boot_server;
        boot_plan_dhcp(&d->facts, m, &b, &d->plan);
        d->have_plan = true;
}

static uint32_t lease_seconds(const struct dhcp_packet *req, const struct dhcp_subnet *sn)
{
        uint32_t want;
        uint32_t conf = (uint32_t)sn->conf->lease_time_s;
        /* A client may ask for less (RFC 2131 §4.3.1); never below a minute. */
        if (dhcp_pkt_u32(req, DHCP_OPT_LEASE_TIME, &want) && want < conf)
                return want < 60 ? 60 : want;
        return conf;
}

/* Network options of an OFFER/ACK (RFC 2131 §4.3.1 table 3). */
static void network_options(struct dhcp_out *o, const struct dhcp_subnet *sn,
                            const struct machine *m, uint32_t lease_s)
{
        const struct dhcp_subnet_conf *c = sn->conf;
        if (lease_s) {
                dhcp_out_add_u32(o, DHCP_OPT_LEASE_TIME, lease_s);
                /* RFC 2131 §4.4.5: T1 = 0.5, T2 = 0.875 of the lease. */
                dhcp_out_add_u32(o, DHCP_OPT_T1, lease_s / 2);
                dhcp_out_add_u32(o, DHCP_OPT_T2, (uint32_t)((uint64_t)lease_s * 7 / 8));
        }
        dhcp_out_add_ip(o, DHCP_OPT_SUBNET_MASK, sn->mask);
        dhcp_out_add_ip(o, DHCP_OPT_BROADCAST, sn->network | ~sn->mask);
        if (c->router)
                dhcp_out_add_ip(o, DHCP_OPT_ROUTER, c->router);
        if (c->n_dns) {
                uint8_t b[4 * DHCP_DNS_MAX];
                for (size_t i = 0; i < c->n_dns; i++)
                        for (int j = 0; j < 4; j++)
                                b[4 * i + (size_t)j] = (uint8_t)(c->dns[i] >> (24 - 8 * j));
                dhcp_out_add(o, DHCP_OPT_DNS, b, 4 * c->n_dns);
        }
        if (c->domain[0])
                dhcp_out_add_str(o, DHCP_OPT_DOMAIN, c->domain);
        if (m && m->hostname)
                dhcp_out_add_str(o, DHCP_OPT_HOSTNAME, m->hostname);
}

static void silent(struct dhcp_decision *d, enum dhcp_why why)
{
        d->action = DHCP_ACT_NONE;
        d->why = why;
}

/* OFFER or ACK carrying an address. */
static void give(struct dhcp_decision *d, const struct dhcp_packet *req, const struct machine *m,
                 const struct dhcp_subnet *sn, const struct dhcp_policy_ctx *ctx, uint8_t type,
                 uint32_t ip, uint32_t lease_s)
{
        struct dhcp_out *o = &d->out;
        dhcp_out_reply(o, req, type);
        dhcp_out_add_ip(o, DHCP_OPT_SERVER_ID, sn->server_id);
        o->yiaddr = ip;
        if (type == DHCP_ACK)
                o->ciaddr = req->ciaddr;
        network_options(o, sn, m, lease_s);
        plan_boot(d, m, ctx, true);
        boot_options(d, req, sn->server_id);
        echo_relay_info(o, req);
        d->action = DHCP_ACT_REPLY;
}

static void nak(struct dhcp_decision *d, const struct dhcp_packet *req,
                const struct dhcp_subnet *sn, enum dhcp_why why)
{
        struct dhcp_out *o = &d->out;
        dhcp_out_reply(o, req, DHCP_NAK);
        dhcp_out_add_ip(o, DHCP_OPT_SERVER_ID, sn->server_id);
        dhcp_out_add_str(o, DHCP_OPT_MESSAGE, dhcp_why_name(why));
        /* RFC 2131 §4.3.2: through a relay, the NAK is broadcast on the
         * client's segment. */
        if (req->giaddr)
                o->flags |= DHCP_FLAG_BROADCAST;
        echo_relay_info(o, req);
        d->action = DHCP_ACT_REPLY;
        d->why = why;
}

static uint32_t reservation_in(const struct machine *m, const struct dhcp_subnet *sn)
{
        if (m && m->ipv4 && (m->ipv4 & sn->mask) == sn->network)
                return m->ipv4;
        return 0;
}

static const char *hostname_for(const struct dhcp_packet *req, const struct machine *m,
                                char buf[LEASE_HOSTNAME_MAX])
{
        if (m && m->hostname)
                return m->hostname;
        size_t n;
        const uint8_t *h = dhcp_pkt_opt(req, DHCP_OPT_HOSTNAME, &n);
        if (!h || n >= LEASE_HOSTNAME_MAX)
                return NULL;
        memcpy(buf, h, n);
        buf[n] = 0;
        return validate_hostname(buf) ? buf : NULL;
}

static void on_discover(struct dhcp_decision *d, const struct dhcp_packet *req,
                        const struct machine *m, const struct dhcp_subnet *sn,
                        const struct dhcp_policy_ctx *ctx, const struct dhcp_client_key *k,
                        const struct mac *mac)
{
        uint32_t want = 0, ip;
        dhcp_pkt_ip(req, DHCP_OPT_REQUESTED_IP, &want);
        if (dhcp_alloc_pick(ctx->alloc, sn->pool, k, mac, reservation_in(m, sn), want, ctx->now,
                            ctx->inv, &ip) < 0) {
                /* Full: unrequested offers do not keep real clients out. */
                ip = ctx->offer_takeover_ms > 0
                         ? dhcp_alloc_take_offer(ctx->alloc, sn->pool, k, mac, ctx->now,
                                                 ctx->offer_takeover_ms, ctx->inv)
                         : 0;
                if (!ip) {
                        silent(d, DHCP_WHY_NO_FREE_ADDRESS);
                        return;
                }
                d->offer_taken_over = true;
        }
        if (dhcp_alloc_offer(ctx->alloc, sn->pool, ip, k, mac, ctx->now, ctx->offer_hold_ms,
                             ctx->inv) < 0) {
                silent(d, DHCP_WHY_NO_FREE_ADDRESS);
                return;
        }
        give(d, req, m, sn, ctx, DHCP_OFFER, ip, lease_seconds(req, sn));
}

static void on_request(struct dhcp_decision *d, const struct dhcp_packet *req,
                       const struct machine *m, const struct dhcp_subnet *sn,
                       const struct dhcp_policy_ctx *ctx, const struct dhcp_client_key *k,
                       const struct mac *mac)
{
        uint32_t server_id = 0, want = 0, ip;
        bool has_sid = dhcp_pkt_ip(req, DHCP_OPT_SERVER_ID, &server_id);
        bool has_want = dhcp_pkt_ip(req, DHCP_OPT_REQUESTED_IP, &want);
        if (has_sid && server_id != sn->server_id) {
                /* SELECTING another server's offer: ours lapses. */
                const struct lease *l = dhcp_alloc_find_client(ctx->alloc, sn->pool, k);
                if (l && l->state == LEASE_OFFERED)
                        dhcp_alloc_offer(ctx->alloc, sn->pool, l->ip, k, mac, ctx->now, 0,
                                         ctx->inv);
                {
                        silent(d, DHCP_WHY_OTHER_SERVER_CHOSEN);
                        return;
                }
        }
        /* §4.3.2: SELECTING and INIT-REBOOT name the address in option 50
         * (ciaddr 0); RENEWING and REBINDING put it in ciaddr. */
        if (req->ciaddr)
                ip = req->ciaddr;
        else if (has_want)
                ip = want;
        else {
                silent(d, DHCP_WHY_REQUEST_NO_ADDRESS);
                return;
        }
        if ((ip & sn->mask) != sn->network) {
                nak(d, req, sn, DHCP_WHY_WRONG_NETWORK);
                return;
        }
        char hbuf[LEASE_HOSTNAME_MAX];
        uint32_t lease_s = lease_seconds(req, sn);
        int r = dhcp_alloc_bind(ctx->alloc, sn->pool, ip, k, mac, hostname_for(req, m, hbuf),
                                ctx->now, (int64_t)lease_s * 1000, ctx->inv, &d->persist);
        if (r < 0) {
                nak(d, req, sn, r == -EEXIST ? DHCP_WHY_ADDRESS_TAKEN : DHCP_WHY_OUT_OF_MEMORY);
                return;
        }
        /* The machine's reservation moved: bind it, but steer it there at
         * its next DISCOVER (a NAK now would only delay the boot). */
        give(d, req, m, sn, ctx, DHCP_ACK, ip, lease_s);
}

static void on_inform(struct dhcp_decision *d, const struct dhcp_packet *req,
                      const struct machine *m, const struct dhcp_subnet *sn,
                      const struct dhcp_policy_ctx *ctx)
{
        if (!req->ciaddr) {
                silent(d, DHCP_WHY_INFORM_NO_CIADDR);
                return;
        }
        /* §4.3.5: no lease time, no yiaddr. */
        give(d, req, m, sn, ctx, DHCP_ACK, 0, 0);
        d->out.ciaddr = req->ciaddr;
}

static void server_mode(struct dhcp_decision *d, const struct dhcp_packet *req,
                        const struct machine *m, const struct dhcp_subnet *sn,
                        const struct dhcp_policy_ctx *ctx)
{
        struct dhcp_client_key k;
        struct mac mac;
        client_key(req, &k);
        memcpy(mac.b, req->chaddr, MAC_LEN);
        if (!sn || sn->pool < 0) {
                silent(d, DHCP_WHY_NO_SUBNET);
                return;
        }
        uint32_t sid = 0, ip = 0;
        switch (req->msg_type) {
        case DHCP_DISCOVER: {
                on_discover(d, req, m, sn, ctx, &k, &mac);
                return;
        }
        case DHCP_REQUEST: {
                on_request(d, req, m, sn, ctx, &k, &mac);
                return;
        }
        case DHCP_INFORM: {
                on_inform(d, req, m, sn, ctx);
                return;
        }
        case DHCP_RELEASE:
        case DHCP_DECLINE:
                if (dhcp_pkt_ip(req, DHCP_OPT_SERVER_ID, &sid) && sid != sn->server_id) {
                        silent(d, DHCP_WHY_FOR_OTHER_SERVER);
                        return;
                }
                if (req->msg_type == DHCP_RELEASE) {
                        if (dhcp_alloc_release(ctx->alloc, req->ciaddr, &k, ctx->now, &d->persist) <
                            0) {
                                silent(d, DHCP_WHY_RELEASE_NOT_HELD);
                                return;
                        }
                        {
                                silent(d, DHCP_WHY_RELEASED);
                                return;
                        }
                }
                if (!dhcp_pkt_ip(req, DHCP_OPT_REQUESTED_IP, &ip) ||
                    dhcp_alloc_decline(ctx->alloc, ip, &k, ctx->now, ctx->decline_quarantine_ms,
                                       &d->persist) < 0) {
                        silent(d, DHCP_WHY_DECLINE_NOT_HELD);
                        return;
                }
                {
                        silent(d, DHCP_WHY_DECLINED);
                        return;
                }
        }
        silent(d, DHCP_WHY_UNSUPPORTED_TYPE);
}

/* ProxyDHCP: PXE clients only, boot information only. */
static void proxy_mode(struct dhcp_decision *d, const struct dhcp_packet *req,
                       const struct machine *m, const struct dhcp_subnet *sn,
                       const struct dhcp_policy_ctx *ctx)
{
        if (d->facts.vendor == BOOT_VENDOR_NONE) {
                silent(d, DHCP_WHY_PROXY_NOT_PXE);
                return;
        }
        if (!ctx->boot_server && req->msg_type != DHCP_DISCOVER) {
                silent(d, DHCP_WHY_PROXY_ONLY_DISCOVER);
                return;
        }
        if (ctx->boot_server && req->msg_type != DHCP_REQUEST && req->msg_type != DHCP_INFORM) {
                silent(d, DHCP_WHY_PROXY_ONLY_REQUEST);
                return;
        }
        plan_boot(d, m, ctx, false);
        if (d->plan.kind == BOOT_DHCP_NONE) {
                silent(d, d->plan.netboot_off ? DHCP_WHY_NETBOOT_OFF : DHCP_WHY_NO_BOOT_FILE);
                return;
        }
        struct dhcp_out *o = &d->out;
        dhcp_out_reply(o, req, ctx->boot_server ? DHCP_ACK : DHCP_OFFER);
        dhcp_out_add_ip(o, DHCP_OPT_SERVER_ID, sn->server_id);
        /* iPXE and firmware ignore a proxy offer without 60 PXEClient. */
        if (!d->plan.vendor_echo)
                d->plan.vendor_echo =
                    d->facts.vendor == BOOT_VENDOR_HTTP ? "HTTPClient" : "PXEClient";
        boot_options(d, req, sn->server_id);
        if (ctx->boot_server)
                o->ciaddr = req->ciaddr;
        echo_relay_info(o, req);
        d->action = DHCP_ACT_REPLY;
}

void dhcp_policy_decide(const struct dhcp_packet *req, const struct machine *m,
                        const struct dhcp_subnet *sn, const struct dhcp_policy_ctx *ctx,
                        struct dhcp_decision *ret)
{
        struct dhcp_decision *d = ret;
        d->action = DHCP_ACT_NONE;
        d->why = DHCP_WHY_NONE;
        d->persist.n = 0;
        d->have_plan = false;
        d->offer_taken_over = false;
        d->max_len = max_len_of(req);
        dhcp_policy_facts(req, &d->facts);
        memset(&d->plan, 0, sizeof(d->plan));
        switch (ctx->mode) {
        case DHCP_MODE_SERVER:
                if (!ctx->boot_server) {
                        server_mode(d, req, m, sn, ctx);
                        return;
                }
                if (!sn) {
                        silent(d, DHCP_WHY_NO_SUBNET);
                        return;
                }
                {
                        proxy_mode(d, req, m, sn, ctx);
                        return;
                }
        case DHCP_MODE_PROXY:
                if (!sn) {
                        silent(d, DHCP_WHY_NO_SERVER_ADDRESS);
                        return;
                }
                {
                        proxy_mode(d, req, m, sn, ctx);
                        return;
                }
        case DHCP_MODE_OFF:
                break;
        }
        silent(d, DHCP_WHY_OFF);
}

void dhcp_policy_nak(const struct dhcp_packet *req, const struct dhcp_subnet *sn, enum dhcp_why why,
                     struct dhcp_decision *ret)
{
        ret->persist.n = 0;
        ret->have_plan = false;
        ret->max_len = max_len_of(req);
        dhcp_policy_facts(req, &ret->facts);
        memset(&ret->plan, 0, sizeof(ret->plan));
        nak(ret, req, sn, why);
}
