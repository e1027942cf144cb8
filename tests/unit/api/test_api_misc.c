/* Unit tests for the smaller API pieces: ?since= time parsing, the metrics
 * registry and its text output, the embedded UI asset table. */
#include <stdio.h>

#include "../test_util.h"

#include <errno.h>
#include <pthread.h>

#include "core/metrics.h"
#include "http/routes_api.h"
#include "http/ui_assets.h"

static void test_parse_time(void **state)
{
        int64_t ms;
        assert_int_equal(api_parse_time("0", &ms), 0);
        assert_int_equal(ms, 0);
        assert_int_equal(api_parse_time("1764106118123", &ms), 0);
        assert_int_equal(ms, 1764106118123);
        assert_int_equal(api_parse_time("2025-11-25T21:28:38Z", &ms), 0);
        assert_int_equal(ms, 1764106118000);
        assert_int_equal(api_parse_time("2025-11-25T21:28:38.123Z", &ms), 0);
        assert_int_equal(ms, 1764106118123);
        assert_int_equal(api_parse_time("2025-11-25T21:28:38.5Z", &ms), 0);
        assert_int_equal(ms, 1764106118500);
        assert_int_equal(api_parse_time("2025-11-25T21:28:38+00:00", &ms), 0);
        assert_int_equal(api_parse_time("2025-11-25T21:28:38", &ms), -EINVAL);
        assert_int_equal(api_parse_time("2025-11-25T21:28:38+02:00", &ms), -EINVAL);
        assert_int_equal(api_parse_time("2025-11-25T21:28:38.Z", &ms), -EINVAL);
        assert_int_equal(api_parse_time("yesterday", &ms), -EINVAL);
        assert_int_equal(api_parse_time("-5", &ms), -EINVAL);
        assert_int_equal(api_parse_time("", &ms), -EINVAL);
}

static void render(struct strbuf *b)
{
        strbuf_init(b);
        metrics_render(b);
        assert_false(b->oom);
}

static void test_metrics(void **state)
{
        metrics_dhcp_packet("discover", "offer");
        metrics_dhcp_packet("discover", "offer");
        metrics_dhcp_packet("request", "ack");
        metrics_tftp_transfer("completed");
        metrics_tftp_bytes(1432);
        metrics_tftp_bytes(100);
        metrics_http_request("api_images", 201);
        metrics_http_request("images_busy", 503);
        metrics_boot_stage("kernel");
        metrics_boot_stage("we\"ird\\stage\n");
        assert_null(metrics_counter("not_a_family", ""));
        metric_inc(NULL); /* harmless */

        struct strbuf b;
        render(&b);
        const char *s = b.s;
        assert_non_null(strstr(s, "# TYPE bootherd_dhcp_packets_total counter\n"));
        assert_non_null(
            strstr(s, "bootherd_dhcp_packets_total{type=\"discover\",outcome=\"offer\"} 2\n"));
        assert_non_null(
            strstr(s, "bootherd_dhcp_packets_total{type=\"request\",outcome=\"ack\"} 1\n"));
        assert_non_null(strstr(s, "bootherd_tftp_transfers_total{outcome=\"completed\"} 1\n"));
        assert_non_null(strstr(s, "bootherd_tftp_bytes_total 1532\n"));
        assert_non_null(
            strstr(s, "bootherd_http_requests_total{route=\"api_images\",status=\"201\"} 1\n"));
        assert_non_null(strstr(s, "bootherd_image_transfers_refused_total 1\n"));
        assert_non_null(strstr(s, "bootherd_boot_stages_total{stage=\"kernel\"} 1\n"));
        assert_non_null(strstr(s, "{stage=\"we\\\"ird\\\\stage\\n\"} 1\n"));
        /* Each family's samples follow its own TYPE line. */
        const char *type = strstr(s, "# TYPE bootherd_http_requests_total");
        const char *sample = strstr(s, "bootherd_http_requests_total{");
        const char *next = strstr(s, "# HELP bootherd_boot_stages_total");
        assert_true(type < sample && sample < next);
        strbuf_free(&b);
}

static void *hammer(void *arg)
{
        struct metric *m = metrics_counter("bootherd_tftp_transfers_total", "outcome=\"threads\"");
        for (int i = 0; i < 10000; i++) {
                metric_inc(m);
                metrics_tftp_transfer("threads2");
        }
        return arg;
}

static void test_metrics_threads(void **state)
{
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
                assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
        for (int i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        struct metric *m = metrics_counter("bootherd_tftp_transfers_total", "outcome=\"threads\"");
        assert_int_equal(metric_value(m), 40000);
        m = metrics_counter("bootherd_tftp_transfers_total", "outcome=\"threads2\"");
        assert_int_equal(metric_value(m), 40000);
}

static void test_ui_assets(void **state)
{
        const struct ui_asset *idx = ui_asset_find("index.html");
        assert_non_null(idx);
        assert_string_equal(idx->content_type, "text/html; charset=utf-8");
        assert_non_null(memmem(idx->data, idx->len, "/ui/app.js", 10));
        const struct ui_asset *js = ui_asset_find("app.js");
        assert_non_null(js);
        assert_string_equal(js->content_type, "text/javascript; charset=utf-8");
        assert_true(js->etag[0] == '"' && js->etag[strlen(js->etag) - 1] == '"');
        assert_string_not_equal(js->etag, idx->etag);
        assert_null(ui_asset_find("../index.html"));
        assert_null(ui_asset_find(""));
        /* The UI never puts code in the page itself (the CSP forbids it). */
        assert_null(memmem(idx->data, idx->len, "<script>", 8));
        assert_null(memmem(idx->data, idx->len, "style=", 6));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_time),
            cmocka_unit_test(test_metrics),
            cmocka_unit_test(test_metrics_threads),
            cmocka_unit_test(test_ui_assets),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
