/* DHCP decisions per message and per client type (server and proxy). */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>

#include "dhcp/dhcp_policy.h"

#define NET    0xc6120000u
#define MASK   0xffffff00u
#define IP(n)  (NET | (n))
#define SERVER IP(1)

static const char *files[BOOT_ARCH_N] = {
    [BOOT_ARCH_BIOS] = "undionly.kpxe",
    [BOOT_ARCH_EFI_X64] = "ipxe.efi",
    [BOOT_ARCH_HTTP_X64] = "ipxe.efi",
};

static struct dhcp_subnet_conf conf;
static struct dhcp_subnet sn;
static struct dhcp_alloc *alloc;
static struct dhcp_policy_ctx ctx;
static struct dhcp_packet req;
static struct dhcp_decision dec;
static struct dhcp_packet reply;
static struct boot_endpoints *ep; /* http://198.18.0.1 */

static int setup(void **state)
{
        memset(&conf, 0, sizeof(conf));
        conf.lease_time_s = 3600;
        conf.router = IP(1);
        conf.dns[0] = IP(2);
        conf.n_dns = 1;
        snprintf(conf.domain, sizeof(conf.domain), "lab.test");
        struct boot_endpoints_conf ec = {.http_port = 80};
        assert_int_equal(boot_endpoints_new(&ec, SERVER, &ep), 0);
        assert_int_equal(dhcp_alloc_new(&alloc), 0);
        uint32_t excl[1] = {SERVER};
        int pool = dhcp_alloc_add_pool(alloc, "", NET, MASK, IP(100), IP(101), excl, 1);
        sn = (struct dhcp_subnet){
            .pool = pool, .conf = &conf, .network = NET, .mask = MASK, .server_id = SERVER};
        ctx = (struct dhcp_policy_ctx){.mode = DHCP_MODE_SERVER,
                                       .alloc = alloc,
                                       .boot = {.ep = ep, .files = files},
                                       .now = 1000000,
                                       .offer_hold_ms = 60000,
                                       .decline_quarantine_ms = 3600000};
        return 0;
}

static int teardown(void **state)
{
        dhcp_alloc_free(alloc);
        boot_endpoints_free(ep);
        ep = NULL;
        return 0;
}

struct req_spec {
        uint8_t type;
        int mac;
        uint32_t ciaddr, giaddr, requested, server_id;
        const char *vendor;
        const char *user_class;
        int arch; /* code + 1 (ARCH(n)); 0 = none */
        bool etherboot, broadcast;
        const uint8_t *relay_info;
        size_t relay_info_len;
        uint16_t max_size;
};

/* Builds req through the real codec. */
static void make(const struct req_spec *s)
{
        struct dhcp_out o;
        memset(&o, 0, sizeof(o));
        o.op = DHCP_BOOTREQUEST;
        o.htype = 1;
        o.hlen = 6;
        o.xid = 0xabcdef01;
        o.ciaddr = s->ciaddr;
        o.giaddr = s->giaddr;
        o.flags = s->broadcast ? DHCP_FLAG_BROADCAST : 0;
        uint8_t mac[6] = {0x52, 0x54, 0x00, 0, 0, (uint8_t)s->mac};
        memcpy(o.chaddr, mac, 6);
        dhcp_out_add_u8(&o, DHCP_OPT_MSG_TYPE, s->type);
        if (s->requested)
                dhcp_out_add_ip(&o, DHCP_OPT_REQUESTED_IP, s->requested);
        if (s->server_id)
                dhcp_out_add_ip(&o, DHCP_OPT_SERVER_ID, s->server_id);
        if (s->vendor)
                dhcp_out_add_str(&o, DHCP_OPT_VENDOR_CLASS, s->vendor);
        if (s->user_class)
                dhcp_out_add_str(&o, DHCP_OPT_USER_CLASS, s->user_class);
        if (s->arch)
                dhcp_out_add_u16(&o, DHCP_OPT_CLIENT_ARCH, (uint16_t)(s->arch - 1));
        if (s->etherboot)
                dhcp_out_add(&o, DHCP_OPT_ETHERBOOT, "\x13\x01\x01", 3);
        if (s->relay_info)
                dhcp_out_add(&o, DHCP_OPT_RELAY_INFO, s->relay_info, s->relay_info_len);
        if (s->max_size)
                dhcp_out_add_u16(&o, DHCP_OPT_MAX_SIZE, s->max_size);
        static const uint8_t uuid[17] = {0, 1, 2, 3};
        dhcp_out_add(&o, DHCP_OPT_CLIENT_UUID, uuid, sizeof(uuid));
        uint8_t wire[1500];
        int n = dhcp_wire_encode(&o, wire, sizeof(wire));
        assert_true(n > 0);
        const char *why;
        assert_int_equal(dhcp_wire_decode(wire, (size_t)n, &req, &why), 0);
        assert_int_equal(dhcp_wire_check_request(&req, &why), 0);
}

