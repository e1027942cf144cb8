/* libFuzzer target: the DHCP policy entry point.
 *
 * Input: byte 0 selects mode (bit 0: proxy, bit 1: port 4011), byte 1 the
 * inventory record (bit 0: known, bit 1: netboot off, bit 2: reservation,
 * bit 3: boot_file override), byte 2 a time step; the rest is the packet.
 * The allocator persists across inputs (like the server's), so sequences
 * of requests are explored; it is rebuilt every few thousand inputs. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NET  0xc6120000u
#define MASK 0xffffff00u

static const char *files[BOOT_ARCH_N] = {
    [BOOT_ARCH_BIOS] = "undionly.kpxe",
    [BOOT_ARCH_EFI_X64] = "ipxe.efi",
    [BOOT_ARCH_HTTP_X64] = "ipxe.efi",
    [BOOT_ARCH_DEFAULT] = "default.efi",
};

static struct dhcp_alloc *alloc;
static int pool;
static unsigned runs;
static int64_t now = 1000000;
static struct dhcp_packet pkt;
static struct dhcp_decision dec;
static struct dhcp_subnet_conf conf = {
    .lease_time_s = 600, .router = NET | 1, .n_dns = 1, .dns = {NET | 1}, .domain = "fuzz.test"};
static uint8_t wire[1500];

static int reserved(void *ctx, uint32_t ip, struct mac *ret)
{
        if (ip != (NET | 50))
                return -ENOENT;
        *ret = (struct mac){{0x52, 0x54, 0, 0, 0, 0x50}};
        return 0;
}

static const struct boot_inventory_ops view_ops = {.reservation = reserved};
static const struct boot_inventory view = {.ops = &view_ops};
static struct boot_endpoints *ep; /* http://198.18.0.1 */

static void reset(void)
{
        dhcp_alloc_free(alloc);
        alloc = NULL;
        assert(dhcp_alloc_new(&alloc) == 0);
        uint32_t excl[1] = {NET | 1};
        pool = dhcp_alloc_add_pool(alloc, "", NET, MASK, NET | 100, NET | 110, excl, 1);
        assert(pool >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 3)
                return 0;
        if (!alloc || ++runs % 4096 == 0)
                reset();
        if (!ep) {
                struct boot_endpoints_conf ec = {.http_port = 80};
                assert(boot_endpoints_new(&ec, 0xc6120001u, &ep) == 0);
        }
        uint8_t mode = data[0], who = data[1];
        now += data[2] * 1000;
        const char *why;
        if (dhcp_wire_decode(data + 3, size - 3, &pkt, &why) < 0 ||
            dhcp_wire_check_request(&pkt, &why) < 0)
                return 0;
        struct machine m = {.netboot = !(who & 2),
                            .ipv4 = (who & 4) ? (NET | 50) : 0,
                            .boot_file = (who & 8) ? "snponly.efi" : NULL,
                            .hostname = "fuzzed"};
        memcpy(m.mac.b, pkt.chaddr, 6);
        struct dhcp_subnet sn = {.pool = (mode & 1) ? -1 : pool,
                                 .conf = &conf,
                                 .network = NET,
                                 .mask = MASK,
                                 .server_id = NET | 1};
        struct dhcp_policy_ctx ctx = {
            .mode = (mode & 1) ? DHCP_MODE_PROXY : DHCP_MODE_SERVER,
            .boot_server = (mode & 2) != 0,
            .alloc = alloc,
            .inv = &view,
            .boot = {.ep = ep, .files = files},
            .now = now,
            .offer_hold_ms = 60000,
            .offer_takeover_ms = 5000, /* as the server: a full pool's old offers are taken */
            .decline_quarantine_ms = 600000,
        };
        dhcp_policy_decide(&pkt, (who & 1) ? &m : NULL, (mode & 4) ? NULL : &sn, &ctx, &dec);
        assert(dec.persist.n <= DHCP_ALLOC_OUT_MAX);
        if (dec.action != DHCP_ACT_REPLY)
                return 0;
        assert(dec.max_len >= 548 && dec.max_len <= 1472);
        int n = dhcp_wire_encode(&dec.out, wire, dec.max_len);
        if (n < 0)
                return 0; /* an echoed option 82 may be too big: not sent */
        static struct dhcp_packet back;
        assert(dhcp_wire_decode(wire, (size_t)n, &back, &why) == 0);
        assert(back.op == DHCP_BOOTREPLY && back.xid == pkt.xid);
        /* The invariant: a bound address belongs to exactly one client. */
        if (back.msg_type == DHCP_ACK && back.yiaddr) {
                const struct lease *l = dhcp_alloc_find_ip(alloc, back.yiaddr);
                assert(l && l->state == LEASE_BOUND);
                assert(memcmp(l->mac.b, pkt.chaddr, 6) == 0);
        }
        return 0;
}
