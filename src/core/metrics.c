/* Process-wide counters; see metrics.h. */
#include "core/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metric {
        const char *family; /* points into families[] */
        char *labels;
        _Atomic uint64_t value;
};

struct family {
        const char *name, *help;
};

/* Known families, in output order.  A name not listed here is refused, so
 * every series has HELP text and a typo shows up in review, not in Grafana. */
static const struct family families[] = {
    {"bootherd_dhcp_packets_total", "DHCP packets received, by message type and outcome."},
    {"bootherd_tftp_transfers_total", "TFTP transfers, by outcome."},
    {"bootherd_tftp_bytes_total", "TFTP payload bytes sent."},
    {"bootherd_http_requests_total", "HTTP requests answered, by route and status code."},
    {"bootherd_boot_stages_total",
     "Boot contacts by stage (dhcp, tftp, script, kernel, initrd, ...)."},
    {"bootherd_image_transfers_refused_total",
     "Image downloads refused with 503 and Retry-After (transfer cap reached)."},
    {"bootherd_http_guard_total",
     "HTTP fair-share limits applied, by reason (connections_per_address, "
     "transfers_per_address, header_timeout, slow_transfer)."},
    {"bootherd_discovered_total",
     "Discovered machines not created (refused-limit, refused-rate) or removed (expired)."},
};
#define N_FAMILIES (sizeof(families) / sizeof(families[0]))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric *series[METRICS_MAX_SERIES];
static _Atomic size_t n_series;

static const struct family *family_find(const char *name)
{
        for (size_t i = 0; i < N_FAMILIES; i++)
                if (strcmp(families[i].name, name) == 0)
                        return &families[i];
        return NULL;
}

struct metric *metrics_counter(const char *name, const char *labels)
{
        const struct family *f = family_find(name);
        if (!f)
                return NULL;
        struct metric *m = NULL;
        pthread_mutex_lock(&lock);
        size_t n = atomic_load(&n_series);
        for (size_t i = 0; i < n; i++)
                if (series[i]->family == f->name && strcmp(series[i]->labels, labels) == 0) {
                        m = series[i];
                        break;
                }
        if (!m && n < METRICS_MAX_SERIES && (m = calloc(1, sizeof(*m)))) {
                m->family = f->name;
                m->labels = strdup(labels);
                if (!m->labels) {
                        free(m);
                        m = NULL;
                } else {
                        series[n] = m;
                        atomic_store(&n_series, n + 1);
                }
        }
        pthread_mutex_unlock(&lock);
        return m;
}

void metric_add(struct metric *m, uint64_t n)
{
        if (m)
                atomic_fetch_add_explicit(&m->value, n, memory_order_relaxed);
}

uint64_t metric_value(const struct metric *m)
{
        return m ? atomic_load_explicit(&m->value, memory_order_relaxed) : 0;
}

void metrics_escape_label(struct strbuf *out, const char *v)
{
        for (const char *p = v; *p; p++) {
                if (*p == '\\' || *p == '"')
                        strbuf_printf(out, "\\%c", *p);
                else if (*p == '\n')
                        strbuf_puts(out, "\\n");
                else
                        strbuf_append(out, p, 1);
        }
}

/* Looks up name{k1="v1"[,k2="v2"]} and adds n. */
static void count2(const char *name, const char *k1, const char *v1, const char *k2, const char *v2,
                   uint64_t n)
{
        struct strbuf b;
        strbuf_init(&b);
        strbuf_printf(&b, "%s=\"", k1);
        metrics_escape_label(&b, v1 ? v1 : "");
        strbuf_puts(&b, "\"");
        if (k2) {
                strbuf_printf(&b, ",%s=\"", k2);
                metrics_escape_label(&b, v2 ? v2 : "");
                strbuf_puts(&b, "\"");
        }
        if (!b.oom)
                metric_add(metrics_counter(name, b.s ? b.s : ""), n);
        strbuf_free(&b);
}

void metrics_dhcp_packet(const char *type, const char *outcome)
{
        count2("bootherd_dhcp_packets_total", "type", type, "outcome", outcome, 1);
}

void metrics_discovered(const char *outcome, uint64_t n)
{
        count2("bootherd_discovered_total", "outcome", outcome, NULL, NULL, n);
}

void metrics_tftp_transfer(const char *outcome)
{
        count2("bootherd_tftp_transfers_total", "outcome", outcome, NULL, NULL, 1);
}

void metrics_tftp_bytes(uint64_t n)
{
        static struct metric *_Atomic bytes;
        struct metric *m = atomic_load(&bytes);
        if (!m) {
                m = metrics_counter("bootherd_tftp_bytes_total", "");
                atomic_store(&bytes, m);
        }
        metric_add(m, n);
}

/* Route labels are string literals, so (pointer, status) identifies a
 * series: each HTTP thread remembers the ones it used and skips the label
 * formatting and the global lock on the hot path. */
#define HTTP_SERIES_CACHE 32

struct http_series_slot {
        const char *route;
        unsigned status;
        struct metric *m;
};

static _Thread_local struct http_series_slot http_cache[HTTP_SERIES_CACHE];
static _Thread_local size_t http_cache_next;

static struct metric *http_series(const char *route, unsigned status)
{
        for (size_t i = 0; i < HTTP_SERIES_CACHE && http_cache[i].route; i++)
                if (http_cache[i].route == route && http_cache[i].status == status)
                        return http_cache[i].m;
        char code[12], labels[160];
        snprintf(code, sizeof(code), "%u", status);
        struct strbuf b;
        strbuf_init(&b);
        strbuf_puts(&b, "route=\"");
        metrics_escape_label(&b, route);
        strbuf_printf(&b, "\",status=\"%s\"", code);
        snprintf(labels, sizeof(labels), "%s", b.s && !b.oom ? b.s : "");
        strbuf_free(&b);
        struct metric *m = metrics_counter("bootherd_http_requests_total", labels);
        if (m) {
                http_cache[http_cache_next] = (struct http_series_slot){route, status, m};
                http_cache_next = (http_cache_next + 1) % HTTP_SERIES_CACHE;
        }
        return m;
}

void metrics_http_request(const char *route, unsigned status)
{
        metric_add(http_series(route ? route : "unknown", status), 1);
        if (status == 503 && route && strcmp(route, "images_busy") == 0)
                metric_inc(metrics_counter("bootherd_image_transfers_refused_total", ""));
}

void metrics_boot_stage(const char *stage)
{
        count2("bootherd_boot_stages_total", "stage", stage, NULL, NULL, 1);
}

void metrics_render(struct strbuf *out)
{
        /* Families with no labels always show a sample (0 until counted). */
        metrics_counter("bootherd_tftp_bytes_total", "");
        metrics_counter("bootherd_image_transfers_refused_total", "");
        size_t n = atomic_load(&n_series);
        for (size_t f = 0; f < N_FAMILIES; f++) {
                strbuf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", families[f].name,
                              families[f].help, families[f].name);
                for (size_t i = 0; i < n; i++) {
                        const struct metric *m = series[i];
                        if (m->family != families[f].name)
                                continue;
                        strbuf_printf(out, "%s%s%s%s %llu\n", m->family, *m->labels ? "{" : "",
                                      m->labels, *m->labels ? "}" : "",
                                      (unsigned long long)metric_value(m));
                }
        }
}