static void decide(const struct machine *m)
{
        dhcp_policy_decide(&req, m, &sn, &ctx, &dec);
        if (dec.action != DHCP_ACT_REPLY)
                return;
        uint8_t wire[1500];
        int n = dhcp_wire_encode(&dec.out, wire, dec.max_len);
        assert_true(n > 0);
        const char *why;
        assert_int_equal(dhcp_wire_decode(wire, (size_t)n, &reply, &why), 0);
}

static const char *opt_str(uint8_t code)
{
        static char s[300];
        size_t n;
        const uint8_t *v = dhcp_pkt_opt(&reply, code, &n);
        if (!v)
                return NULL;
        memcpy(s, v, n);
        s[n] = 0;
        return s;
}

#define SPEC(...) (&(struct req_spec){__VA_ARGS__})
#define ARCH(n)   ((n) + 1)

static void test_plain_client_dora(void **state)
{
        make(SPEC(.type = DHCP_DISCOVER, .mac = 1));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_REPLY);
        assert_int_equal(reply.msg_type, DHCP_OFFER);
        assert_int_equal(reply.yiaddr, IP(100));
        assert_int_equal(dec.persist.n, 0); /* offers are not durable */
        uint32_t v;
        assert_true(dhcp_pkt_ip(&reply, DHCP_OPT_SERVER_ID, &v));
        assert_int_equal(v, SERVER);
        assert_true(dhcp_pkt_ip(&reply, DHCP_OPT_SUBNET_MASK, &v));
        assert_int_equal(v, MASK);
        assert_true(dhcp_pkt_ip(&reply, DHCP_OPT_ROUTER, &v));
        assert_true(dhcp_pkt_u32(&reply, DHCP_OPT_LEASE_TIME, &v));
        assert_int_equal(v, 3600);
        assert_true(dhcp_pkt_u32(&reply, DHCP_OPT_T1, &v));
        assert_int_equal(v, 1800);
        assert_true(dhcp_pkt_u32(&reply, DHCP_OPT_T2, &v));
        assert_int_equal(v, 3150);
        assert_string_equal(opt_str(DHCP_OPT_DOMAIN), "lab.test");
        assert_string_equal(reply.file, "");
        assert_null(opt_str(DHCP_OPT_VENDOR_CLASS));

        make(SPEC(.type = DHCP_REQUEST, .mac = 1, .requested = IP(100), .server_id = SERVER));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        assert_int_equal(reply.yiaddr, IP(100));
        assert_int_equal(dec.persist.n, 1);
        assert_int_equal(dec.persist.rec[0].state, LEASE_BOUND);
        assert_int_equal(dec.persist.rec[0].ends, ctx.now + 3600000);
}

