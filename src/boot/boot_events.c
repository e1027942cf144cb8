/* Boot-event queue; see boot_events.h. */
#include "boot/boot_events.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/log.h"
#include "core/metrics.h"

/* The consumer is woken at once by the first event after a quiet second;
 * while events keep coming it is not woken again for a second (or until the
 * queue is half full), so the main loop's 1 s periodic flush writes them
 * then, ~1 s worth per transaction.  The writer's cost per event falls
 * steeply with the batch size (a commit rewrites the event index pages it
 * touched and the machine upserts fold per MAC): ~21 us per event in 100 ms
 * batches, ~5 us in 1 s batches at 16k events/s.  Idle latency stays ~0;
 * under load an event reaches the store within about a second. */
#define WAKE_INTERVAL_MS 1000

struct boot_events {
        pthread_mutex_t lock;
        int efd;
        struct boot_event *pending; /* filled by producers */
        struct boot_event *batch;   /* being written by the consumer */
        size_t n_pending, n_batch, cap;
        size_t batch_off;      /* batch[0, batch_off) already written */
        bool woken;            /* a wake-up is on the eventfd, not yet flushed */
        int64_t last_flush_ms; /* loop_clock_ms() */
        _Atomic uint64_t dropped;
        uint64_t dropped_reported;
        bool failing; /* the last write failed (logged once until one works) */
};

int boot_events_new(size_t capacity, struct boot_events **ret)
{
        struct boot_events *q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->cap = capacity;
        q->pending = calloc(capacity, sizeof(*q->pending));
        q->batch = calloc(capacity, sizeof(*q->batch));
        q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (!q->pending || !q->batch || q->efd < 0) {
                int r = q->efd < 0 ? -errno : -ENOMEM;
                boot_events_free(q);
                return r;
        }
        pthread_mutex_init(&q->lock, NULL);
        *ret = q;
        return 0;
}

void boot_events_free(struct boot_events *q)
{
        if (!q)
                return;
        if (q->efd >= 0)
                close(q->efd);
        free(q->pending);
        free(q->batch);
        pthread_mutex_destroy(&q->lock);
        free(q);
}

int boot_events_fd(const struct boot_events *q)
{
        return q->efd;
}

void boot_events_push(struct boot_events *q, const struct boot_event *ev)
{
        bool wake = false;
        int64_t now = ev->time ? 0 : store_now_ms(), mono = loop_clock_ms();
        metrics_boot_stage(ev->stage); /* bootherd_boot_stages_total */
        pthread_mutex_lock(&q->lock);
        if (q->n_pending < q->cap) {
                struct boot_event *e = &q->pending[q->n_pending++];
                *e = *ev;
                if (!e->time)
                        e->time = now;
                wake = !q->woken &&
                       (mono - q->last_flush_ms >= WAKE_INTERVAL_MS || q->n_pending >= q->cap / 2);
                if (wake)
                        q->woken = true;
        } else {
                atomic_fetch_add(&q->dropped, 1);
        }
        pthread_mutex_unlock(&q->lock);
        if (wake) {
                uint64_t one = 1;
                ssize_t w = write(q->efd, &one, sizeof(one));
                (void)w;
        }
}

__attribute__((format(printf, 6, 0))) static void
report_v(struct boot_events *q, const struct mac *mac, const char *stage, const char *peer,
         const struct boot_step *step, const char *detail_fmt, va_list ap)
{
        struct boot_event ev = {.mac = *mac};
        /* Bounded copies (ev is zeroed): cheaper than snprintf "%s" on the
         * per-request path. */
        strncpy(ev.stage, stage, sizeof(ev.stage) - 1);
        strncpy(ev.peer, peer ? peer : "", sizeof(ev.peer) - 1);
        vsnprintf(ev.detail, sizeof(ev.detail), detail_fmt, ap);
        if (step) {
                if (step->outcome)
                        strncpy(ev.outcome, step->outcome, sizeof(ev.outcome) - 1);
                ev.xfer = step->xfer;
                ev.bytes = step->bytes;
                ev.size = step->size;
                ev.duration_ms = step->duration_ms;
        }
        boot_events_push(q, &ev);
}

