/* The boot-event writer thread; see boot_event_writer.h. */
#include "boot/boot_event_writer.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/thread.h"

/* Events per transaction.  On SQLite a transaction holds the database's
 * one write lock, which the loop's lease commit (the ACK's) waits for: 32
 * events are ~0.2-1 ms of writing. */
#define CHUNK 32
/* Between two transactions of a backlog the writer lets go for this long:
 * the loop polls for the lock every 0.1 ms (store_sqlite.c's busy
 * handler), and a writer that took it back at once would keep a waiting
 * commit out for the whole backlog. */
#define PAUSE_US 200
/* The queue wakes its consumer at once after a quiet second, then lets
 * events gather: this periodic flush writes them (boot_events.h). */
#define FLUSH_MS 1000

struct boot_event_writer {
        struct boot_events *q;
        struct store *s;
        int64_t retention;
        int stop_fd; /* eventfd: readable when the thread must stop */
        pthread_t thread;
        bool started;
};

static void *writer_thread(void *arg)
{
        struct boot_event_writer *w = arg;
        struct pollfd fds[2] = {
            {.fd = boot_events_fd(w->q), .events = POLLIN},
            {.fd = w->stop_fd, .events = POLLIN},
        };
        for (;;) {
                int n = poll(fds, 2, FLUSH_MS);
                if (n < 0 && errno != EINTR)
                        break; /* cannot happen with valid fds; _stop flushes */
                if (n > 0 && (fds[1].revents & POLLIN))
                        break;
                /* On a wake-up or the periodic tick; a backlog leaves the
                 * queue's fd readable, so the next poll returns at once. */
                int r = boot_events_flush_max(w->q, w->s, w->retention, CHUNK);
                if (r == CHUNK) {
                        struct timespec ts = {.tv_nsec = PAUSE_US * 1000L};
                        nanosleep(&ts, NULL);
                }
        }
        return NULL;
}

int boot_event_writer_start(struct boot_events *q, struct store *s, int64_t retention,
                            struct boot_event_writer **ret)
{
        struct boot_event_writer *w = calloc(1, sizeof(*w));
        if (!w) {
                store_close(s);
                return -ENOMEM;
        }
        *w = (struct boot_event_writer){.q = q, .s = s, .retention = retention};
        w->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (w->stop_fd < 0) {
                int r = -errno;
                boot_event_writer_stop(w);
                return r;
        }
        int r = thread_start(&w->thread, writer_thread, w);
        if (r < 0) {
                boot_event_writer_stop(w);
                return r;
        }
        w->started = true;
        *ret = w;
        return 0;
}

void boot_event_writer_stop(struct boot_event_writer *w)
{
        if (!w)
                return;
        if (w->started) {
                uint64_t one = 1;
                ssize_t n = write(w->stop_fd, &one, sizeof(one));
                (void)n;
                pthread_join(w->thread, NULL);
                (void)boot_events_flush(w->q, w->s, w->retention);
        }
        if (w->stop_fd >= 0)
                close(w->stop_fd);
        store_close(w->s);
        free(w);
}