static void test_bios_pxe_offer(void **state)
{
        make(SPEC(.type = DHCP_DISCOVER, .mac = 2, .arch = ARCH(0),
                  .vendor = "PXEClient:Arch:00000:UNDI:002001"));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_OFFER);
        assert_string_equal(reply.file, "undionly.kpxe");
        assert_int_equal(reply.siaddr, SERVER);
        assert_string_equal(opt_str(DHCP_OPT_VENDOR_CLASS), "PXEClient");
        size_t n;
        const uint8_t *v43 = dhcp_pkt_opt(&reply, DHCP_OPT_VENDOR, &n);
        assert_int_equal(n, 4);
        assert_memory_equal(v43, "\x06\x01\x08\xff", 4);
        assert_true(dhcp_pkt_has(&reply, DHCP_OPT_CLIENT_UUID));
        assert_true(dec.have_plan);
        assert_int_equal(dec.plan.client, BOOT_CLIENT_PXE);
}

static void test_ipxe_gets_script_url(void **state)
{
        make(SPEC(.type = DHCP_DISCOVER, .mac = 3, .arch = ARCH(7), .user_class = "iPXE",
                  .vendor = "PXEClient:Arch:00007:UNDI:003016", .etherboot = true));
        decide(NULL);
        assert_string_equal(reply.file, "http://198.18.0.1/boot.ipxe");
        assert_string_equal(opt_str(DHCP_OPT_BOOTFILE), "http://198.18.0.1/boot.ipxe");
        assert_string_equal(opt_str(DHCP_OPT_VENDOR_CLASS), "PXEClient");
        size_t n;
        const uint8_t *e = dhcp_pkt_opt(&reply, DHCP_OPT_ETHERBOOT, &n);
        assert_int_equal(n, 3);
        assert_memory_equal(e, "\xb0\x01\x01", 3); /* 175.176 = 1 */
        assert_false(dhcp_pkt_has(&reply, DHCP_OPT_VENDOR));
}

static void test_http_boot_echo(void **state)
{
        make(SPEC(.type = DHCP_DISCOVER, .mac = 4, .arch = ARCH(16),
                  .vendor = "HTTPClient:Arch:00016:UNDI:003000"));
        decide(NULL);
        assert_string_equal(opt_str(DHCP_OPT_VENDOR_CLASS), "HTTPClient");
        assert_string_equal(reply.file, "http://198.18.0.1/ipxe.efi");
}

static void test_netboot_off_gets_address_only(void **state)
{
        struct machine m = {.netboot = false, .hostname = "quiet"};
        make(SPEC(.type = DHCP_DISCOVER, .mac = 5, .arch = ARCH(7),
                  .vendor = "PXEClient:Arch:00007:UNDI:003000"));
        decide(&m);
        assert_int_equal(reply.msg_type, DHCP_OFFER);
        assert_int_equal(reply.yiaddr, IP(100));
        assert_string_equal(reply.file, "");
        assert_null(opt_str(DHCP_OPT_VENDOR_CLASS));
        assert_string_equal(opt_str(DHCP_OPT_HOSTNAME), "quiet");
}

static int reserved_50_for_6(void *c, uint32_t ip, struct mac *ret)
{
        if (ip != IP(50))
                return -ENOENT;
        *ret = (struct mac){{0x52, 0x54, 0x00, 0, 0, 6}};
        return 0;
}

static void test_reservation_and_hostname(void **state)
{
        static const struct boot_inventory_ops ops = {.reservation = reserved_50_for_6};
        static const struct boot_inventory v = {.ops = &ops};
        ctx.inv = &v;
        struct machine m = {.netboot = true, .ipv4 = IP(50), .hostname = "node1"};
        make(SPEC(.type = DHCP_DISCOVER, .mac = 6));
        decide(&m);
        assert_int_equal(reply.yiaddr, IP(50));
        assert_string_equal(opt_str(DHCP_OPT_HOSTNAME), "node1");
        make(SPEC(.type = DHCP_REQUEST, .mac = 6, .requested = IP(50), .server_id = SERVER));
        decide(&m);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        assert_string_equal(dec.persist.rec[0].hostname, "node1");
}

