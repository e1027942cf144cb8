/* The allocator: pools, affinity, reservations, races, quarantine, expiry. */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>

#include "dhcp/dhcp_alloc.h"

#define NET   0xc6120000u /* 198.18.0.0/24 */
#define MASK  0xffffff00u
#define IP(n) (NET | (n))
#define SEC   1000

static struct mac mac_n(int n)
{
        struct mac m = {{0x52, 0x54, 0x00, 0, 0, (uint8_t)n}};
        return m;
}

static struct dhcp_client_key key_n(int n)
{
        struct mac m = mac_n(n);
        struct dhcp_client_key k;
        dhcp_client_key_make(&k, NULL, 0, &m);
        return k;
}

/* Inventory stub: one reservation. */
static uint32_t res_ip;
static struct mac res_mac;
static int res_fail;

static int reserved(void *ctx, uint32_t ip, struct mac *ret)
{
        if (res_fail)
                return -EIO;
        if (res_ip && ip == res_ip) {
                *ret = res_mac;
                return 0;
        }
        return -ENOENT;
}

static const struct boot_inventory_ops view_ops = {.reservation = reserved};
static const struct boot_inventory view = {.ops = &view_ops};

static struct dhcp_alloc *mk(uint32_t first, uint32_t last, int *pool)
{
        struct dhcp_alloc *a;
        assert_int_equal(dhcp_alloc_new(&a), 0);
        uint32_t excl[2] = {IP(1), 0};
        *pool = dhcp_alloc_add_pool(a, "", NET, MASK, first, last, excl, 2);
        assert_true(*pool >= 0);
        res_ip = 0;
        res_fail = 0;
        return a;
}

/* DISCOVER + REQUEST for client n; returns the bound address or 0. */
static uint32_t dora(struct dhcp_alloc *a, int pool, int n, int64_t now)
{
        struct dhcp_client_key k = key_n(n);
        struct mac m = mac_n(n);
        uint32_t ip;
        if (dhcp_alloc_pick(a, pool, &k, &m, 0, 0, now, &view, &ip) < 0)
                return 0;
        if (dhcp_alloc_offer(a, pool, ip, &k, &m, now, 60 * SEC, &view) < 0)
                return 0;
        struct dhcp_alloc_change ch;
        if (dhcp_alloc_bind(a, pool, ip, &k, &m, NULL, now, 3600 * SEC, &view, &ch) < 0)
                return 0;
        assert_int_equal(ch.rec[ch.n - 1].ip, ip);
        assert_int_equal(ch.rec[ch.n - 1].state, LEASE_BOUND);
        return ip;
}

static void test_pool_fills_in_order_and_keeps_affinity(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(12), &pool);
        assert_int_equal(dora(a, pool, 1, 0), IP(10));
        assert_int_equal(dora(a, pool, 2, 0), IP(11));
        assert_int_equal(dora(a, pool, 1, 10), IP(10)); /* same client, same address */
        assert_int_equal(dora(a, pool, 3, 0), IP(12));
        assert_int_equal(dora(a, pool, 4, 0), 0); /* exhausted */
        dhcp_alloc_free(a);
}

static void test_excluded_addresses(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(0), IP(2), &pool);
        (void)a;
        dhcp_alloc_free(a);
        /* Range must lie in the subnet; network/broadcast/server never given. */
        assert_int_equal(dhcp_alloc_new(&a), 0);
        uint32_t excl[1] = {IP(1)};
        pool = dhcp_alloc_add_pool(a, "", NET, MASK, IP(0), IP(255), excl, 1);
        assert_true(pool >= 0);
        for (int n = 1; n <= 253; n++) {
                uint32_t ip = dora(a, pool, n, 0);
                assert_true(ip >= IP(2) && ip <= IP(254));
        }
        assert_int_equal(dora(a, pool, 254, 0), 0);
        assert_int_equal(dhcp_alloc_add_pool(a, "x", NET, MASK, 0x0a000001, 0x0a000002, NULL, 0),
                         -EINVAL);
        assert_int_equal(dhcp_alloc_add_pool(a, "", NET, MASK, 0, 0, NULL, 0), -EEXIST);
        dhcp_alloc_free(a);
}

