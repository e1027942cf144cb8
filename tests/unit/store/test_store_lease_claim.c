/* store_lease_claim_many(): the database decides who gets an address when
 * several servers answer DHCP.  On both backends: what may be claimed
 * (absent, same MAC, released/expired, ended) and what may not (another
 * MAC's bound, offered or declined address before it ends); an expiry
 * never undoes another server's renewal.  On PostgreSQL also: two servers
 * racing for the same addresses from two threads never both win, and
 * store_lease_changes() shows one server's writes to the other. */
#include "../test_util.h"

#include <errno.h>
#include <pthread.h>

#include "../store_fixture.h"

#define IP(n) (0xC6120000u + (n)) /* 198.18.0.n */

static struct mac mac_n(unsigned n)
{
        struct mac m = {.b = {0x52, 0x54, 0x00, 0x77, (uint8_t)(n >> 8), (uint8_t)n}};
        return m;
}

static struct lease lease_of(uint32_t ip, unsigned mac, enum lease_state st, int64_t starts,
                             int64_t ends)
{
        struct lease l = {.ip = ip, .mac = mac_n(mac), .state = st, .starts = starts, .ends = ends};
        return l;
}

static bool claim(struct store *s, struct lease l, int64_t now)
{
        bool ok = false;
        assert_int_equal(store_lease_claim_many(s, &l, 1, now, &ok), 0);
        return ok;
}

static void expect_holder(struct store *s, uint32_t ip, unsigned mac, enum lease_state st)
{
        struct lease got;
        assert_int_equal(store_lease_get(s, ip, &got), 0);
        struct mac want = mac_n(mac);
        assert_memory_equal(got.mac.b, want.b, MAC_LEN);
        assert_int_equal(got.state, st);
}

static void test_claim_rules(void **state)
{
        struct fixture *f = *state;
        struct store *s = f->s;
        /* Absent: claimed. */
        assert_true(claim(s, lease_of(IP(10), 1, LEASE_BOUND, 1000, 5000), 1000));
        /* Bound to another MAC, not ended: refused, row unchanged. */
        assert_false(claim(s, lease_of(IP(10), 2, LEASE_BOUND, 2000, 9000), 2000));
        expect_holder(s, IP(10), 1, LEASE_BOUND);
        /* The same MAC renews (at any server). */
        assert_true(claim(s, lease_of(IP(10), 1, LEASE_BOUND, 3000, 8000), 3000));
        /* Ended: anyone may have it. */
        assert_true(claim(s, lease_of(IP(10), 2, LEASE_BOUND, 8000, 12000), 8000));
        expect_holder(s, IP(10), 2, LEASE_BOUND);
        /* Released, expired: free before their end. */
        assert_true(claim(s, lease_of(IP(10), 2, LEASE_RELEASED, 9000, 12000), 9000));
        assert_true(claim(s, lease_of(IP(10), 3, LEASE_BOUND, 9500, 20000), 9500));
        /* Declined (quarantined) and offered addresses hold until they end. */
        assert_true(claim(s, lease_of(IP(11), 4, LEASE_DECLINED, 0, 30000), 100));
        assert_false(claim(s, lease_of(IP(11), 5, LEASE_BOUND, 200, 900), 200));
        assert_true(claim(s, lease_of(IP(12), 6, LEASE_OFFERED, 0, 60000), 100));
        assert_false(claim(s, lease_of(IP(12), 7, LEASE_BOUND, 200, 900), 200));
        assert_true(claim(s, lease_of(IP(12), 7, LEASE_BOUND, 60000, 90000), 60000));

        /* An expiry marks only a lease that has ended... */
        assert_false(claim(s, lease_of(IP(10), 3, LEASE_EXPIRED, 0, 0), 10000));
        expect_holder(s, IP(10), 3, LEASE_BOUND);
        /* ... and only its own client's: another server renewed meanwhile. */
        assert_false(claim(s, lease_of(IP(10), 9, LEASE_EXPIRED, 0, 0), 30000));
        assert_true(claim(s, lease_of(IP(10), 3, LEASE_EXPIRED, 0, 0), 30000));
        expect_holder(s, IP(10), 3, LEASE_EXPIRED);

        /* Several in one transaction: each decided on its own. */
        struct lease ls[3] = {lease_of(IP(20), 1, LEASE_BOUND, 0, 5000),
                              lease_of(IP(11), 8, LEASE_BOUND, 0, 5000), /* quarantined */
                              lease_of(IP(21), 1, LEASE_BOUND, 0, 5000)};
        bool ok[3];
        assert_int_equal(store_lease_claim_many(s, ls, 3, 1000, ok), 0);
        assert_true(ok[0]);
        assert_false(ok[1]);
        assert_true(ok[2]);
        expect_holder(s, IP(11), 4, LEASE_DECLINED);
}

