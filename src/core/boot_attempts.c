/* Boot attempts; see boot_attempts.h. */
#include "core/boot_attempts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int by_time(const void *a, const void *b)
{
        const struct boot_event *x = *(const struct boot_event *const *)a;
        const struct boot_event *y = *(const struct boot_event *const *)b;
        if (x->time != y->time)
                return x->time < y->time ? -1 : 1;
        return x->id < y->id ? -1 : x->id > y->id;
}

/* The step the attempt failed at: its last failure unless a later success
 * at the same stage or beyond (an unknown stage's failure ranks as dhcp). */
static void find_failure(struct boot_attempt *a)
{
        const struct boot_event *fail = NULL;
        int fail_rank = 0;
        for (size_t i = 0; i < a->n_events; i++) {
                const struct boot_event *e = a->events[i];
                int rank = boot_stage_rank(e->stage);
                if (boot_outcome_failed(e->outcome)) {
                        fail = e;
                        fail_rank = rank < 0 ? 0 : rank;
                } else if (fail && rank >= fail_rank) {
                        fail = NULL;
                }
        }
        a->failure = fail;
}

static void summarise(struct boot_attempt *a)
{
        a->start = a->events[0]->time;
        a->end = a->events[a->n_events - 1]->time;
        a->reached = -1;
        for (size_t i = 0; i < a->n_events; i++) {
                const struct boot_event *e = a->events[i];
                int rank = boot_stage_rank(e->stage);
                if (rank < 0)
                        continue;
                if (rank > a->reached)
                        a->reached = rank;
                a->seen[rank] = true;
                if (!e->xfer)
                        continue;
                a->xfer[rank] = true;
                /* Saturates: a forged count must not wrap. */
                if (e->bytes > 0)
                        a->bytes[rank] = e->bytes > INT64_MAX - a->bytes[rank]
                                             ? INT64_MAX
                                             : a->bytes[rank] + e->bytes;
        }
        find_failure(a);
}

int boot_attempts_group(const struct boot_event *evs, size_t n, struct boot_attempts *ret)
{
        *ret = (struct boot_attempts){0};
        if (n == 0)
                return 0;
        ret->order = calloc(n, sizeof(*ret->order));
        ret->v = calloc(n, sizeof(*ret->v)); /* at most one attempt per event */
        if (!ret->order || !ret->v) {
                boot_attempts_free(ret);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                ret->order[i] = &evs[i];
        qsort(ret->order, n, sizeof(*ret->order), by_time);

        /* Oldest first into v; reversed below.  boot_attempt_starts() gets
         * the attempt's furthest rank as "previous": a dhcp starts over
         * once any script, kernel or initrd step is in the attempt. */
        size_t na = 0, begin = 0;
        int furthest = -1;
        for (size_t i = 0; i < n; i++) {
                const struct boot_event *e = ret->order[i];
                int rank = boot_stage_rank(e->stage);
                if (i > 0 &&
                    boot_attempt_starts(rank, e->time, furthest, ret->order[i - 1]->time)) {
                        ret->v[na++] = (struct boot_attempt){.events = &ret->order[begin],
                                                             .n_events = i - begin};
                        begin = i;
                        furthest = -1;
                }
                if (rank > furthest)
                        furthest = rank;
        }
        ret->v[na++] = (struct boot_attempt){.events = &ret->order[begin], .n_events = n - begin};
        for (size_t i = 0; i < na / 2; i++) {
                struct boot_attempt t = ret->v[i];
                ret->v[i] = ret->v[na - 1 - i];
                ret->v[na - 1 - i] = t;
        }
        for (size_t i = 0; i < na; i++)
                summarise(&ret->v[i]);
        ret->n = na;
        return 0;
}

void boot_attempts_free(struct boot_attempts *a)
{
        free(a->v);
        free(a->order);
        *a = (struct boot_attempts){0};
}
