/* Per-address fair share on the HTTP listeners; see http_guard.h. */
#include "http/http_guard.h"

#include <errno.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"

#define ADDR_BUCKETS 4096 /* power of two */
#define SWEEP_MS     250

/* One client address with connections or transfers. */
struct addr_entry {
        struct addr_entry *next;
        uint32_t ip;
        uint32_t conns, transfers;
};

struct guard_conn {
        struct guard_conn *prev, *next;
        struct addr_entry *addr; /* NULL: not IPv4 */
        int fd;
        bool in_request;  /* header complete, response not done */
        bool transfer;    /* holds an image transfer: the rate applies */
        bool killed;      /* shut down by the sweeper */
        int64_t since_ms; /* opened, or previous response done (header deadline) */
        int64_t sample_ms;
        uint64_t sample_acked;
};

struct http_guard {
        struct http_guard_conf conf;
        pthread_mutex_t lock;
        struct addr_entry *buckets[ADDR_BUCKETS];
        struct guard_conn *conns; /* every open connection */
        struct http_guard_stats stats;
        struct log_ratelimit rl[4]; /* one per kind of note */
        pthread_t sweeper;
        bool sweeping, stop;
        pthread_cond_t wake;
};

/* The connection accepted on this thread and not yet opened (see
 * http_guard.h): its address has been counted. */
static _Thread_local struct {
        struct http_guard *g;
        uint32_t ip;
        bool set;
} pending;

static int64_t mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t bucket_of(uint32_t ip)
{
        return (size_t)((ip * 2654435761u) >> 20) & (ADDR_BUCKETS - 1);
}

/* Locked.  The entry for ip, created when create; NULL when out of memory
 * or absent. */
static struct addr_entry *addr_get(struct http_guard *g, uint32_t ip, bool create)
{
        struct addr_entry **b = &g->buckets[bucket_of(ip)];
        for (struct addr_entry *e = *b; e; e = e->next)
                if (e->ip == ip)
                        return e;
        if (!create)
                return NULL;
        struct addr_entry *e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->ip = ip;
        e->next = *b;
        *b = e;
        return e;
}

/* Locked.  Frees e once nothing is counted on it. */
static void addr_put(struct http_guard *g, struct addr_entry *e)
{
        if (!e || e->conns || e->transfers)
                return;
        for (struct addr_entry **p = &g->buckets[bucket_of(e->ip)]; *p; p = &(*p)->next)
                if (*p == e) {
                        *p = e->next;
                        free(e);
                        return;
                }
}

/* Locked.  A log line for a limit that bit, at most 1/s (burst 10). */
static void note(struct http_guard *g, int kind, uint32_t ip, const char *what)
{
        uint32_t sup = 0;
        if (!log_ratelimit_ok(&g->rl[kind], mono_ms(), 1, 10, &sup))
                return;
        log_warn("http peer=%u.%u.%u.%u: %s%s%.0u%s", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
                 ip & 0xff, what, sup ? " (" : "", sup, sup ? " similar lines suppressed)" : "");
}

static void refused(const char *reason)
{
        char labels[64];
        snprintf(labels, sizeof(labels), "reason=\"%s\"", reason);
        metric_inc(metrics_counter("bootherd_http_guard_total", labels));
}

/* Locked.  Resets the connection: libmicrohttpd sees it fail and closes
 * it (its close waits for the lock, so fd is still this connection's). */
static void kill_conn(struct guard_conn *c)
{
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        (void)shutdown(c->fd, SHUT_RDWR);
        c->killed = true;
}

static uint64_t bytes_acked(int fd)
{
        struct tcp_info ti;
        socklen_t len = sizeof(ti);
        memset(&ti, 0, sizeof(ti));
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
                return UINT64_MAX; /* not TCP: never judged */
        return ti.tcpi_bytes_acked;
}

