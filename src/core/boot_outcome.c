/* Boot step outcomes; see boot_outcome.h. */
#include "core/boot_outcome.h"

#include <string.h>

bool boot_outcome_failed(const char *outcome)
{
        return outcome && *outcome && strcmp(outcome, BOOT_OK) != 0;
}

int boot_stage_rank(const char *stage)
{
        static const char *const order[] = {"dhcp", "tftp", "script", "kernel", "initrd"};
        for (int i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
                if (strcmp(stage, order[i]) == 0)
                        return i;
        return -1;
}

void boot_fail_fold_init(struct boot_fail_fold *f)
{
        *f = (struct boot_fail_fold){.fail = -1, .fail_rank = -1, .clear_rank = -1};
}

void boot_fail_fold_add(struct boot_fail_fold *f, int index, const char *stage, const char *outcome)
{
        int rank = boot_stage_rank(stage);
        if (boot_outcome_failed(outcome)) {
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