static void test_request_for_other_server(void **state)
{
        make(SPEC(.type = DHCP_DISCOVER, .mac = 7));
        decide(NULL);
        assert_int_equal(reply.yiaddr, IP(100));
        make(SPEC(.type = DHCP_REQUEST, .mac = 7, .requested = IP(99), .server_id = IP(254)));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        /* The abandoned offer frees the address at once: with .101 taken,
         * the next client gets .100. */
        make(SPEC(.type = DHCP_DISCOVER, .mac = 8));
        decide(NULL);
        assert_int_equal(reply.yiaddr, IP(101));
        make(SPEC(.type = DHCP_DISCOVER, .mac = 9));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_REPLY);
        assert_int_equal(reply.yiaddr, IP(100));
}

static void test_init_reboot_and_naks(void **state)
{
        /* Wrong network: NAK. */
        make(SPEC(.type = DHCP_REQUEST, .mac = 9, .requested = 0x0a000005));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_NAK);
        assert_int_equal(reply.yiaddr, 0);
        assert_false(dhcp_pkt_has(&reply, DHCP_OPT_LEASE_TIME));
        /* Free address in range: ACK (we are authoritative). */
        make(SPEC(.type = DHCP_REQUEST, .mac = 9, .requested = IP(101)));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        /* Someone else's: NAK. */
        make(SPEC(.type = DHCP_REQUEST, .mac = 10, .requested = IP(101)));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_NAK);
        /* No address at all: silent. */
        make(SPEC(.type = DHCP_REQUEST, .mac = 10));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
}

static void test_renew_release_decline(void **state)
{
        make(SPEC(.type = DHCP_REQUEST, .mac = 11, .requested = IP(100)));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        ctx.now += 1800000;
        make(SPEC(.type = DHCP_REQUEST, .mac = 11, .ciaddr = IP(100)));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        assert_int_equal(reply.yiaddr, IP(100));
        assert_int_equal(reply.ciaddr, IP(100));
        assert_int_equal(dec.persist.rec[0].ends, ctx.now + 3600000);
        make(SPEC(.type = DHCP_RELEASE, .mac = 11, .ciaddr = IP(100), .server_id = SERVER));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        assert_int_equal(dec.persist.n, 1);
        assert_int_equal(dec.persist.rec[0].state, LEASE_RELEASED);
        /* Renew after release: re-bound (the address is still free). */
        make(SPEC(.type = DHCP_REQUEST, .mac = 11, .ciaddr = IP(100)));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        make(SPEC(.type = DHCP_DECLINE, .mac = 11, .requested = IP(100), .server_id = SERVER));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        assert_int_equal(dec.persist.rec[0].state, LEASE_DECLINED);
        /* The declining client is steered elsewhere. */
        make(SPEC(.type = DHCP_DISCOVER, .mac = 11));
        decide(NULL);
        assert_int_equal(reply.yiaddr, IP(101));
        /* A DECLINE of an address the client does not hold changes nothing. */
        make(SPEC(.type = DHCP_DECLINE, .mac = 12, .requested = IP(101), .server_id = SERVER));
        decide(NULL);
        assert_int_equal(dec.persist.n, 0);
}

static void test_inform(void **state)
{
        make(SPEC(.type = DHCP_INFORM, .mac = 13, .ciaddr = IP(77)));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        assert_int_equal(reply.yiaddr, 0);
        assert_int_equal(reply.ciaddr, IP(77));
        assert_false(dhcp_pkt_has(&reply, DHCP_OPT_LEASE_TIME));
        assert_true(dhcp_pkt_has(&reply, DHCP_OPT_SUBNET_MASK));
        assert_int_equal(dec.persist.n, 0);
}

static void test_relay_echo_and_nak_broadcast(void **state)
{
        static const uint8_t ri[] = {1, 4, 'p', 'o', 'r', 't', 2, 2, 'r', '1'};
        make(SPEC(.type = DHCP_DISCOVER, .mac = 14, .giaddr = IP(254), .relay_info = ri,
                  .relay_info_len = sizeof(ri)));
        decide(NULL);
        assert_int_equal(reply.giaddr, IP(254));
        size_t n;
        const uint8_t *v = dhcp_pkt_opt(&reply, DHCP_OPT_RELAY_INFO, &n);
        assert_int_equal(n, sizeof(ri));
        assert_memory_equal(v, ri, sizeof(ri));
        /* RFC 3046: last option before END. */
        assert_int_equal(dec.out.opts[dec.out.n_opts - 1].code, DHCP_OPT_RELAY_INFO);
        make(SPEC(.type = DHCP_REQUEST, .mac = 14, .giaddr = IP(254), .requested = 0x0a000001));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_NAK);
        assert_true(reply.flags & DHCP_FLAG_BROADCAST);
}

