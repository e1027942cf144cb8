/* Boot step outcomes; see boot_outcome.h. */
#include "core/boot_outcome.h"

#include <string.h>

bool boot_outcome_failed(const char *outcome)
{
        return outcome && *outcome && strcmp(outcome, BOOT_OK) != 0;
}

static const char *const order[BOOT_STAGES] = {"dhcp", "tftp", "script", "kernel", "initrd"};

int boot_stage_rank(const char *stage)
{
        for (int i = 0; i < BOOT_STAGES; i++)
                if (strcmp(stage, order[i]) == 0)
                        return i;
        return -1;
}

const char *boot_stage_name(int rank)
{
        return rank >= 0 && rank < BOOT_STAGES ? order[rank] : "";
}

void boot_fold_init(struct boot_fold *f)
{
        *f = (struct boot_fold){.fail = -1, .fail_rank = -1, .clear_rank = -1, .prev_rank = -2};
}

bool boot_attempt_starts(int rank, long long time_ms, int prev_rank, long long prev_time)
{
        if (prev_rank == -2)
                return false;
        return (rank == 0 && prev_rank >= 2) || time_ms - prev_time > BOOT_ATTEMPT_GAP_MS;
}

/* The stages of the current attempt (mask). */
static void fold_attempt(struct boot_fold *f, int rank, long long time_ms, bool failed)
{
        if (rank < 0)
                return;
        if (boot_attempt_starts(rank, time_ms, f->prev_rank, f->prev_time)) {
                f->mask = 0;
                f->restarted = true;
        }
        f->mask |= failed ? BOOT_MASK_FAILED(rank) : BOOT_MASK_OK(rank);
        f->prev_rank = rank;
        f->prev_time = time_ms;
}

void boot_fold_add(struct boot_fold *f, int index, long long time_ms, const char *stage,
                   const char *outcome)
{
        int rank = boot_stage_rank(stage);
        bool failed = boot_outcome_failed(outcome);
        fold_attempt(f, rank, time_ms, failed);
        if (failed) {
                f->fail = index;
                f->fail_rank = rank < 0 ? 0 : rank; /* any later success clears it */
                f->clear_rank = -1;
                return;
        }
        if (rank < 0)
                return;
        if (f->fail >= 0) {
                /* The batch's own failure is cleared, and with it whatever
                 * was stored before it (which it had replaced). */
                if (rank >= f->fail_rank) {
                        f->fail = -1;
                        f->fail_rank = -1;
                        f->clear_rank = BOOT_CLEAR_ALL;
                }
        } else if (rank > f->clear_rank) {
                f->clear_rank = rank;
        }
}
