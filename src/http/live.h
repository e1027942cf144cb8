/* The live stream (GET /api/v1/stream, Server-Sent Events): boot events and
 * the machines they touch, pushed to browsers as they are recorded.
 *
 * One watcher thread per server reads new boot events from the store by
 * increasing id every [http] stream_poll_ms, on its own connection: that
 * sees what every writer recorded, whichever backend, and with several
 * servers on one PostgreSQL each one's browsers see the whole fleet.  It
 * appends the messages to one bounded ring; each subscriber is a cursor
 * into it, so a slow client costs no copy, and one that falls more than the
 * ring behind loses the oldest messages and is told to resync.
 *
 * A subscriber's connection is suspended in libmicrohttpd while it has
 * nothing to send and resumed by the watcher when messages arrive or a
 * heartbeat is due (every LIVE_HEARTBEAT_S).  Credentials are checked when
 * a stream opens; LIVE_MAX_AGE_S bounds how long that check holds. */
#pragma once

#include <microhttpd.h>
#include <stdint.h>
#include <sys/types.h>

#define LIVE_HEARTBEAT_S 15
#define LIVE_RETRY_MS    3000 /* the client's reconnection delay (SSE "retry:") */
/* A stream ends (with nothing pending) this long after it opened: the
 * client reconnects at once with Last-Event-ID, and so its credentials are
 * checked again (a logged-out session or revoked token stops receiving). */
#define LIVE_MAX_AGE_S 300

struct live_conf {
        int64_t max_total;    /* subscribers on this server */
        int64_t max_per_addr; /* ... from one client address */
        int64_t poll_ms;      /* how often the watcher reads the store */
};

struct live;
struct live_sub;

/* db_path is copied; the watcher starts with live_start(). */
int live_new(const struct live_conf *conf, const char *db_path, struct live **ret);
/* Starts the watcher thread (after the privilege drop: it opens the store). */
int live_start(struct live *l);
/* Ends every stream and stops the watcher; call before stopping the HTTP
 * daemons (a suspended connection would outlive them). */
void live_stop(struct live *l);
void live_free(struct live *l);

/* A new subscriber on conn from ip (host order, 0: not IPv4), resuming after
 * last_event_id (NULL or "": from now on; too old or unknown: a resync
 * message first).  -EUSERS: ip has max_per_addr streams; -EBUSY: the server
 * has max_total; -ESHUTDOWN: stopping; -ENOMEM. */
int live_subscribe(struct live *l, uint32_t ip, const char *last_event_id,
                   struct MHD_Connection *conn, struct live_sub **ret);
/* libmicrohttpd's content reader and its free callback for the stream's
 * response (cls: the subscriber). */
ssize_t live_read(void *cls, uint64_t pos, char *buf, size_t max);
void live_sub_free(void *cls);

/* For tests and /metrics: subscribers now, messages appended so far. */
void live_counts(struct live *l, int64_t *subs, int64_t *messages);