static void test_pool_exhausted_is_silent(void **state)
{
        make(SPEC(.type = DHCP_REQUEST, .mac = 20, .requested = IP(100)));
        decide(NULL);
        make(SPEC(.type = DHCP_REQUEST, .mac = 21, .requested = IP(101)));
        decide(NULL);
        make(SPEC(.type = DHCP_DISCOVER, .mac = 22));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        assert_int_equal(dec.why, DHCP_WHY_NO_FREE_ADDRESS);
        assert_string_equal(dhcp_why_name(dec.why), "no free address");
}

/* The pool full of offers nobody requested (a DISCOVER flood): with
 * offer_takeover_ms set, a new client is offered the address of one at
 * least that old, and can bind it; younger offers and bound leases stay. */
static void test_unrequested_offers_are_taken_over(void **state)
{
        ctx.offer_takeover_ms = 5000;
        int64_t t0 = ctx.now;
        make(SPEC(.type = DHCP_REQUEST, .mac = 20, .requested = IP(100)));
        decide(NULL); /* a bound lease at .100 */
        make(SPEC(.type = DHCP_DISCOVER, .mac = 30));
        decide(NULL); /* an offer at .101, never requested */
        assert_int_equal(reply.yiaddr, IP(101));
        ctx.now = t0 + 4000; /* too young to take */
        make(SPEC(.type = DHCP_DISCOVER, .mac = 22));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        assert_int_equal(dec.why, DHCP_WHY_NO_FREE_ADDRESS);
        ctx.now = t0 + 6000;
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_REPLY);
        assert_int_equal(reply.msg_type, DHCP_OFFER);
        assert_int_equal(reply.yiaddr, IP(101));
        assert_true(dec.offer_taken_over);
        make(SPEC(.type = DHCP_REQUEST, .mac = 22, .requested = IP(101), .server_id = SERVER));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        assert_false(dec.offer_taken_over);
        /* Nothing left to take: both addresses are bound. */
        ctx.now = t0 + 20000;
        make(SPEC(.type = DHCP_DISCOVER, .mac = 31));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
}

static void test_no_subnet(void **state)
{
        make(SPEC(.type = DHCP_DISCOVER, .mac = 1));
        dhcp_policy_decide(&req, NULL, NULL, &ctx, &dec);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        ctx.mode = DHCP_MODE_OFF;
        dhcp_policy_decide(&req, NULL, &sn, &ctx, &dec);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
}

static void test_max_message_size(void **state)
{
        make(SPEC(.type = DHCP_DISCOVER, .mac = 1, .max_size = 1472));
        decide(NULL);
        assert_int_equal(dec.max_len, 1472 - 28);
        make(SPEC(.type = DHCP_DISCOVER, .mac = 1, .max_size = 65280));
        decide(NULL);
        assert_int_equal(dec.max_len, 1500 - 28);
        make(SPEC(.type = DHCP_DISCOVER, .mac = 1, .max_size = 300));
        decide(NULL);
        assert_int_equal(dec.max_len, 576 - 28);
}

/* ---- proxy ---- */

static void proxy(void)
{
        ctx.mode = DHCP_MODE_PROXY;
        sn.pool = -1;
}