static void test_race_for_last_address(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(10), &pool);
        struct dhcp_client_key ka = key_n(1), kb = key_n(2);
        struct mac ma = mac_n(1), mb = mac_n(2);
        uint32_t ipa, ipb;
        struct dhcp_alloc_change ch;
        assert_int_equal(dhcp_alloc_pick(a, pool, &ka, &ma, 0, 0, 0, &view, &ipa), 0);
        assert_int_equal(dhcp_alloc_offer(a, pool, ipa, &ka, &ma, 0, 60 * SEC, &view), 0);
        /* B sees nothing free while A's offer holds the address ... */
        assert_int_equal(dhcp_alloc_pick(a, pool, &kb, &mb, 0, 0, 1, &view, &ipb), -ENOSPC);
        /* ... and cannot grab it by asking for it (INIT-REBOOT). */
        assert_int_equal(
            dhcp_alloc_bind(a, pool, IP(10), &kb, &mb, NULL, 2, 3600 * SEC, &view, &ch), -EEXIST);
        assert_int_equal(
            dhcp_alloc_bind(a, pool, IP(10), &ka, &ma, NULL, 3, 3600 * SEC, &view, &ch), 0);
        assert_int_equal(
            dhcp_alloc_bind(a, pool, IP(10), &kb, &mb, NULL, 4, 3600 * SEC, &view, &ch), -EEXIST);
        /* After A's lease ends, B may have it. */
        assert_int_equal(dhcp_alloc_pick(a, pool, &kb, &mb, 0, 0, 3601 * SEC + 3, &view, &ipb), 0);
        assert_int_equal(ipb, IP(10));
        dhcp_alloc_free(a);
}

static void test_offer_hold_expires(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(10), &pool);
        struct dhcp_client_key ka = key_n(1), kb = key_n(2);
        struct mac ma = mac_n(1), mb = mac_n(2);
        uint32_t ip;
        assert_int_equal(dhcp_alloc_pick(a, pool, &ka, &ma, 0, 0, 0, &view, &ip), 0);
        assert_int_equal(dhcp_alloc_offer(a, pool, ip, &ka, &ma, 0, 60 * SEC, &view), 0);
        assert_int_equal(dhcp_alloc_pick(a, pool, &kb, &mb, 0, 0, 59 * SEC, &view, &ip), -ENOSPC);
        /* full_until backs off scans for a second; after the hold, B wins. */
        assert_int_equal(dhcp_alloc_pick(a, pool, &kb, &mb, 0, 0, 61 * SEC, &view, &ip), 0);
        assert_int_equal(ip, IP(10));
        dhcp_alloc_free(a);
}

/* DISCOVER only (an OFFER nobody requests) for client n at now. */
static uint32_t offer_only(struct dhcp_alloc *a, int pool, int n, int64_t now)
{
        struct dhcp_client_key k = key_n(n);
        struct mac m = mac_n(n);
        uint32_t ip;
        if (dhcp_alloc_pick(a, pool, &k, &m, 0, 0, now, &view, &ip) < 0 &&
            !(ip = dhcp_alloc_take_offer(a, pool, &k, &m, now, 5 * SEC, &view)))
                return 0;
        assert_int_equal(dhcp_alloc_offer(a, pool, ip, &k, &m, now, 60 * SEC, &view), 0);
        return ip;
}

/* A flood of DISCOVERs with forged chaddrs fills the pool with offers; a
 * real client still gets one (the oldest unrequested offer's address), and
 * keeps it until it requests; bound leases and young offers are never
 * taken. */