static void sweep(struct http_guard *g, int64_t now)
{
        const struct http_guard_conf *cf = &g->conf;
        for (struct guard_conn *c = g->conns; c; c = c->next) {
                if (c->killed)
                        continue;
                uint32_t ip = c->addr ? c->addr->ip : 0;
                if (!c->in_request && cf->header_timeout_ms > 0 &&
                    now - c->since_ms > cf->header_timeout_ms) {
                        g->stats.header_timeouts++;
                        refused("header_timeout");
                        note(g, 0, ip, "no complete request header in time: connection closed");
                        kill_conn(c);
                        continue;
                }
                if (!c->transfer || cf->min_rate <= 0 || now - c->sample_ms < cf->rate_window_ms)
                        continue;
                uint64_t acked = bytes_acked(c->fd);
                if (acked == UINT64_MAX)
                        continue;
                uint64_t want = (uint64_t)cf->min_rate * (uint64_t)(now - c->sample_ms) / 1000;
                if (acked - c->sample_acked < want) {
                        g->stats.slow_transfers++;
                        refused("slow_transfer");
                        note(g, 1, ip, "image download below [http] min_transfer_rate: dropped");
                        kill_conn(c);
                        continue;
                }
                c->sample_ms = now;
                c->sample_acked = acked;
        }
}

static void *sweeper_main(void *arg)
{
        struct http_guard *g = arg;
        pthread_mutex_lock(&g->lock);
        while (!g->stop) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_nsec += SWEEP_MS * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                (void)pthread_cond_timedwait(&g->wake, &g->lock, &ts);
                if (!g->stop)
                        sweep(g, mono_ms());
        }
        pthread_mutex_unlock(&g->lock);
        return NULL;
}

int http_guard_new(const struct http_guard_conf *conf, struct http_guard **ret)
{
        struct http_guard *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->conf = *conf;
        pthread_mutex_init(&g->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&g->wake, &ca);
        pthread_condattr_destroy(&ca);
        *ret = g;
        return 0;
}

int http_guard_start(struct http_guard *g)
{
        if (g->sweeping || (g->conf.header_timeout_ms <= 0 && g->conf.min_rate <= 0))
                return 0;
        int r = pthread_create(&g->sweeper, NULL, sweeper_main, g);
        if (r != 0)
                return -r;
        g->sweeping = true;
        return 0;
}

void http_guard_free(struct http_guard *g)
{
        if (!g)
                return;
        if (g->sweeping) {
                pthread_mutex_lock(&g->lock);
                g->stop = true;
                pthread_cond_signal(&g->wake);
                pthread_mutex_unlock(&g->lock);
                pthread_join(g->sweeper, NULL);
        }
        for (size_t i = 0; i < ADDR_BUCKETS; i++)
                for (struct addr_entry *e = g->buckets[i], *n; e; e = n) {
                        n = e->next;
                        free(e);
                }
        for (struct guard_conn *c = g->conns, *n; c; c = n) {
                n = c->next;
                free(c);
        }
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
        free(g);
}

/* Locked.  Gives back a count taken at accept for a connection that never
 * opened. */
static void pending_drop(struct http_guard *g)
{
        if (!pending.set || pending.g != g)
                return;
        pending.set = false;
        struct addr_entry *e = addr_get(g, pending.ip, false);
        if (e && e->conns) {
                e->conns--;
                addr_put(g, e);
        }
}

bool http_guard_accept(struct http_guard *g, uint32_t ip)
{
        if (!ip)
                return true;
        pthread_mutex_lock(&g->lock);
        pending_drop(g);
        struct addr_entry *e = addr_get(g, ip, true);
        bool ok = true;
        if (e && g->conf.max_conns_per_addr > 0 &&
            (int64_t)e->conns >= g->conf.max_conns_per_addr) {
                ok = false;
                g->stats.refused_conns++;
                refused("connections_per_address");
                note(g, 2, ip, "[http] max_connections_per_address reached: connection refused");
        } else if (e) {
                e->conns++;
                pending.g = g;
                pending.ip = ip;
                pending.set = true;
        }
        pthread_mutex_unlock(&g->lock);
        return ok;
}

