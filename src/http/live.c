/* The live stream's hub: watcher thread, message ring, subscribers; see
 * live.h. */
#include "http/live.h"

#include <errno.h>
#include <poll.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "json/inventory_json.h"
#include "store/store.h"

#define RING         1024        /* messages kept: a subscriber's backlog bound */
#define MSG_MAX      (16 * 1024) /* a larger message is dropped (none is near) */
#define BATCH        512         /* new events read per query */
#define LOOKBACK     256         /* ids re-read below the newest seen (see tick()) */
#define RECENT       1024        /* ids already sent, to skip on re-reading */
#define MACHINES_MAX 128         /* machine messages per tick; beyond: one resync */
#define TICK_ROUNDS  4           /* queries per tick when a batch comes back full */

struct msg {
        int64_t eid; /* the newest event id it follows (Last-Event-ID) */
        char *text;  /* a whole SSE message, "\n\n" included */
        size_t len;
};

struct live_sub {
        struct live_sub *prev, *next;
        struct live *hub;
        struct MHD_Connection *conn;
        uint32_t ip;
        uint64_t cursor;           /* next ring seq to send */
        int64_t opened_ms;         /* monotonic; the stream ends LIVE_MAX_AGE_S after */
        bool hello_sent;           /* the opening lines */
        bool resync;               /* tell the client to reload what it shows */
        bool beat;                 /* a heartbeat comment is due */
        bool suspended;            /* by live_read(), resumed by the watcher */
        bool gone;                 /* the client hung up while suspended: end it */
        char *part;                /* a message larger than the reader's buffer ... */
        size_t part_len, part_off; /* ... and how much of it went */
};

struct live {
        struct live_conf conf;
        char *db_path;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        pthread_t thread;
        bool running, stopping;
        struct msg ring[RING];
        uint64_t head;    /* seq of the next message */
        int64_t last_id;  /* newest event id read */
        int64_t floor_id; /* every event above it is still in the ring */
        int64_t recent[RECENT];
        size_t recent_next;
        struct live_sub *subs;
        int64_t n_subs;
};

static int64_t mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int live_new(const struct live_conf *conf, const char *db_path, struct live **ret)
{
        struct live *l = calloc(1, sizeof(*l));
        if (!l || !(l->db_path = strdup(db_path))) {
                free(l);
                return -ENOMEM;
        }
        l->conf = *conf;
        pthread_mutex_init(&l->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&l->wake, &ca);
        pthread_condattr_destroy(&ca);
        *ret = l;
        return 0;
}

/* Locked.  Wakes a suspended subscriber: libmicrohttpd calls live_read()
 * again.  Under the hub lock, so the connection cannot be gone (its
 * response's free callback unlinks it under the same lock). */
static void wake_sub(struct live_sub *s)
{
        if (!s->suspended)
                return;
        s->suspended = false;
        MHD_resume_connection(s->conn);
}

/* Locked.  Appends a message to the ring, evicting the oldest. */
static void ring_push(struct live *l, int64_t eid, char *text)
{
        size_t len = strlen(text);
        if (len > MSG_MAX) {
                free(text);
                return;
        }
        struct msg *m = &l->ring[l->head % RING];
        if (m->text && m->eid > l->floor_id)
                l->floor_id = m->eid;
        free(m->text);
        *m = (struct msg){.eid = eid, .text = text, .len = len};
        l->head++;
}

/* "event: <type>\ndata: <json>\n\n", with an id line for boot events (the
 * id EventSource sends back as Last-Event-ID).  j is stolen. */
static char *sse_format(const char *type, int64_t id, json_t *j)
{
        char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!data)
                return NULL;
        char *out = NULL;
        int n = id > 0 ? asprintf(&out, "id: %" PRId64 "\nevent: %s\ndata: %s\n\n", id, type, data)
                       : asprintf(&out, "event: %s\ndata: %s\n\n", type, data);
        free(data);
        return n < 0 ? NULL : out;
}

static bool recent_has(const struct live *l, int64_t id)
{
        for (size_t i = 0; i < RECENT; i++)
                if (l->recent[i] == id)
                        return true;
        return false;
}

/* New messages of one tick, built outside the lock. */
struct batch {
        char *text[BATCH + LOOKBACK + MACHINES_MAX + 1];
        int64_t eid[BATCH + LOOKBACK + MACHINES_MAX + 1];
        int64_t ids[BATCH + LOOKBACK]; /* event ids sent */
        size_t n, n_ids;
};