static void test_unrequested_offers_do_not_exhaust_the_pool(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(19), &pool);
        assert_int_equal(dora(a, pool, 1, 0), IP(10)); /* a real lease */
        for (int n = 2; n <= 10; n++)                  /* the flood: 9 offers, 1 a second */
                assert_int_equal(offer_only(a, pool, 100 + n, n * SEC), IP(9 + n));
        /* Full.  At 10 s only the offers made at 2..5 s are 5 s old. */
        struct dhcp_client_key k = key_n(50);
        struct mac m = mac_n(50);
        uint32_t ip;
        assert_int_equal(dhcp_alloc_pick(a, pool, &k, &m, 0, 0, 10 * SEC, &view, &ip), -ENOSPC);
        ip = dhcp_alloc_take_offer(a, pool, &k, &m, 10 * SEC, 5 * SEC, &view);
        assert_int_equal(ip, IP(11)); /* the oldest offer, not the lease at .10 */
        assert_int_equal(dhcp_alloc_offer(a, pool, ip, &k, &m, 10 * SEC, 60 * SEC, &view), 0);
        /* The flood goes on: the next ones take .12 .. .14, never the real
         * client's fresh offer (.11), then nothing is old enough. */
        assert_int_equal(offer_only(a, pool, 200, 10 * SEC), IP(12));
        assert_int_equal(offer_only(a, pool, 201, 10 * SEC), IP(13));
        assert_int_equal(offer_only(a, pool, 202, 10 * SEC), IP(14));
        assert_int_equal(offer_only(a, pool, 203, 10 * SEC), 0);
        /* The real client requests and binds its offer. */
        struct dhcp_alloc_change ch;
        assert_int_equal(
            dhcp_alloc_bind(a, pool, IP(11), &k, &m, NULL, 11 * SEC, 3600 * SEC, &view, &ch), 0);
        /* Bound leases are never taken: with every offer old enough, the
         * flood takes only offers (.12 .. .19), never .10 or .11. */
        for (int n = 0; n < 8; n++) {
                ip = offer_only(a, pool, 150 + n, 30 * SEC + n);
                assert_true(ip >= IP(12) && ip <= IP(19));
        }
        assert_int_equal(offer_only(a, pool, 160, 30 * SEC + 20), 0);
        dhcp_alloc_free(a);
}

static void test_release_keeps_affinity_then_reuse(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(11), &pool);
        struct dhcp_client_key k1 = key_n(1), k2 = key_n(2);
        struct dhcp_alloc_change ch;
        assert_int_equal(dora(a, pool, 1, 0), IP(10));
        assert_int_equal(dhcp_alloc_release(a, IP(10), &k2, 5, &ch), -ENOENT); /* not B's */
        assert_int_equal(dhcp_alloc_release(a, IP(10), &k1, 5, &ch), 0);
        assert_int_equal(ch.n, 1);
        assert_int_equal(ch.rec[0].state, LEASE_RELEASED);
        /* A fresh address goes to a new client first; A gets its old one. */
        assert_int_equal(dora(a, pool, 2, 6), IP(11));
        assert_int_equal(dora(a, pool, 1, 7), IP(10));
        (void)k2;
        dhcp_alloc_free(a);
}

static void test_released_reused_when_full(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(10), &pool);
        struct dhcp_client_key k1 = key_n(1);
        struct dhcp_alloc_change ch;
        assert_int_equal(dora(a, pool, 1, 0), IP(10));
        assert_int_equal(dhcp_alloc_release(a, IP(10), &k1, 5, &ch), 0);
        assert_int_equal(dora(a, pool, 2, 6), IP(10));
        /* A no longer owns it. */
        assert_null(dhcp_alloc_find_client(a, pool, &k1));
        dhcp_alloc_free(a);
}

static void test_decline_quarantine(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(11), &pool);
        struct dhcp_client_key k1 = key_n(1), k2 = key_n(2);
        struct dhcp_alloc_change ch;
        assert_int_equal(dora(a, pool, 1, 0), IP(10));
        assert_int_equal(dhcp_alloc_decline(a, IP(10), &k2, 1, 600 * SEC, &ch), -ENOENT);
        assert_int_equal(dhcp_alloc_decline(a, IP(10), &k1, 1, 600 * SEC, &ch), 0);
        assert_int_equal(ch.rec[0].state, LEASE_DECLINED);
        assert_int_equal(ch.rec[0].client_id_len, 0);
        /* The declining client gets another address; nobody gets .10. */
        assert_int_equal(dora(a, pool, 1, 2), IP(11));
        assert_int_equal(dora(a, pool, 3, 3), 0);
        /* After the quarantine, .10 is free again. */
        assert_int_equal(dora(a, pool, 3, 601 * SEC + 2), IP(10));
        (void)k2;
        dhcp_alloc_free(a);
}

