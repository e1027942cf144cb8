/* epoll + timer heap + signalfd event loop; see loop.h. */
#include "core/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS  64
#define LOOP_MAX_SIGNALS 8

struct loop_io {
        int fd;
        bool dead; /* deleted during this iteration; freed after dispatch */
        loop_fd_cb cb;
        void *data;
        struct loop_io *next_dead;
};

struct loop_sig {
        int signo;
        loop_signal_cb cb;
        void *data;
};

struct loop {
        int epfd;
        int sigfd;
        bool running;
        int64_t now_ms;
        struct loop_io **ios; /* indexed by fd */
        size_t ios_cap;
        struct loop_io *dead;
        struct loop_timer **heap;
        size_t heap_len, heap_cap;
        struct loop_sig sigs[LOOP_MAX_SIGNALS];
        size_t n_sigs;
        sigset_t sigmask;
};

int64_t loop_clock_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_new(struct loop **ret)
{
        struct loop *l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (l->epfd < 0) {
                int r = -errno;
                free(l);
                return r;
        }
        l->sigfd = -1;
        sigemptyset(&l->sigmask);
        l->now_ms = loop_clock_ms();
        *ret = l;
        return 0;
}

static void free_dead(struct loop *l)
{
        while (l->dead) {
                struct loop_io *io = l->dead;
                l->dead = io->next_dead;
                free(io);
        }
}

void loop_free(struct loop *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->ios_cap; i++)
                free(l->ios[i]);
        free_dead(l);
        free(l->ios);
        free(l->heap);
        if (l->sigfd >= 0)
                close(l->sigfd);
        close(l->epfd);
        free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *data)
{
        if (fd < 0)
                return -EBADF;
        if ((size_t)fd >= l->ios_cap) {
                size_t cap = l->ios_cap ? l->ios_cap : 64;
                while (cap <= (size_t)fd)
                        cap *= 2;
                struct loop_io **n = realloc(l->ios, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                memset(n + l->ios_cap, 0, (cap - l->ios_cap) * sizeof(*n));
                l->ios = n;
                l->ios_cap = cap;
        }
        if (l->ios[fd])
                return -EEXIST;
        struct loop_io *io = calloc(1, sizeof(*io));
        if (!io)
                return -ENOMEM;
        *io = (struct loop_io){.fd = fd, .cb = cb, .data = data};
        struct epoll_event ev = {.events = events, .data.ptr = io};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int r = -errno;
                free(io);
                return r;
        }
        l->ios[fd] = io;
        return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
        if (fd < 0 || (size_t)fd >= l->ios_cap || !l->ios[fd])
                return -ENOENT;
        struct epoll_event ev = {.events = events, .data.ptr = l->ios[fd]};
        return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int loop_del_fd(struct loop *l, int fd)
{
        if (fd < 0 || (size_t)fd >= l->ios_cap || !l->ios[fd])
                return -ENOENT;
        struct loop_io *io = l->ios[fd];
        (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
        l->ios[fd] = NULL;
        /* Its event may still be queued in this iteration's batch. */
        io->dead = true;
        io->next_dead = l->dead;
        l->dead = io;
        return 0;
}

int64_t loop_now_ms(struct loop *l)
{
        return l->now_ms;
}

/* ---- timer heap (min-heap on due_ms; heap_idx is 1-based) ---- */

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
        l->heap[i] = t;
        t->heap_idx = i + 1;
}

static void heap_up(struct loop *l, size_t i)
{
        struct loop_timer *t = l->heap[i];
        while (i > 0) {
                size_t parent = (i - 1) / 2;
                if (l->heap[parent]->due_ms <= t->due_ms)
                        break;
                heap_set(l, i, l->heap[parent]);
                i = parent;
        }
        heap_set(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
        struct loop_timer *t = l->heap[i];
        for (;;) {
                size_t c = 2 * i + 1;
                if (c >= l->heap_len)
                        break;
                if (c + 1 < l->heap_len && l->heap[c + 1]->due_ms < l->heap[c]->due_ms)
                        c++;
                if (t->due_ms <= l->heap[c]->due_ms)
                        break;
                heap_set(l, i, l->heap[c]);
                i = c;
        }
        heap_set(l, i, t);
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *data)
{
        *t = (struct loop_timer){.cb = cb, .data = data};
}

void loop_timer_disarm(struct loop *l, struct loop_timer *t)
{
        if (!t->heap_idx)
                return;
        size_t i = t->heap_idx - 1;
        t->heap_idx = 0;
        l->heap_len--;
        if (i == l->heap_len)
                return;
        heap_set(l, i, l->heap[l->heap_len]);
        heap_up(l, i);
        heap_down(l, l->heap[i]->heap_idx - 1);
}

int loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t due_ms)
{
        loop_timer_disarm(l, t);
        if (l->heap_len == l->heap_cap) {
                size_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
                struct loop_timer **n = realloc(l->heap, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                l->heap = n;
                l->heap_cap = cap;
        }
        t->due_ms = due_ms;
        l->heap[l->heap_len] = t;
        l->heap_len++;
        heap_up(l, l->heap_len - 1);
        return 0;
}

/* ---- signals ---- */

static void on_signalfd(struct loop *l, int fd, uint32_t events, void *data)
{
        struct signalfd_siginfo si;
        while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                for (size_t i = 0; i < l->n_sigs; i++)
                        if (l->sigs[i].signo == (int)si.ssi_signo)
                                l->sigs[i].cb(l, (int)si.ssi_signo, l->sigs[i].data);
        }
}

int loop_add_signal(struct loop *l, int signo, loop_signal_cb cb, void *data)
{
        if (l->n_sigs == LOOP_MAX_SIGNALS)
                return -ENOSPC;
        sigaddset(&l->sigmask, signo);
        if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL) < 0)
                return -errno;
        int fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (l->sigfd < 0) {
                int r = loop_add_fd(l, fd, EPOLLIN, on_signalfd, NULL);
                if (r < 0) {
                        close(fd);
                        return r;
                }
                l->sigfd = fd;
        }
        l->sigs[l->n_sigs++] = (struct loop_sig){.signo = signo, .cb = cb, .data = data};
        return 0;
}

/* ---- run ---- */

static void run_timers(struct loop *l)
{
        /* Bounded: timers armed by callbacks for "now" run next iteration. */
        size_t budget = l->heap_len;
        while (budget-- > 0 && l->heap_len > 0 && l->heap[0]->due_ms <= l->now_ms) {
                struct loop_timer *t = l->heap[0];
                loop_timer_disarm(l, t);
                t->cb(l, t->data);
        }
}

int loop_run(struct loop *l)
{
        struct epoll_event evs[LOOP_MAX_EVENTS];
        l->running = true;
        while (l->running) {
                int timeout = -1;
                l->now_ms = loop_clock_ms();
                if (l->heap_len > 0) {
                        int64_t d = l->heap[0]->due_ms - l->now_ms;
                        timeout = d < 0 ? 0 : (d > 60000 ? 60000 : (int)d);
                }
                int n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timeout);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                l->now_ms = loop_clock_ms();
                for (int i = 0; i < n; i++) {
                        struct loop_io *io = evs[i].data.ptr;
                        if (!io->dead)
                                io->cb(l, io->fd, evs[i].events, io->data);
                }
                free_dead(l);
                run_timers(l);
        }
        return 0;
}

void loop_stop(struct loop *l)
{
        l->running = false;
}