static void batch_add(struct batch *b, int64_t eid, char *text)
{
        if (!text)
                return;
        b->eid[b->n] = eid;
        b->text[b->n++] = text;
}

/* The machines the batch's events touched: their rows as they are now (new
 * discovered ones included), at most MACHINES_MAX, else one resync. */
static void machines_add(struct store *st, struct batch *b, const struct boot_event *evs,
                         const bool *fresh, size_t n, int64_t eid)
{
        struct mac done[MACHINES_MAX];
        size_t n_done = 0;
        for (size_t i = 0; i < n; i++) {
                if (!fresh[i])
                        continue;
                bool seen = false;
                for (size_t k = 0; k < n_done && !seen; k++)
                        seen = mac_equal(&done[k], &evs[i].mac);
                if (seen)
                        continue;
                if (n_done == MACHINES_MAX) {
                        batch_add(
                            b, eid,
                            sse_format("resync", 0, json_pack("{s:s}", "reason", "many machines")));
                        return;
                }
                done[n_done++] = evs[i].mac;
                struct machine m;
                if (store_machine_get(st, &evs[i].mac, &m) < 0)
                        continue; /* gone (expired) since */
                batch_add(b, eid, sse_format("machine", 0, machine_to_json(&m)));
                machine_done(&m);
        }
}

/* One read of the store.  Event ids are handed out at insert but become
 * visible at commit, so with several writers (servers on one PostgreSQL) a
 * smaller id can appear after a larger one was read: each query re-reads
 * LOOKBACK ids below the newest seen and skips those already sent.  true
 * when the batch came back full (read again). */
static bool tick(struct live *l, struct store *st, struct batch *b)
{
        pthread_mutex_lock(&l->lock);
        int64_t last = l->last_id;
        pthread_mutex_unlock(&l->lock);
        struct boot_event *evs = NULL;
        size_t n = 0;
        int64_t from = last > LOOKBACK ? last - LOOKBACK : 0;
        if (store_events_after(st, from, BATCH + LOOKBACK, &evs, &n) < 0) {
                store_idle(st);
                return false;
        }
        bool *fresh = calloc(n ? n : 1, sizeof(*fresh));
        b->n = b->n_ids = 0;
        int64_t newest = last;
        for (size_t i = 0; fresh && i < n; i++) { /* recent[]: the watcher's own */
                if (evs[i].id <= last && recent_has(l, evs[i].id))
                        continue;
                fresh[i] = true;
                if (evs[i].id > newest)
                        newest = evs[i].id;
        }
        for (size_t i = 0; fresh && i < n; i++)
                if (fresh[i]) {
                        b->ids[b->n_ids++] = evs[i].id;
                        batch_add(b, evs[i].id,
                                  sse_format("boot", evs[i].id, event_to_json(&evs[i])));
                }
        if (fresh)
                machines_add(st, b, evs, fresh, n, newest);
        store_idle(st);
        free(fresh);
        free(evs);

        for (size_t i = 0; i < b->n_ids; i++) {
                l->recent[l->recent_next] = b->ids[i];
                l->recent_next = (l->recent_next + 1) % RECENT;
        }
        pthread_mutex_lock(&l->lock);
        for (size_t i = 0; i < b->n; i++)
                ring_push(l, b->eid[i], b->text[i]);
        l->last_id = newest;
        if (b->n)
                for (struct live_sub *s = l->subs; s; s = s->next)
                        wake_sub(s);
        pthread_mutex_unlock(&l->lock);
        return n == BATCH + LOOKBACK;
}

/* Locked.  libmicrohttpd does not watch a suspended connection, so a
 * client that went away would hold its slot until the next heartbeat: look
 * for the hang-up here, every tick, and end those streams. */
