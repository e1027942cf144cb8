/* Bounded discovered inventory (issue 12, store_discovery.c): at most
 * `max` discovered machines, a per-address creation rate, expiry of
 * discovered machines not seen for long, and an unknown machine's
 * wait-and-retry loop folded into one event. */
#include "../test_util.h"

#include <errno.h>

#include "../store_fixture.h"

static struct boot_event contact(uint32_t n, const char *peer, int64_t t, const char *stage,
                                 const char *detail)
{
        struct boot_event e = {.time = t,
                               .mac = {{0x52, 0x54, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
                                        (uint8_t)(n >> 8), (uint8_t)n}}};
        snprintf(e.stage, sizeof(e.stage), "%s", stage);
        snprintf(e.detail, sizeof(e.detail), "%s", detail);
        snprintf(e.peer, sizeof(e.peer), "%s", peer);
        return e;
}

static int64_t count_machines(struct store *s)
{
        struct machine *ms;
        size_t n;
        int64_t total;
        struct machine_filter all = {.state = -1};
        assert_int_equal(store_machine_list(s, &all, &ms, &n, &total), 0);
        machine_list_free(ms, n);
        return total;
}

static size_t count_events(struct store *s, const struct mac *mac)
{
        struct boot_event *list;
        size_t n;
        assert_int_equal(store_events_list(s, mac, 0, 100000, &list, &n), 0);
        free(list);
        return n;
}

static void test_max(void **state)
{
        struct fixture *f = *state;
        store_set_discovery(f->s, &(struct store_discovery){.max = 10,
                                                            .per_address_burst = 1000,
                                                            .per_address_per_min = 60});
        struct boot_event evs[25];
        int64_t now = store_now_ms();
        for (uint32_t i = 0; i < 25; i++) {
                char peer[32];
                snprintf(peer, sizeof(peer), "198.18.0.%u:4000", i);
                evs[i] = contact(i, peer, now, "script", "no image");
        }
        assert_int_equal(store_record_events(f->s, evs, 15, 0), 0);
        assert_int_equal(store_record_events(f->s, evs + 15, 10, 0), 0);
        assert_int_equal(count_machines(f->s), 10);
        assert_int_equal(count_events(f->s, NULL), 10);
        /* Known ones still record. */
        evs[0].time = now + 1;
        snprintf(evs[0].stage, sizeof(evs[0].stage), "kernel");
        assert_int_equal(store_record_events(f->s, evs, 1, 0), 0);
        assert_int_equal(count_events(f->s, &evs[0].mac), 2);
        /* Adopted (managed) machines do not count against the limit. */
        struct machine m = {.mac = evs[0].mac, .notes = "", .netboot = true};
        assert_int_equal(store_machine_add(f->s, &m), 0);
        assert_int_equal(store_record_events(f->s, evs + 20, 1, 0), 0);
        assert_int_equal(count_machines(f->s), 11);
}

static void test_rate_per_address(void **state)
{
        struct fixture *f = *state;
        store_set_discovery(f->s, &(struct store_discovery){.max = 100000,
                                                            .per_address_burst = 5,
                                                            .per_address_per_min = 1});
        struct boot_event evs[40];
        int64_t now = store_now_ms();
        for (uint32_t i = 0; i < 20; i++)
                evs[i] = contact(i, "198.18.0.66:5000", now, "script", "no image");
        for (uint32_t i = 20; i < 40; i++)
                evs[i] = contact(i, i % 2 ? "198.18.0.67:1" : "198.18.0.67:2", now, "dhcp", "x");
        assert_int_equal(store_record_events(f->s, evs, 20, 0), 0);
        assert_int_equal(count_machines(f->s), 5); /* the burst */
        /* Another address has its own burst (ports do not matter). */
        assert_int_equal(store_record_events(f->s, evs + 20, 20, 0), 0);
        assert_int_equal(count_machines(f->s), 10);
}

static void test_expiry(void **state)
{
        struct fixture *f = *state;
        struct store_discovery d = {
            .max = 1000, .per_address_burst = 100, .per_address_per_min = 60, .expire_s = 3600};
        store_set_discovery(f->s, &d);
        int64_t now = store_now_ms();
        struct boot_event old = contact(1, "198.18.0.9:1", now - 7200 * 1000, "script", "no image");
        struct boot_event fresh = contact(2, "198.18.0.9:1", now, "script", "no image");
        assert_int_equal(store_record_events(f->s, &old, 1, 0), 0);
        assert_int_equal(store_record_events(f->s, &fresh, 1, 0), 0);
        assert_int_equal(count_machines(f->s), 2);
        store_set_discovery(f->s, &d); /* expiry is checked once a minute: now */
        fresh.time++;
        assert_int_equal(store_record_events(f->s, &fresh, 1, 0), 0);
        assert_int_equal(count_machines(f->s), 1);
        struct machine m;
        assert_int_equal(store_machine_get(f->s, &old.mac, &m), -ENOENT);
}

static void test_retry_loop_folds(void **state)
{
        struct fixture *f = *state;
        int64_t t = 1000;
        struct boot_event e = contact(7, "198.18.0.7:1", t, "script", "no image");
        /* 30 retries, in batches of 3: one event, the latest. */
        for (int b = 0; b < 10; b++) {
                struct boot_event batch[3];
                for (int i = 0; i < 3; i++) {
                        batch[i] = e;
                        batch[i].time = ++t;
                }
                assert_int_equal(store_record_events(f->s, batch, 3, 0), 0);
        }
        struct boot_event *list;
        size_t n;
        assert_int_equal(store_events_list(f->s, &e.mac, 0, 100, &list, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(list[0].time, t);
        free(list);
        /* Something else in between ends the fold; other stages never fold. */
        struct boot_event k[4] = {contact(7, "198.18.0.7:1", t + 1, "kernel", "k"),
                                  contact(7, "198.18.0.7:1", t + 2, "kernel", "k"), e, e};
        k[2].time = t + 3;
        k[3].time = t + 4;
        t += 4;
        assert_int_equal(store_record_events(f->s, k, 4, 0), 0);
        assert_int_equal(count_events(f->s, &e.mac), 4);
        /* A real boot fetching the same script twice keeps both events. */
        struct boot_event img[2] = {contact(7, "198.18.0.7:1", t + 1, "script", "debian12"),
                                    contact(7, "198.18.0.7:1", t + 2, "script", "debian12")};
        t += 2;
        assert_int_equal(store_record_events(f->s, img, 2, 0), 0);
        assert_int_equal(count_events(f->s, &e.mac), 6);
        struct machine m;
        assert_int_equal(store_machine_get(f->s, &e.mac, &m), 0);
        assert_int_equal(m.last_seen, t);
        machine_done(&m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_max, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rate_per_address, setup, teardown),
            cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
            cmocka_unit_test_setup_teardown(test_retry_loop_folds, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
