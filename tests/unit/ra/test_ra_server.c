/* Unit tests: the router-advertisement sender's pure parts (interface
 * choice, intervals, solicited-RA timing) and its [ra] configuration keys.
 * No sockets: the socket path is covered by tests/integration/ra.sh. */
#include "test_util.h"

#include "ra/ra_server.c"

static struct config cfg;
static struct ra_config ra;
/* What [dhcp] gives when [ra] interfaces is empty (cli_serve.c). */
static struct ra_fallback fb = {.dhcp_on = true};

static int setup(void **state)
{
        fb = (struct ra_fallback){.dhcp_on = true};
        if (config_init(&cfg) < 0 || ra_config_init(&ra) < 0)
                return -1;
        return config_register(&cfg, &ra.section);
}

static int teardown(void **state)
{
        ra_config_done(&ra);
        config_done(&cfg);
        return 0;
}

static void set(const char *section, const char *key, const char *value, int want)
{
        char err[CONFIG_ERR_MAX] = "";
        assert_int_equal(config_set(&cfg, section, key, value, "test", err), want);
        if (want < 0)
                assert_non_null(strstr(err, key));
}

static void test_config_keys(void **state)
{
        /* auto: on when bootherd is the segment's DHCP server, else off. */
        assert_string_equal(ra.enabled, "auto");
        assert_true(ra_config_enabled(&ra, true));
        assert_false(ra_config_enabled(&ra, false));
        set("ra", "enabled", "false", 0);
        assert_false(ra_config_enabled(&ra, true));
        set("ra", "enabled", "no", 0);
        assert_false(ra_config_enabled(&ra, true));
        set("ra", "enabled", "yes", 0);
        assert_true(ra_config_enabled(&ra, false));
        set("ra", "enabled", "maybe", -EINVAL);
        assert_string_equal(ra.interfaces, "");
        assert_int_equal(ra.interval_s, 600);
        set("ra", "enabled", "true", 0);
        assert_true(ra_config_enabled(&ra, false));
        set("ra", "interfaces", "eth0 br-lab,eth1", 0);
        set("ra", "interfaces", "", 0);
        set("ra", "interfaces", "a23456789012345x", -EINVAL); /* 16 characters */
        set("ra", "interfaces", "eth0 ../x", -EINVAL);
        set("ra", "interfaces", "..", -EINVAL);
        set("ra", "interfaces", "a b c d e f g h i", -EINVAL); /* 9 */
        set("ra", "interval_s", "4", 0);
        set("ra", "interval_s", "1800", 0);
        set("ra", "interval_s", "3", -ERANGE);
        set("ra", "interval_s", "1801", -ERANGE);
        set("ra", "prefix", "x", -EINVAL);
}

static void test_min_interval(void **state)
{
        assert_int_equal(min_interval_ms(600000), 200000);
        assert_int_equal(min_interval_ms(9000), 3000);
        assert_int_equal(min_interval_ms(4000), 3000);
        assert_int_equal(min_interval_ms(1800000), 600000);
}

static void test_choose_ifaces(void **state)
{
        struct ra_server srv = {0};
        set("ra", "interfaces", "eth1, eth2 eth1", 0);
        assert_int_equal(choose_ifaces(&srv, &ra, &fb), 2);
        assert_string_equal(srv.ifaces[0].name, "eth1");
        assert_string_equal(srv.ifaces[1].name, "eth2");
        assert_int_equal(srv.ifaces[1].fd, -1);

        /* Empty list: the [dhcp] interfaces. */
        memset(&srv, 0, sizeof(srv));
        set("ra", "interfaces", "", 0);
        const char *names[] = {"lab0", "lab1"};
        fb.names = names;
        fb.n = 2;
        assert_int_equal(choose_ifaces(&srv, &ra, &fb), 2);
        assert_string_equal(srv.ifaces[0].name, "lab0");

        /* DHCP off and no list: nowhere (never "every interface"). */
        memset(&srv, 0, sizeof(srv));
        fb = (struct ra_fallback){.dhcp_on = false};
        assert_int_equal(choose_ifaces(&srv, &ra, &fb), 0);
}

static void test_reply_timing(void **state)
{
        struct ra_server *srv = calloc(1, sizeof(*srv));
        assert_non_null(srv);
        assert_int_equal(loop_new(&srv->loop), 0);
        struct ra_iface *f = &srv->ifaces[0];
        f->srv = srv;
        f->fd = -1;
        loop_timer_init(&f->reply, on_reply, f);
        int64_t now = loop_now_ms(srv->loop);

        /* Nothing sent yet: within MAX_RA_DELAY_TIME. */
        schedule_reply(f);
        assert_true(loop_timer_armed(&f->reply));
        assert_true(f->reply.due_ms >= now && f->reply.due_ms <= now + MAX_RA_DELAY_TIME_MS);
        /* A second solicitation while one waits: the same RA answers both. */
        int64_t due = f->reply.due_ms;
        schedule_reply(f);
        assert_int_equal(f->reply.due_ms, due);

        /* A multicast RA 1 s ago: not before MIN_DELAY_BETWEEN_RAS after it. */
        loop_timer_disarm(srv->loop, &f->reply);
        f->sent = 1;
        f->last_mcast_ms = now - 1000;
        schedule_reply(f);
        assert_int_equal(f->reply.due_ms, now + 2000);
        loop_timer_disarm(srv->loop, &f->reply);
        loop_free(srv->loop);
        free(srv);
}

static void test_start_disabled_or_unusable(void **state)
{
        struct loop *l;
        struct ra_server *srv = (void *)1;
        assert_int_equal(loop_new(&l), 0);
        assert_int_equal(ra_server_start(l, &ra, &fb, &srv), 0);
        assert_null(srv); /* auto, and not the DHCP server: off */
        set("ra", "enabled", "true", 0);
        set("ra", "interfaces", "nosuchif0", 0);
        srv = (void *)1;
        assert_int_equal(ra_server_start(l, &ra, &fb, &srv), 0);
        assert_null(srv); /* logged; the daemon keeps serving */
        ra_server_stop(NULL);
        loop_free(l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_config_keys, setup, teardown),
            cmocka_unit_test(test_min_interval),
            cmocka_unit_test_setup_teardown(test_choose_ifaces, setup, teardown),
            cmocka_unit_test(test_reply_timing),
            cmocka_unit_test_setup_teardown(test_start_disabled_or_unusable, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