static void reap_gone(struct live *l)
{
        for (struct live_sub *s = l->subs; s; s = s->next) {
                if (!s->suspended)
                        continue;
                const union MHD_ConnectionInfo *ci =
                    MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
                struct pollfd p = {.fd = ci ? ci->connect_fd : -1, .events = POLLRDHUP};
                if (p.fd >= 0 && poll(&p, 1, 0) > 0 &&
                    (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
                        s->gone = true;
                        wake_sub(s);
                }
        }
}

static void *watcher_main(void *arg)
{
        struct live *l = arg;
        struct store *st = NULL;
        struct batch *b = calloc(1, sizeof(*b));
        int64_t next_beat = mono_ms() + LIVE_HEARTBEAT_S * 1000;
        bool warned = false;
        pthread_mutex_lock(&l->lock);
        while (!l->stopping) {
                pthread_mutex_unlock(&l->lock);
                if (!st && store_open(l->db_path, &st) < 0) {
                        st = NULL;
                        if (!warned)
                                log_warn("http: live stream: cannot open the store; retrying");
                        warned = true;
                }
                for (int round = 0; st && b && round < TICK_ROUNDS; round++)
                        if (!tick(l, st, b))
                                break;
                pthread_mutex_lock(&l->lock);
                reap_gone(l);
                int64_t now = mono_ms();
                if (now >= next_beat) {
                        next_beat = now + LIVE_HEARTBEAT_S * 1000;
                        for (struct live_sub *s = l->subs; s; s = s->next) {
                                s->beat = true;
                                wake_sub(s);
                        }
                }
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                int64_t ns = ts.tv_nsec + l->conf.poll_ms * 1000000;
                ts.tv_sec += ns / 1000000000;
                ts.tv_nsec = ns % 1000000000;
                if (!l->stopping)
                        (void)pthread_cond_timedwait(&l->wake, &l->lock, &ts);
        }
        pthread_mutex_unlock(&l->lock);
        free(b);
        store_close(st);
        return NULL;
}

int live_start(struct live *l)
{
        /* Start after the newest event: the stream carries what happens
         * from now on; a client's history comes from GET /events. */
        struct store *st;
        int r = store_open(l->db_path, &st);
        if (r >= 0) {
                struct boot_event *evs = NULL;
                size_t n = 0;
                r = store_events_after(st, -1, 1, &evs, &n);
                if (r >= 0 && n)
                        l->last_id = l->floor_id = evs[0].id;
                free(evs);
                store_close(st);
        }
        if (r < 0)
                log_warn("http: live stream: cannot read the newest event: starting from id 0");
        r = pthread_create(&l->thread, NULL, watcher_main, l);
        if (r != 0)
                return -r;
        l->running = true;
        return 0;
}

void live_stop(struct live *l)
{
        if (!l)
                return;
        pthread_mutex_lock(&l->lock);
        l->stopping = true;
        for (struct live_sub *s = l->subs; s; s = s->next)
                wake_sub(s); /* live_read() ends the stream */
        pthread_cond_signal(&l->wake);
        pthread_mutex_unlock(&l->lock);
        if (l->running)
                pthread_join(l->thread, NULL);
        l->running = false;
        /* The daemons end the resumed streams on their next turn; give them
         * a moment (bounded) so none is suspended when they stop. */
        for (int i = 0; i < 100; i++) {
                pthread_mutex_lock(&l->lock);
                bool any = false;
                for (struct live_sub *s = l->subs; s && !any; s = s->next)
                        any = s->suspended;
                pthread_mutex_unlock(&l->lock);
                if (!any)
                        break;
                struct timespec ts = {0, 10 * 1000000};
                nanosleep(&ts, NULL);
        }
}

void live_free(struct live *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < RING; i++)
                free(l->ring[i].text);
        pthread_cond_destroy(&l->wake);
        pthread_mutex_destroy(&l->lock);
        free(l->db_path);
        free(l);
}

/* Locked.  Where a client that last saw event id `after` resumes: the first
 * message past it, if the ring still holds everything since. */
static bool resume_at(struct live *l, int64_t after, uint64_t *ret)
{
        if (after < l->floor_id || after > l->last_id)
                return false;
        uint64_t oldest = l->head > RING ? l->head - RING : 0;
        uint64_t seq = oldest;
        while (seq < l->head && l->ring[seq % RING].eid <= after)
                seq++;
        *ret = seq;
        return true;
}

