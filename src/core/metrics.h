/* Process-wide counters for /metrics (Prometheus text format).
 *
 * Any thread may count: a series is registered once (name + label set,
 * under a mutex) and returns a stable handle whose increments are lock-free
 * atomics, so hot paths (DHCP, TFTP) look their handles up once and keep
 * them.  The metric_* convenience hooks below look up on every call; they
 * are fine for per-request rates.
 *
 * Families with fixed names (HELP/TYPE text lives in metrics.c):
 *   bootherd_dhcp_packets_total{type,outcome}   metrics_dhcp_packet()
 *   bootherd_tftp_transfers_total{outcome}      metrics_tftp_transfer()
 *   bootherd_tftp_bytes_total                   metrics_tftp_bytes()
 *   bootherd_http_requests_total{route,status}  metrics_http_request()
 *   bootherd_boot_stages_total{stage}           metrics_boot_stage()
 *   bootherd_image_transfers_refused_total      (HTTP 503 on /images, counted
 *                                                by metrics_http_request)
 * Gauges computed at scrape time (leases per subnet, machines per state)
 * are rendered by the /metrics route itself. */
#pragma once

#include <stdint.h>

#include "core/strbuf.h"

struct metric;

#define METRICS_MAX_SERIES 2048

/* Finds or registers the counter series name{labels}.  labels is the text
 * between the braces, already formatted ("type=\"discover\"") or "" for
 * none.  Returns NULL when the table is full or memory is short; every
 * metric_* call accepts NULL (the count is then lost, never a crash). */
struct metric *metrics_counter(const char *name, const char *labels);

void metric_add(struct metric *m, uint64_t n);
static inline void metric_inc(struct metric *m)
{
        metric_add(m, 1);
}
uint64_t metric_value(const struct metric *m);

/* Hooks for the protocol servers.  Label values are lowercase words chosen
 * by the caller (message type "discover", outcome "offer", "ack", "nak",
 * "ignored", "malformed", ...); they are escaped here anyway. */
void metrics_dhcp_packet(const char *type, const char *outcome);
void metrics_tftp_transfer(const char *outcome); /* "completed", "failed", "refused" */
/* bootherd_discovered_total{outcome}: "refused-limit", "refused-rate", "expired". */
void metrics_discovered(const char *outcome, uint64_t n);
void metrics_tftp_bytes(uint64_t n);
void metrics_http_request(const char *route, unsigned status);
void metrics_boot_stage(const char *stage);

/* Appends every family: "# HELP", "# TYPE" and the samples. */
void metrics_render(struct strbuf *out);

/* Appends v with Prometheus label-value escaping (\\, \", \n). */
void metrics_escape_label(struct strbuf *out, const char *v);