void boot_events_report(struct boot_events *q, const struct mac *mac, const char *stage,
                        const char *peer, const char *detail_fmt, ...)
{
        va_list ap;
        va_start(ap, detail_fmt);
        report_v(q, mac, stage, peer, NULL, detail_fmt, ap);
        va_end(ap);
}

void boot_events_report_step(struct boot_events *q, const struct mac *mac, const char *stage,
                             const char *peer, const struct boot_step *step, const char *detail_fmt,
                             ...)
{
        va_list ap;
        va_start(ap, detail_fmt);
        report_v(q, mac, stage, peer, step, detail_fmt, ap);
        va_end(ap);
}

/* Moves what producers queued into the consumer's batch (as much as fits)
 * unless part of the batch is already written: that one is finished first,
 * so the written prefix never has to be compacted away.  Returns whether
 * producers' events are still waiting.  Under q->lock. */
static bool take_pending(struct boot_events *q)
{
        if (q->batch_off == 0 && q->n_batch == 0) {
                /* The usual case: swap the arrays, no copy under the lock. */
                struct boot_event *t = q->batch;
                q->batch = q->pending;
                q->pending = t;
                q->n_batch = q->n_pending;
                q->n_pending = 0;
        } else if (q->batch_off == 0) {
                /* A batch left over from a failed commit goes first. */
                size_t take = q->cap - q->n_batch;
                if (take > q->n_pending)
                        take = q->n_pending;
                memcpy(q->batch + q->n_batch, q->pending, take * sizeof(*q->batch));
                memmove(q->pending, q->pending + take, (q->n_pending - take) * sizeof(*q->pending));
                q->n_pending -= take;
                q->n_batch += take;
        }
        return q->n_pending > 0;
}

int boot_events_flush_max(struct boot_events *q, struct store *s, int64_t retention, size_t max)
{
        uint64_t junk;
        ssize_t rd = read(q->efd, &junk, sizeof(junk));
        (void)rd;

        pthread_mutex_lock(&q->lock);
        bool more = take_pending(q);
        q->woken = more || q->n_batch - q->batch_off > max;
        if (q->n_batch) /* an idle periodic flush must not delay the next wake */
                q->last_flush_ms = loop_clock_ms();
        pthread_mutex_unlock(&q->lock);

        uint64_t dropped = atomic_load(&q->dropped);
        if (dropped != q->dropped_reported) {
                log_warn("events: queue full, %llu boot events dropped so far",
                         (unsigned long long)dropped);
                q->dropped_reported = dropped;
        }
        int r = 0;
        size_t n = q->n_batch - q->batch_off;
        if (n > max)
                n = max;
        if (n) {
                r = store_record_events(s, q->batch + q->batch_off, n, retention);
                if (r < 0) {
                        /* Retried at the next flush (the 1 s timer, or a
                         * wake-up), not at once: a database that is down
                         * stays down a while, and retrying in a loop burnt
                         * a core and logged ~50k lines a second. */
                        if (!q->failing)
                                log_error("events: cannot record %zu boot events (will retry "
                                          "every second): %s",
                                          n, store_errmsg(s));
                        q->failing = true;
                        more = false;
                } else {
                        if (q->failing)
                                log_info("events: recording again");
                        q->failing = false;
                        r = (int)n;
                        q->batch_off += n;
                        if (q->batch_off == q->n_batch)
                                q->batch_off = q->n_batch = 0;
                        more = more || q->n_batch > 0;
                }
        }
        if (more) {
                pthread_mutex_lock(&q->lock);
                q->woken = true;
                pthread_mutex_unlock(&q->lock);
                uint64_t one = 1;
                ssize_t w = write(q->efd, &one, sizeof(one));
                (void)w;
        }
        return r;
}

int boot_events_flush(struct boot_events *q, struct store *s, int64_t retention)
{
        return boot_events_flush_max(q, s, retention, SIZE_MAX);
}

uint64_t boot_events_dropped(const struct boot_events *q)
{
        return atomic_load(&((struct boot_events *)q)->dropped);
}