int live_subscribe(struct live *l, uint32_t ip, const char *last_event_id,
                   struct MHD_Connection *conn, struct live_sub **ret)
{
        struct live_sub *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct live_sub){.hub = l, .conn = conn, .ip = ip, .opened_ms = mono_ms()};
        pthread_mutex_lock(&l->lock);
        int64_t from_addr = 0;
        for (struct live_sub *o = l->subs; o; o = o->next)
                from_addr += ip && o->ip == ip;
        int r = l->stopping                                                     ? -ESHUTDOWN
                : l->conf.max_per_addr > 0 && from_addr >= l->conf.max_per_addr ? -EUSERS
                : l->n_subs >= l->conf.max_total                                ? -EBUSY
                                                                                : 0;
        if (r < 0) {
                pthread_mutex_unlock(&l->lock);
                free(s);
                return r;
        }
        s->cursor = l->head;
        if (last_event_id && *last_event_id) {
                char *end;
                errno = 0;
                long long after = strtoll(last_event_id, &end, 10);
                bool ok = !errno && end != last_event_id && !*end && after >= 0;
                s->resync = !ok || !resume_at(l, after, &s->cursor);
        }
        s->next = l->subs;
        if (l->subs)
                l->subs->prev = s;
        l->subs = s;
        l->n_subs++;
        pthread_mutex_unlock(&l->lock);
        *ret = s;
        return 0;
}

void live_sub_free(void *cls)
{
        struct live_sub *s = cls;
        struct live *l = s->hub;
        pthread_mutex_lock(&l->lock);
        if (s->prev)
                s->prev->next = s->next;
        else
                l->subs = s->next;
        if (s->next)
                s->next->prev = s->prev;
        l->n_subs--;
        pthread_mutex_unlock(&l->lock);
        free(s->part);
        free(s);
}

/* Copies what fits of text at buf+*o (at most max); a message that does not
 * fit an empty buffer is kept in s->part and goes over several calls. */
static bool put(struct live_sub *s, char *buf, size_t max, size_t *o, const char *text, size_t len)
{
        if (*o + len <= max) {
                memcpy(buf + *o, text, len);
                *o += len;
                return true;
        }
        if (*o > 0 || !(s->part = malloc(len)))
                return false;
        memcpy(s->part, text, len);
        s->part_len = len;
        s->part_off = 0;
        return true; /* sent from s->part below */
}

ssize_t live_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        (void)pos;
        struct live_sub *s = cls;
        struct live *l = s->hub;
        size_t o = 0;
        pthread_mutex_lock(&l->lock);
        if (s->gone) {
                pthread_mutex_unlock(&l->lock);
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (!s->hello_sent) {
                char hello[128];
                int n = snprintf(hello, sizeof(hello),
                                 "retry: %d\nevent: hello\ndata: {\"last_id\":%" PRId64 "}\n\n",
                                 LIVE_RETRY_MS, l->last_id);
                if (n > 0 && (size_t)n <= max) {
                        memcpy(buf, hello, (size_t)n);
                        o = (size_t)n;
                        s->hello_sent = true;
                }
        }
        uint64_t oldest = l->head > RING ? l->head - RING : 0;
        if (s->cursor < oldest) { /* fell behind the ring: the oldest are gone */
                s->cursor = l->head;
                s->resync = true;
        }
        if (s->resync && !s->part) {
                static const char msg[] = "event: resync\ndata: {\"reason\":\"missed events\"}\n\n";
                if (o + sizeof(msg) - 1 <= max) {
                        memcpy(buf + o, msg, sizeof(msg) - 1);
                        o += sizeof(msg) - 1;
                        s->resync = false;
                }
        }
        while (!s->part && s->cursor < l->head) {
                const struct msg *m = &l->ring[s->cursor % RING];
                if (!put(s, buf, max, &o, m->text, m->len))
                        break;
                s->cursor++;
        }
        if (s->part) {
                size_t n = s->part_len - s->part_off;
                if (n > max - o)
                        n = max - o;
                memcpy(buf + o, s->part + s->part_off, n);
                o += n;
                s->part_off += n;
                if (s->part_off == s->part_len) {
                        free(s->part);
                        s->part = NULL;
                }
        }
        if (s->beat && o + 3 <= max) {
                memcpy(buf + o, ":\n\n",
                       3); /* a comment: keeps proxies and the client's timer happy */
                o += 3;
                s->beat = false;
        }
        ssize_t ret = (ssize_t)o;
        if (o == 0) {
                if (l->stopping || mono_ms() - s->opened_ms >= LIVE_MAX_AGE_S * 1000) {
                        ret = MHD_CONTENT_READER_END_OF_STREAM;
                } else {
                        s->suspended = true;
                        MHD_suspend_connection(s->conn);
                }
        }
        pthread_mutex_unlock(&l->lock);
        return ret;
}

void live_counts(struct live *l, int64_t *subs, int64_t *messages)
{
        pthread_mutex_lock(&l->lock);
        *subs = l->n_subs;
        *messages = (int64_t)l->head;
        pthread_mutex_unlock(&l->lock);
}