static void test_proxy_bios(void **state)
{
        proxy();
        make(SPEC(.type = DHCP_DISCOVER, .mac = 30, .arch = ARCH(0),
                  .vendor = "PXEClient:Arch:00000:UNDI:002001"));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_OFFER);
        assert_int_equal(reply.yiaddr, 0);
        assert_int_equal(reply.siaddr, SERVER);
        assert_string_equal(reply.file, "undionly.kpxe");
        assert_string_equal(opt_str(DHCP_OPT_VENDOR_CLASS), "PXEClient");
        assert_true(dhcp_pkt_has(&reply, DHCP_OPT_VENDOR));
        assert_false(dhcp_pkt_has(&reply, DHCP_OPT_LEASE_TIME));
        assert_false(dhcp_pkt_has(&reply, DHCP_OPT_SUBNET_MASK));
        assert_false(dhcp_pkt_has(&reply, DHCP_OPT_ETHERBOOT));
        assert_int_equal(dhcp_alloc_count(alloc), 0);
}

static void test_proxy_uefi_and_4011(void **state)
{
        proxy();
        make(SPEC(.type = DHCP_DISCOVER, .mac = 31, .arch = ARCH(7),
                  .vendor = "PXEClient:Arch:00007:UNDI:003000"));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_OFFER);
        assert_false(dhcp_pkt_has(&reply, DHCP_OPT_VENDOR)); /* → comes to 4011 */
        assert_string_equal(opt_str(DHCP_OPT_VENDOR_CLASS), "PXEClient");
        ctx.boot_server = true;
        make(SPEC(.type = DHCP_REQUEST, .mac = 31, .arch = ARCH(7), .ciaddr = IP(33),
                  .vendor = "PXEClient:Arch:00007:UNDI:003000"));
        decide(NULL);
        assert_int_equal(reply.msg_type, DHCP_ACK);
        assert_int_equal(reply.yiaddr, 0);
        assert_int_equal(reply.ciaddr, IP(33));
        assert_string_equal(reply.file, "ipxe.efi");
        /* Only REQUEST/INFORM on 4011. */
        make(SPEC(.type = DHCP_DISCOVER, .mac = 31, .arch = ARCH(7), .vendor = "PXEClient"));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
}

static void test_proxy_silences(void **state)
{
        proxy();
        make(SPEC(.type = DHCP_DISCOVER, .mac = 32)); /* not PXE */
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        make(SPEC(.type = DHCP_REQUEST, .mac = 32, .arch = ARCH(0), .vendor = "PXEClient",
                  .requested = IP(5), .server_id = IP(254)));
        decide(NULL);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        struct machine m = {.netboot = false};
        make(SPEC(.type = DHCP_DISCOVER, .mac = 33, .arch = ARCH(0), .vendor = "PXEClient"));
        decide(&m);
        assert_int_equal(dec.action, DHCP_ACT_NONE);
        assert_int_equal(dec.why, DHCP_WHY_NETBOOT_OFF);
        assert_string_equal(dhcp_why_name(dec.why), "netboot off");
}

static void test_proxy_ipxe(void **state)
{
        proxy();
        make(SPEC(.type = DHCP_DISCOVER, .mac = 34, .arch = ARCH(0), .user_class = "iPXE",
                  .vendor = "PXEClient:Arch:00000:UNDI:002001"));
        decide(NULL);
        assert_string_equal(reply.file, "http://198.18.0.1/boot.ipxe");
        assert_string_equal(opt_str(DHCP_OPT_VENDOR_CLASS), "PXEClient");
        assert_false(dhcp_pkt_has(&reply, DHCP_OPT_ETHERBOOT)); /* not authoritative */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(test_plain_client_dora),
            T(test_bios_pxe_offer),
            T(test_ipxe_gets_script_url),
            T(test_http_boot_echo),
            T(test_netboot_off_gets_address_only),
            T(test_reservation_and_hostname),
            T(test_request_for_other_server),
            T(test_init_reboot_and_naks),
            T(test_renew_release_decline),
            T(test_inform),
            T(test_relay_echo_and_nak_broadcast),
            T(test_pool_exhausted_is_silent),
            T(test_unrequested_offers_are_taken_over),
            T(test_no_subnet),
            T(test_max_message_size),
            T(test_proxy_bios),
            T(test_proxy_uefi_and_4011),
            T(test_proxy_silences),
            T(test_proxy_ipxe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
