/* The event loop (src/core/loop.c): timer order, disarm and re-arm, fd
 * callbacks, deleting fds from inside callbacks, signals.  No timing is
 * asserted, only order and which callbacks ran. */
#include "../test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>

#include "core/loop.h"

#define MAX_FIRED 512

struct rec {
        struct loop *l;
        int fired[MAX_FIRED];
        size_t n_fired;
        bool guard_hit;
};

struct tmr {
        struct loop_timer t;
        struct rec *rec;
        int id;
        int rearm_left;          /* re-arms itself this many times */
        struct loop_timer *kill; /* disarms this timer when it fires */
        bool stop;               /* stops the loop */
        bool stop_after_rearms;  /* stops the loop when rearm_left reaches 0 */
};

static void on_timer(struct loop *l, void *data)
{
        struct tmr *t = data;
        assert_false(loop_timer_armed(&t->t));
        assert_true(t->rec->n_fired < MAX_FIRED);
        t->rec->fired[t->rec->n_fired++] = t->id;
        if (t->kill)
                loop_timer_disarm(l, t->kill);
        if (t->rearm_left > 0) {
                t->rearm_left--;
                assert_int_equal(loop_timer_arm(l, &t->t, loop_now_ms(l)), 0);
        } else if (t->stop_after_rearms) {
                loop_stop(l);
        }
        if (t->stop)
                loop_stop(l);
}

static void on_guard(struct loop *l, void *data)
{
        struct rec *r = data;
        r->guard_hit = true;
        loop_stop(l);
}

/* Runs the loop with a guard timer so a bug cannot hang the test. */
static void run_guarded(struct rec *r)
{
        struct loop_timer guard;
        loop_timer_init(&guard, on_guard, r);
        assert_int_equal(loop_timer_arm(r->l, &guard, loop_clock_ms() + 10000), 0);
        assert_int_equal(loop_run(r->l), 0);
        loop_timer_disarm(r->l, &guard);
        assert_false(r->guard_hit);
}

static int setup(void **state)
{
        struct rec *r = calloc(1, sizeof(*r));
        assert_non_null(r);
        assert_int_equal(loop_new(&r->l), 0);
        *state = r;
        return 0;
}

static int teardown(void **state)
{
        struct rec *r = *state;
        loop_free(r->l);
        free(r);
        return 0;
}

static void tmr_init(struct tmr *t, struct rec *r, int id)
{
        memset(t, 0, sizeof(*t));
        t->rec = r;
        t->id = id;
        loop_timer_init(&t->t, on_timer, t);
}

static void test_timers_fire_in_order(void **state)
{
        struct rec *r = *state;
        int64_t now = loop_clock_ms();
        static const int offsets[] = {40, 0, 30, -5, 20, 10, 25, 35, 5, 15};
        struct tmr t[10];
        for (int i = 0; i < 10; i++) {
                /* id = rank of the due time = position in the firing order */
                int rank = 0;
                for (int j = 0; j < 10; j++)
                        rank += offsets[j] < offsets[i];
                tmr_init(&t[i], r, rank);
                assert_int_equal(loop_timer_arm(r->l, &t[i].t, now + offsets[i]), 0);
                assert_true(loop_timer_armed(&t[i].t));
        }
        struct tmr stop;
        tmr_init(&stop, r, 100);
        stop.stop = true;
        assert_int_equal(loop_timer_arm(r->l, &stop.t, now + 60), 0);
        run_guarded(r);
        assert_int_equal(r->n_fired, 11);
        for (int i = 0; i < 10; i++)
                assert_int_equal(r->fired[i], i);
        assert_int_equal(r->fired[10], 100);
        for (int i = 0; i < 10; i++)
                assert_false(loop_timer_armed(&t[i].t));
}