static void test_reservations(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(11), &pool);
        /* .50 (outside the range) is reserved for client 7. */
        res_ip = IP(50);
        res_mac = mac_n(7);
        struct dhcp_client_key k7 = key_n(7), k8 = key_n(8);
        struct mac m7 = mac_n(7), m8 = mac_n(8);
        uint32_t ip;
        assert_int_equal(dhcp_alloc_pick(a, pool, &k7, &m7, IP(50), 0, 0, &view, &ip), 0);
        assert_int_equal(ip, IP(50));
        /* Nobody else may take it, even by asking. */
        assert_false(dhcp_alloc_available(a, pool, IP(50), &k8, &m8, 0, &view));
        struct dhcp_alloc_change ch;
        assert_int_equal(dhcp_alloc_bind(a, pool, IP(50), &k8, &m8, NULL, 0, SEC, &view, &ch),
                         -EEXIST);
        /* A reserved address inside the range is skipped by the pool. */
        res_ip = IP(10);
        assert_int_equal(dora(a, pool, 8, 0), IP(11));
        /* A failing inventory lookup never double-assigns. */
        res_fail = 1;
        assert_int_equal(dora(a, pool, 9, 0), 0);
        dhcp_alloc_free(a);
}

static void test_client_id_keys(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(20), &pool);
        struct mac m = mac_n(1);
        struct dhcp_client_key ka, kb, kc;
        const uint8_t ida[] = {0xff, 1, 2, 3};
        const uint8_t idb[] = {0xff, 1, 2, 4};
        dhcp_client_key_make(&ka, ida, sizeof(ida), &m);
        dhcp_client_key_make(&kb, idb, sizeof(idb), &m);
        /* Same MAC, two client ids (two OSes on one NIC): two leases. */
        uint32_t ipa, ipb;
        struct dhcp_alloc_change ch;
        assert_int_equal(dhcp_alloc_pick(a, pool, &ka, &m, 0, 0, 0, &view, &ipa), 0);
        assert_int_equal(dhcp_alloc_bind(a, pool, ipa, &ka, &m, NULL, 0, SEC * 100, &view, &ch), 0);
        assert_int_equal(dhcp_alloc_pick(a, pool, &kb, &m, 0, 0, 0, &view, &ipb), 0);
        assert_int_not_equal(ipa, ipb);
        /* Long identifiers are shortened deterministically. */
        uint8_t big[200];
        memset(big, 7, sizeof(big));
        dhcp_client_key_make(&kc, big, sizeof(big), &m);
        assert_int_equal(kc.len, DHCP_KEY_MAX);
        struct dhcp_client_key kd;
        big[199] = 8;
        dhcp_client_key_make(&kd, big, sizeof(big), &m);
        assert_memory_not_equal(kc.b, kd.b, DHCP_KEY_MAX);
        dhcp_alloc_free(a);
}

static void test_requested_address(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(20), &pool);
        struct dhcp_client_key k = key_n(1);
        struct mac m = mac_n(1);
        uint32_t ip;
        assert_int_equal(dhcp_alloc_pick(a, pool, &k, &m, 0, IP(15), 0, &view, &ip), 0);
        assert_int_equal(ip, IP(15));
        /* Outside the range (and not reserved): not given. */
        assert_int_equal(dhcp_alloc_pick(a, pool, &k, &m, 0, IP(100), 0, &view, &ip), 0);
        assert_int_not_equal(ip, IP(100));
        dhcp_alloc_free(a);
}

static void test_bind_moves_client(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(20), &pool);
        struct dhcp_client_key k = key_n(1);
        struct mac m = mac_n(1);
        struct dhcp_alloc_change ch;
        assert_int_equal(dora(a, pool, 1, 0), IP(10));
        /* INIT-REBOOT asking for another free address: old one released. */
        assert_int_equal(
            dhcp_alloc_bind(a, pool, IP(15), &k, &m, "host1", 1, 100 * SEC, &view, &ch), 0);
        assert_int_equal(ch.n, 2);
        assert_int_equal(ch.rec[0].ip, IP(10));
        assert_int_equal(ch.rec[0].state, LEASE_RELEASED);
        assert_int_equal(ch.rec[1].ip, IP(15));
        assert_string_equal(ch.rec[1].hostname, "host1");
        assert_int_equal(dhcp_alloc_find_client(a, pool, &k)->ip, IP(15));
        dhcp_alloc_free(a);
}

static int n_expired;
static void on_expired(void *ctx, const struct lease *l)
{
        n_expired++;
        assert_int_equal(l->state, LEASE_EXPIRED);
}

