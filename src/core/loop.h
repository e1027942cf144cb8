/* The event loop: fd readiness (epoll), timers (a binary heap), signals
 * (signalfd).  Single-threaded; every callback runs on the loop's thread.
 *
 * Timers are embedded in their owner (no allocation per arm), so a TFTP
 * transfer or a lease can carry its own retransmit/expiry timer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;

typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *data);
typedef void (*loop_timer_cb)(struct loop *l, void *data);
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *data);

struct loop_timer {
        int64_t due_ms;  /* monotonic ms */
        size_t heap_idx; /* position in the heap + 1; 0 = not armed */
        loop_timer_cb cb;
        void *data;
};

int loop_new(struct loop **ret);
void loop_free(struct loop *l);

/* Watches fd for `events` (EPOLLIN/EPOLLOUT).  One registration per fd. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *data);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
/* Safe to call from inside any callback, including for the fd being dispatched. */
int loop_del_fd(struct loop *l, int fd);

/* Monotonic time in ms, refreshed once per loop iteration. */
int64_t loop_now_ms(struct loop *l);
/* Uncached monotonic clock in ms (for callers without a loop). */
int64_t loop_clock_ms(void);

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *data);
/* (Re)arms t to fire at absolute monotonic time due_ms. */
int loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t due_ms);
void loop_timer_disarm(struct loop *l, struct loop_timer *t);
static inline bool loop_timer_armed(const struct loop_timer *t)
{
        return t->heap_idx != 0;
}

/* Blocks signo for the process and delivers it through the loop. */
int loop_add_signal(struct loop *l, int signo, loop_signal_cb cb, void *data);

/* Runs until loop_stop().  Returns 0, or a negative errno from epoll. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