static void test_many_random_timers(void **state)
{
        struct rec *r = *state;
        enum { N = 300 };
        static struct tmr t[N];
        int64_t due[N];
        int64_t now = loop_clock_ms();
        srand(12345);
        for (int i = 0; i < N; i++) {
                tmr_init(&t[i], r, i);
                due[i] = now - 10 + rand() % 60;
                assert_int_equal(loop_timer_arm(r->l, &t[i].t, due[i]), 0);
        }
        /* Re-arm a third to new times, disarm another third. */
        bool armed[N];
        for (int i = 0; i < N; i++) {
                armed[i] = true;
                if (i % 3 == 1) {
                        due[i] = now - 10 + rand() % 60;
                        assert_int_equal(loop_timer_arm(r->l, &t[i].t, due[i]), 0);
                } else if (i % 3 == 2) {
                        loop_timer_disarm(r->l, &t[i].t);
                        assert_false(loop_timer_armed(&t[i].t));
                        armed[i] = false;
                }
        }
        struct tmr stop;
        tmr_init(&stop, r, -1);
        stop.stop = true;
        assert_int_equal(loop_timer_arm(r->l, &stop.t, now + 100), 0);
        run_guarded(r);

        size_t expect = 0;
        for (int i = 0; i < N; i++)
                expect += armed[i];
        assert_int_equal(r->n_fired, expect + 1);
        bool seen[N] = {false};
        for (size_t k = 0; k + 1 < r->n_fired; k++) {
                int id = r->fired[k];
                assert_true(id >= 0 && id < N);
                assert_true(armed[id]);
                assert_false(seen[id]);
                seen[id] = true;
                if (k > 0)
                        assert_true(due[r->fired[k - 1]] <= due[id]);
        }
        assert_int_equal(r->fired[r->n_fired - 1], -1);
}

static void test_disarm(void **state)
{
        struct rec *r = *state;
        int64_t now = loop_clock_ms();
        struct tmr a, b, c, stop;
        tmr_init(&a, r, 1);
        tmr_init(&b, r, 2);
        tmr_init(&c, r, 3);
        tmr_init(&stop, r, 9);
        stop.stop = true;
        /* Disarming a timer that was never armed, or twice, is harmless. */
        loop_timer_disarm(r->l, &c.t);
        assert_int_equal(loop_timer_arm(r->l, &a.t, now), 0);
        assert_int_equal(loop_timer_arm(r->l, &b.t, now + 1), 0);
        assert_int_equal(loop_timer_arm(r->l, &c.t, now + 2), 0);
        assert_int_equal(loop_timer_arm(r->l, &stop.t, now + 20), 0);
        loop_timer_disarm(r->l, &b.t);
        loop_timer_disarm(r->l, &b.t);
        /* Re-arming moves a timer: c now fires after a but before stop. */
        assert_int_equal(loop_timer_arm(r->l, &c.t, now + 10), 0);
        run_guarded(r);
        assert_int_equal(r->n_fired, 3);
        assert_int_equal(r->fired[0], 1);
        assert_int_equal(r->fired[1], 3);
        assert_int_equal(r->fired[2], 9);
}

static void test_callback_disarms_due_timer(void **state)
{
        struct rec *r = *state;
        int64_t now = loop_clock_ms();
        struct tmr a, b, stop;
        tmr_init(&a, r, 1);
        tmr_init(&b, r, 2);
        tmr_init(&stop, r, 9);
        stop.stop = true;
        a.kill = &b.t; /* both due; a runs first and cancels b */
        assert_int_equal(loop_timer_arm(r->l, &a.t, now - 2), 0);
        assert_int_equal(loop_timer_arm(r->l, &b.t, now - 1), 0);
        assert_int_equal(loop_timer_arm(r->l, &stop.t, now + 5), 0);
        run_guarded(r);
        assert_int_equal(r->n_fired, 2);
        assert_int_equal(r->fired[0], 1);
        assert_int_equal(r->fired[1], 9);
}

static void test_callback_rearms_itself(void **state)
{
        struct rec *r = *state;
        struct tmr a, b;
        tmr_init(&a, r, 1);
        tmr_init(&b, r, 2);
        /* Re-armed for "now", a timer runs again at the next iteration, after
         * the other due timers: it cannot starve them or spin inside one turn. */
        a.rearm_left = 5;
        a.stop_after_rearms = true;
        assert_int_equal(loop_timer_arm(r->l, &a.t, loop_clock_ms() - 1), 0);
        assert_int_equal(loop_timer_arm(r->l, &b.t, loop_clock_ms() - 1), 0);
        run_guarded(r);
        assert_int_equal(r->n_fired, 7);
        int ones = 0;
        for (int i = 0; i < 7; i++)
                ones += r->fired[i] == 1;
        assert_int_equal(ones, 6);
        /* b, due at the start, ran in the first turn: before a's re-arms. */
        assert_true(r->fired[0] == 2 || r->fired[1] == 2);
}