struct guard_conn *http_guard_conn_open(struct http_guard *g, uint32_t ip, int fd)
{
        pthread_mutex_lock(&g->lock);
        struct addr_entry *e = NULL;
        if (ip && pending.set && pending.g == g && pending.ip == ip) {
                pending.set = false; /* its count moves to the connection */
                e = addr_get(g, ip, false);
        } else {
                pending_drop(g);
                if (ip && (e = addr_get(g, ip, true)) != NULL)
                        e->conns++;
        }
        struct guard_conn *c = calloc(1, sizeof(*c));
        if (!c) {
                if (e) {
                        e->conns--;
                        addr_put(g, e);
                }
                pthread_mutex_unlock(&g->lock);
                return NULL;
        }
        c->addr = e;
        c->fd = fd;
        c->since_ms = mono_ms();
        c->next = g->conns;
        if (g->conns)
                g->conns->prev = c;
        g->conns = c;
        pthread_mutex_unlock(&g->lock);
        return c;
}

void http_guard_conn_close(struct http_guard *g, struct guard_conn *c)
{
        if (!c)
                return;
        pthread_mutex_lock(&g->lock);
        if (c->prev)
                c->prev->next = c->next;
        else
                g->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        struct addr_entry *e = c->addr;
        if (e) {
                if (e->conns)
                        e->conns--;
                if (c->transfer && e->transfers)
                        e->transfers--;
                addr_put(g, e);
        }
        pthread_mutex_unlock(&g->lock);
        free(c);
}

void http_guard_request_started(struct http_guard *g, struct guard_conn *c)
{
        if (!c)
                return;
        pthread_mutex_lock(&g->lock);
        c->in_request = true;
        pthread_mutex_unlock(&g->lock);
}

void http_guard_request_done(struct http_guard *g, struct guard_conn *c)
{
        if (!c)
                return;
        pthread_mutex_lock(&g->lock);
        c->in_request = false;
        c->since_ms = mono_ms();
        pthread_mutex_unlock(&g->lock);
}

bool http_guard_transfer_begin(struct http_guard *g, struct guard_conn *c)
{
        if (!c)
                return true;
        pthread_mutex_lock(&g->lock);
        struct addr_entry *e = c->addr;
        bool ok = true;
        if (c->transfer) {
                ok = true;
        } else if (e && g->conf.max_transfers_per_addr > 0 &&
                   (int64_t)e->transfers >= g->conf.max_transfers_per_addr) {
                ok = false;
                g->stats.refused_transfers++;
                refused("transfers_per_address");
                note(g, 3, e->ip, "[http] max_image_transfers_per_address reached: 503");
        } else {
                if (e)
                        e->transfers++;
                c->transfer = true;
                c->sample_ms = mono_ms();
                c->sample_acked = bytes_acked(c->fd);
        }
        pthread_mutex_unlock(&g->lock);
        return ok;
}

void http_guard_transfer_end(struct http_guard *g, struct guard_conn *c)
{
        if (!c)
                return;
        pthread_mutex_lock(&g->lock);
        if (c->transfer) {
                c->transfer = false;
                if (c->addr && c->addr->transfers)
                        c->addr->transfers--;
        }
        pthread_mutex_unlock(&g->lock);
}

void http_guard_conn_stream(struct http_guard *g, struct guard_conn *c)
{
        if (!c)
                return;
        pthread_mutex_lock(&g->lock);
        struct addr_entry *e = c->addr;
        if (e && !c->transfer) {
                if (e->conns)
                        e->conns--;
                c->addr = NULL; /* uncounted until it closes */
                addr_put(g, e);
        }
        pthread_mutex_unlock(&g->lock);
}

void http_guard_stats(struct http_guard *g, struct http_guard_stats *ret)
{
        pthread_mutex_lock(&g->lock);
        *ret = g->stats;
        pthread_mutex_unlock(&g->lock);
}