static void test_expire_and_reload(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(10), IP(11), &pool);
        assert_int_equal(dora(a, pool, 1, 0), IP(10));
        n_expired = 0;
        assert_int_equal(dhcp_alloc_expire(a, 3599 * SEC, on_expired, NULL), 0);
        assert_int_equal(dhcp_alloc_expire(a, 3600 * SEC, on_expired, NULL), 1);
        assert_int_equal(n_expired, 1);
        /* An expired lease still brings its client home. */
        assert_int_equal(dora(a, pool, 1, 3700 * SEC), IP(10));

        /* Reload into a new table from records. */
        struct lease l = {.ip = IP(11), .mac = mac_n(2), .state = LEASE_BOUND, .ends = 5000 * SEC};
        struct dhcp_client_key k2 = key_n(2);
        memcpy(l.client_id, k2.b, k2.len);
        l.client_id_len = k2.len;
        struct dhcp_alloc *b;
        int pb;
        b = mk(IP(10), IP(11), &pb);
        assert_int_equal(dhcp_alloc_load(b, &l), 0);
        assert_int_equal(dhcp_alloc_load(b, &l), -EEXIST);
        struct lease other = l;
        snprintf(other.subnet, sizeof(other.subnet), "gone");
        assert_int_equal(dhcp_alloc_load(b, &other), -ENOENT);
        assert_int_equal(dora(b, pb, 3, 0), IP(10));
        assert_int_equal(dora(b, pb, 4, 0), 0); /* .11 held by the loaded lease */
        assert_int_equal(dora(b, pb, 2, 0), IP(11));
        assert_int_equal(dhcp_alloc_count(b), 2);
        dhcp_alloc_free(a);
        dhcp_alloc_free(b);
}

static void test_many_clients(void **state)
{
        struct dhcp_alloc *a;
        assert_int_equal(dhcp_alloc_new(&a), 0);
        int pool = dhcp_alloc_add_pool(a, "big", 0xc6130000u, 0xffff0000u, 0xc6130001u, 0xc613fffeu,
                                       NULL, 0);
        res_ip = 0;
        res_fail = 0;
        for (int n = 0; n < 20000; n++) {
                struct mac m = {{0x02, 0, 0, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n}};
                struct dhcp_client_key k;
                dhcp_client_key_make(&k, NULL, 0, &m);
                uint32_t ip;
                struct dhcp_alloc_change ch;
                assert_int_equal(dhcp_alloc_pick(a, pool, &k, &m, 0, 0, 0, &view, &ip), 0);
                assert_int_equal(ip, 0xc6130001u + (uint32_t)n);
                assert_int_equal(dhcp_alloc_bind(a, pool, ip, &k, &m, NULL, 0, SEC, &view, &ch), 0);
        }
        assert_int_equal(dhcp_alloc_count(a), 20000);
        dhcp_alloc_free(a);
}

/* Another server's writes (dhcp_alloc_apply): a bound row takes the address
 * from this server's offer and the client gets its address back here; a
 * row that frees the address leaves this server's offer alone. */
static struct lease row_n(int n, uint32_t ip, enum lease_state st, int64_t ends)
{
        struct lease l = {.ip = ip, .mac = mac_n(n), .state = st, .starts = 0, .ends = ends};
        struct dhcp_client_key k = key_n(n);
        memcpy(l.client_id, k.b, k.len);
        l.client_id_len = k.len;
        return l;
}