/* ---- fds ---- */

struct fdrec {
        struct rec *rec;
        int id;
        int fd;
        int other_fd;  /* deleted (and closed) from this callback when >= 0 */
        bool del_self; /* deletes its own registration */
        bool stop;
        char last;
        uint32_t events;
        int calls;
};

static void on_fd(struct loop *l, int fd, uint32_t events, void *data)
{
        struct fdrec *f = data;
        assert_int_equal(fd, f->fd);
        f->calls++;
        f->events = events;
        char c;
        if (events & EPOLLIN) {
                ssize_t n = read(fd, &c, 1);
                if (n == 1)
                        f->last = c;
        }
        f->rec->fired[f->rec->n_fired++] = f->id;
        if (f->del_self)
                assert_int_equal(loop_del_fd(l, fd), 0);
        if (f->other_fd >= 0)
                assert_int_equal(loop_del_fd(l, f->other_fd), 0);
        if (f->stop)
                loop_stop(l);
}

static void stop_soon(struct rec *r, struct tmr *stop, int ms)
{
        tmr_init(stop, r, 99);
        stop->stop = true;
        assert_int_equal(loop_timer_arm(r->l, &stop->t, loop_clock_ms() + ms), 0);
}

static void test_fd_callback(void **state)
{
        struct rec *r = *state;
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        struct fdrec f = {.rec = r, .id = 1, .fd = p[0], .other_fd = -1, .stop = true};
        assert_int_equal(loop_add_fd(r->l, p[0], EPOLLIN, on_fd, &f), 0);
        assert_int_equal(loop_add_fd(r->l, p[0], EPOLLIN, on_fd, &f), -EEXIST);
        assert_int_equal(loop_add_fd(r->l, -1, EPOLLIN, on_fd, &f), -EBADF);
        assert_int_equal(write(p[1], "x", 1), 1);
        run_guarded(r);
        assert_int_equal(f.calls, 1);
        assert_true(f.events & EPOLLIN);
        assert_int_equal(f.last, 'x');

        /* Nothing readable: a second run only ends by its timer. */
        f.stop = false;
        struct tmr stop;
        stop_soon(r, &stop, 20);
        run_guarded(r);
        assert_int_equal(f.calls, 1);

        /* loop_mod_fd: watch for writability instead. */
        struct fdrec w = {.rec = r, .id = 2, .fd = p[1], .other_fd = -1, .stop = true};
        assert_int_equal(loop_add_fd(r->l, p[1], 0, on_fd, &w), 0);
        assert_int_equal(loop_mod_fd(r->l, p[1], EPOLLOUT), 0);
        run_guarded(r);
        assert_int_equal(w.calls, 1);
        assert_true(w.events & EPOLLOUT);

        assert_int_equal(loop_del_fd(r->l, p[0]), 0);
        assert_int_equal(loop_del_fd(r->l, p[0]), -ENOENT);
        assert_int_equal(loop_del_fd(r->l, p[1]), 0);
        assert_int_equal(loop_del_fd(r->l, 12345), -ENOENT);
        assert_int_equal(loop_del_fd(r->l, -1), -ENOENT);
        assert_int_equal(loop_mod_fd(r->l, p[0], EPOLLIN), -ENOENT);
        close(p[0]);
        close(p[1]);
}

static void test_fd_delete_self_in_callback(void **state)
{
        struct rec *r = *state;
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        struct fdrec f = {.rec = r, .id = 1, .fd = p[0], .other_fd = -1, .del_self = true};
        assert_int_equal(loop_add_fd(r->l, p[0], EPOLLIN, on_fd, &f), 0);
        assert_int_equal(write(p[1], "ab", 2), 2); /* still readable after one read */
        struct tmr stop;
        stop_soon(r, &stop, 30);
        run_guarded(r);
        /* Called once: deleted during its own callback, never again. */
        assert_int_equal(f.calls, 1);
        assert_int_equal(loop_del_fd(r->l, p[0]), -ENOENT);
        /* The fd number can be registered again. */
        f.del_self = false;
        f.stop = true;
        f.calls = 0;
        assert_int_equal(loop_add_fd(r->l, p[0], EPOLLIN, on_fd, &f), 0);
        run_guarded(r);
        assert_int_equal(f.calls, 1);
        assert_int_equal(f.last, 'b');
        assert_int_equal(loop_del_fd(r->l, p[0]), 0);
        close(p[0]);
        close(p[1]);
}

