/* A machine's newest boot attempts: its events read in growing windows
 * until they hold the attempts asked for (store.h). */
#include <errno.h>
#include <stdlib.h>

#include "store/store.h"

/* A boot is 5 to 20 events; a machine looping on a failure makes fewer. */
#define EVENTS_PER_ATTEMPT 40

int store_attempts_list(struct store *s, const struct mac *mac, size_t want,
                        struct boot_event **ret_evs, struct boot_attempts *ret, bool *ret_more)
{
        *ret_evs = NULL;
        *ret = (struct boot_attempts){0};
        *ret_more = false;
        if (want == 0)
                return 0;
        if (want > STORE_ATTEMPTS_MAX)
                want = STORE_ATTEMPTS_MAX;
        int64_t limit = (int64_t)want * EVENTS_PER_ATTEMPT;
        for (;;) {
                struct boot_event *evs;
                size_t n;
                int rc = store_events_list(s, mac, 0, limit, &evs, &n);
                if (rc < 0)
                        return rc;
                struct boot_attempts a;
                if (boot_attempts_group(evs, n, &a) < 0) {
                        free(evs);
                        return -ENOMEM;
                }
                bool all = (int64_t)n < limit;
                /* More attempts than asked: the newest `want` are whole (only
                 * the oldest one read can have lost its start). */
                if (all || a.n > want || limit >= STORE_ATTEMPT_EVENTS_MAX) {
                        *ret_more = !all || a.n > want;
                        if (a.n > want)
                                a.n = want;
                        *ret_evs = evs;
                        *ret = a;
                        return 0;
                }
                boot_attempts_free(&a);
                free(evs);
                limit = limit > STORE_ATTEMPT_EVENTS_MAX / 4 ? STORE_ATTEMPT_EVENTS_MAX : limit * 4;
        }
}