static void test_apply_other_servers_rows(void **state)
{
        int pool;
        struct dhcp_alloc *a = mk(IP(100), IP(102), &pool);
        int64_t now = 1000 * SEC;
        struct dhcp_client_key k1 = key_n(1), k2 = key_n(2);
        struct mac m1 = mac_n(1), m2 = mac_n(2);
        uint32_t ip;
        /* This server offers .100 to client 2 ... */
        assert_int_equal(dhcp_alloc_pick(a, pool, &k2, &m2, 0, 0, now, &view, &ip), 0);
        assert_int_equal(ip, IP(100));
        assert_int_equal(dhcp_alloc_offer(a, pool, ip, &k2, &m2, now, 60 * SEC, &view), 0);
        /* ... while another server bound it to client 1: the row wins. */
        struct lease l = row_n(1, IP(100), LEASE_BOUND, now + 3600 * SEC);
        assert_int_equal(dhcp_alloc_apply(a, &l, now), 0);
        assert_false(dhcp_alloc_available(a, pool, IP(100), &k2, &m2, now, &view));
        struct dhcp_alloc_change ch;
        assert_int_equal(
            dhcp_alloc_bind(a, pool, IP(100), &k2, &m2, NULL, now, 3600 * SEC, &view, &ch),
            -EEXIST);
        /* Client 1 renews here: its address, as the other server gave it. */
        assert_int_equal(dhcp_alloc_pick(a, pool, &k1, &m1, 0, 0, now, &view, &ip), 0);
        assert_int_equal(ip, IP(100));
        assert_int_equal(
            dhcp_alloc_bind(a, pool, IP(100), &k1, &m1, NULL, now, 3600 * SEC, &view, &ch), 0);
        /* Client 2 gets another address; a released row elsewhere leaves
         * this server's offer standing. */
        assert_int_equal(dhcp_alloc_pick(a, pool, &k2, &m2, 0, 0, now, &view, &ip), 0);
        assert_int_equal(ip, IP(101));
        assert_int_equal(dhcp_alloc_offer(a, pool, ip, &k2, &m2, now, 60 * SEC, &view), 0);
        l = row_n(3, IP(101), LEASE_RELEASED, now);
        assert_int_equal(dhcp_alloc_apply(a, &l, now), 0);
        struct dhcp_client_key k3 = key_n(3);
        struct mac m3 = mac_n(3);
        assert_false(dhcp_alloc_available(a, pool, IP(101), &k3, &m3, now, &view));
        /* A row of an unknown subnet is not this server's business. */
        l = row_n(4, IP(102), LEASE_BOUND, now + SEC);
        snprintf(l.subnet, sizeof(l.subnet), "elsewhere");
        assert_int_equal(dhcp_alloc_apply(a, &l, now), -ENOENT);
        /* A stored row ending frees the address for anyone. */
        l = row_n(1, IP(100), LEASE_EXPIRED, now);
        assert_int_equal(dhcp_alloc_apply(a, &l, now), 0);
        assert_true(dhcp_alloc_available(a, pool, IP(100), &k3, &m3, now, &view));
        dhcp_alloc_free(a);
}

/* Spread (several servers on one pool): the search starts inside the range,
 * elsewhere for another seed, and still hands out every address once, also
 * when it jumps midway. */
static void test_spread_covers_the_range(void **state)
{
        int pool;
        uint32_t start[2];
        for (int s = 0; s < 2; s++) {
                struct dhcp_alloc *a = mk(IP(10), IP(59), &pool);
                dhcp_alloc_spread(a, s ? 0xc6120002u : 0xc6120001u);
                bool seen[50] = {false};
                for (int n = 0; n < 50; n++) {
                        uint32_t ip = dora(a, pool, n + 1, 1000 * SEC);
                        assert_true(ip >= IP(10) && ip <= IP(59));
                        assert_false(seen[ip - IP(10)]);
                        seen[ip - IP(10)] = true;
                        if (n == 0)
                                start[s] = ip;
                        if (s == 1 && n == 20) /* a jump (a lost claim) loses nothing */
                                dhcp_alloc_spread(a, 12345);
                }
                assert_int_equal(dora(a, pool, 99, 1000 * SEC), 0); /* full */
                dhcp_alloc_free(a);
        }
        assert_true(start[0] != start[1]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pool_fills_in_order_and_keeps_affinity),
            cmocka_unit_test(test_excluded_addresses),
            cmocka_unit_test(test_race_for_last_address),
            cmocka_unit_test(test_offer_hold_expires),
            cmocka_unit_test(test_release_keeps_affinity_then_reuse),
            cmocka_unit_test(test_released_reused_when_full),
            cmocka_unit_test(test_decline_quarantine),
            cmocka_unit_test(test_reservations),
            cmocka_unit_test(test_client_id_keys),
            cmocka_unit_test(test_requested_address),
            cmocka_unit_test(test_bind_moves_client),
            cmocka_unit_test(test_expire_and_reload),
            cmocka_unit_test(test_many_clients),
            cmocka_unit_test(test_apply_other_servers_rows),
            cmocka_unit_test(test_spread_covers_the_range),
            cmocka_unit_test(test_unrequested_offers_do_not_exhaust_the_pool),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