struct racer {
        const char *where;
        unsigned mac;
        int won, err; /* checked by the main thread (cmocka asserts there) */
        pthread_barrier_t *start;
};

static void *race(void *arg)
{
        struct racer *r = arg;
        struct store *s;
        r->err = store_open(r->where, &s);
        pthread_barrier_wait(r->start);
        if (r->err < 0)
                return NULL;
        for (unsigned i = 0; i < 100; i++) {
                struct lease l = lease_of(IP(100 + i), r->mac, LEASE_BOUND, 1000, 900000);
                bool ok = false;
                int rc;
                /* A serialization conflict is a retry, as the DHCP server's
                 * next commit would be. */
                while ((rc = store_lease_claim_many(s, &l, 1, 1000, &ok)) == -EAGAIN)
                        ;
                if (rc < 0)
                        r->err = rc;
                r->won += ok;
        }
        store_close(s);
        return NULL;
}

/* Two servers (connections, threads) claim the same 100 addresses for
 * two different clients at the same moment: each address goes to exactly
 * one of them. */
static void test_race_one_winner(void **state)
{
        struct fixture *f = *state;
        if (!tu_pg_url())
                skip(); /* one SQLite writer at a time: no race to lose */
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 2);
        struct racer r[2] = {{f->db, 1, 0, 0, &start}, {f->db, 2, 0, 0, &start}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
                assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
        for (int i = 0; i < 2; i++)
                pthread_join(t[i], NULL);
        pthread_barrier_destroy(&start);
        assert_int_equal(r[0].err, 0);
        assert_int_equal(r[1].err, 0);
        assert_int_equal(r[0].won + r[1].won, 100);
        for (unsigned i = 0; i < 100; i++) {
                struct lease got;
                assert_int_equal(store_lease_get(f->s, IP(100 + i), &got), 0);
        }
}

/* One server's writes, in order, as the other follows them. */
static void test_changes_feed(void **state)
{
        struct fixture *f = *state;
        struct store *other;
        assert_int_equal(store_open(f->db, &other), 0);
        int64_t cursor = 0;
        struct lease *ls;
        size_t n;
        assert_int_equal(store_lease_changes(f->s, &cursor, 100, &ls, &n), 0);
        assert_int_equal(n, 0);
        free(ls);
        assert_true(claim(other, lease_of(IP(30), 1, LEASE_BOUND, 0, 5000), 0));
        assert_true(claim(other, lease_of(IP(31), 2, LEASE_BOUND, 0, 5000), 0));
        assert_true(claim(other, lease_of(IP(30), 1, LEASE_BOUND, 100, 7000), 100));
        assert_int_equal(store_lease_changes(f->s, &cursor, 100, &ls, &n), 0);
        if (!tu_pg_url()) { /* a SQLite file has one server: nothing to follow */
                assert_int_equal(n, 0);
                free(ls);
                store_close(other);
                return;
        }
        assert_int_equal(n, 2);
        assert_int_equal(ls[0].ip, IP(31)); /* in write order: .30 was written last */
        assert_int_equal(ls[1].ip, IP(30));
        assert_int_equal(ls[1].ends, 7000);
        free(ls);
        assert_true(cursor > 0);
        /* Nothing new: only the look-back window comes again. */
        int64_t c2 = cursor;
        assert_int_equal(store_lease_changes(f->s, &c2, 100, &ls, &n), 0);
        assert_int_equal(c2, cursor);
        free(ls);
        store_close(other);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_claim_rules, setup, teardown),
            cmocka_unit_test_setup_teardown(test_race_one_winner, setup, teardown),
            cmocka_unit_test_setup_teardown(test_changes_feed, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
