/* Fair share per client address on the HTTP listeners (issue 12): the
 * boot paths are unauthenticated and any host on the boot network reaches
 * them, so no one address may take what the rest of the fleet needs.
 *
 * - Connections per address ([http] max_connections_per_address), counted
 *   across every listener and thread: http_guard_accept() is libmicrohttpd's
 *   accept-policy callback, http_guard_conn_open()/_close() its connection
 *   notifications.  Both run on the listener's thread, one right after the
 *   other: the count taken at accept is confirmed at open (a connection that
 *   libmicrohttpd fails to set up in between is given back at the thread's
 *   next accept).
 * - Image transfers per address ([http] max_image_transfers_per_address):
 *   http_guard_transfer_begin()/_end().
 * - A deadline for a complete request header ([http] header_timeout_s),
 *   counted from the connection's opening or the end of its previous
 *   response; bytes trickling in do not extend it.
 * - A minimum rate for image downloads ([http] min_transfer_rate over
 *   transfer_rate_window_s), measured as bytes the client acknowledged
 *   (TCP_INFO), so sendfile(2) stays.
 * A sweeper thread enforces the last two: it shuts the socket down (with a
 * reset), and libmicrohttpd then closes the connection as if the peer had. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct http_guard_conf {
        int64_t max_conns_per_addr;     /* 0: no limit */
        int64_t max_transfers_per_addr; /* 0: no limit */
        int64_t header_timeout_ms;      /* 0: none */
        int64_t min_rate;               /* bytes/s; 0: none */
        int64_t rate_window_ms;
};

struct http_guard;
struct guard_conn;

int http_guard_new(const struct http_guard_conf *conf, struct http_guard **ret);
/* Starts the sweeper thread (when a deadline or rate is configured): from
 * http_server_run(), so that it starts after serve's privilege drop and
 * confinement, as every thread must.  0 or a negative errno. */
int http_guard_start(struct http_guard *g);
void http_guard_free(struct http_guard *g);

/* Accept policy: false when ip (host order; 0 = not IPv4, never limited)
 * has its share of connections already. */
bool http_guard_accept(struct http_guard *g, uint32_t ip);
/* The connection accepted last on this thread is open on fd; NULL when out
 * of memory (the connection is then not guarded, only counted). */
struct guard_conn *http_guard_conn_open(struct http_guard *g, uint32_t ip, int fd);
void http_guard_conn_close(struct http_guard *g, struct guard_conn *c);
/* A request's header is complete / its response is done (the deadline for
 * the next header starts). */
void http_guard_request_started(struct http_guard *g, struct guard_conn *c);
void http_guard_request_done(struct http_guard *g, struct guard_conn *c);
/* An image body starts on c: false when its address has its share of
 * transfers already.  From then on the minimum rate applies to c. */
bool http_guard_transfer_begin(struct http_guard *g, struct guard_conn *c);
void http_guard_transfer_end(struct http_guard *g, struct guard_conn *c);

/* c carries a long-lived stream from now on: it no longer counts against
 * its address's connections (streams have their own cap, http/live.h). */
void http_guard_conn_stream(struct http_guard *g, struct guard_conn *c);

/* Counters, for tests and metrics. */
struct http_guard_stats {
        uint64_t refused_conns, refused_transfers, header_timeouts, slow_transfers;
};
void http_guard_stats(struct http_guard *g, struct http_guard_stats *ret);