static void test_fd_delete_other_in_same_batch(void **state)
{
        struct rec *r = *state;
        int a[2], b[2];
        assert_int_equal(pipe2(a, O_CLOEXEC | O_NONBLOCK), 0);
        assert_int_equal(pipe2(b, O_CLOEXEC | O_NONBLOCK), 0);
        /* Both readable in the same epoll batch; whichever runs first
         * deletes both registrations, so exactly one callback runs. */
        struct fdrec fa = {.rec = r, .id = 1, .fd = a[0], .other_fd = b[0], .del_self = true};
        struct fdrec fb = {.rec = r, .id = 2, .fd = b[0], .other_fd = a[0], .del_self = true};
        assert_int_equal(loop_add_fd(r->l, a[0], EPOLLIN, on_fd, &fa), 0);
        assert_int_equal(loop_add_fd(r->l, b[0], EPOLLIN, on_fd, &fb), 0);
        assert_int_equal(write(a[1], "x", 1), 1);
        assert_int_equal(write(b[1], "y", 1), 1);
        struct tmr stop;
        stop_soon(r, &stop, 30);
        run_guarded(r);
        assert_int_equal(fa.calls + fb.calls, 1);
        close(a[0]);
        close(a[1]);
        close(b[0]);
        close(b[1]);
}

static void test_free_with_fds_and_timers(void **state)
{
        /* loop_free releases registrations still present (ASan checks). */
        struct loop *l;
        assert_int_equal(loop_new(&l), 0);
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        struct fdrec f = {.fd = p[0], .other_fd = -1};
        assert_int_equal(loop_add_fd(l, p[0], EPOLLIN, on_fd, &f), 0);
        assert_int_equal(loop_add_fd(l, 200, EPOLLIN, on_fd, &f), -EBADF);
        struct loop_timer t;
        loop_timer_init(&t, on_guard, NULL);
        assert_int_equal(loop_timer_arm(l, &t, loop_clock_ms() + 100000), 0);
        loop_free(l);
        loop_free(NULL);
        close(p[0]);
        close(p[1]);
}

static void on_signal(struct loop *l, int signo, void *data)
{
        struct rec *r = data;
        r->fired[r->n_fired++] = signo;
        loop_stop(l);
}

static void test_signal(void **state)
{
        struct rec *r = *state;
        assert_int_equal(loop_add_signal(r->l, SIGUSR1, on_signal, r), 0);
        assert_int_equal(loop_add_signal(r->l, SIGUSR2, on_signal, r), 0);
        assert_int_equal(raise(SIGUSR2), 0); /* blocked: delivered through the loop */
        run_guarded(r);
        assert_int_equal(r->n_fired, 1);
        assert_int_equal(r->fired[0], SIGUSR2);
        assert_int_equal(raise(SIGUSR1), 0);
        run_guarded(r);
        assert_int_equal(r->n_fired, 2);
        assert_int_equal(r->fired[1], SIGUSR1);
}

static void test_now_advances(void **state)
{
        struct rec *r = *state;
        int64_t before = loop_now_ms(r->l);
        struct tmr stop;
        stop_soon(r, &stop, 5);
        run_guarded(r);
        assert_true(loop_now_ms(r->l) >= before);
        assert_true(loop_clock_ms() >= loop_now_ms(r->l));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(test_timers_fire_in_order),
            T(test_many_random_timers),
            T(test_disarm),
            T(test_callback_disarms_due_timer),
            T(test_callback_rearms_itself),
            T(test_fd_callback),
            T(test_fd_delete_self_in_callback),
            T(test_fd_delete_other_in_same_batch),
            cmocka_unit_test(test_free_with_fds_and_timers),
            T(test_signal),
            T(test_now_advances),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
