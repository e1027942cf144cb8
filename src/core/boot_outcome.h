/* Boot step outcomes: what each step of a boot (dhcp -> tftp -> script ->
 * kernel -> initrd) ended in, as data rather than words in an event's
 * detail, and how a machine's run of steps decides whether it is failing.
 *
 * A machine is failing from a failed step until a later successful step
 * at the same or a later stage: a machine looping on a missing initrd
 * keeps failing through its DHCP, TFTP, script and kernel steps (each
 * attempt gets that far and no further), and stops failing when an initrd
 * is sent whole.  Pure; used by the store (which folds a batch of events
 * per machine) and its tests. */
#pragma once

#include <stdbool.h>

#define BOOT_OUTCOME_MAX 16

/* The outcome codes the servers write ("" in a struct boot_event = ok). */
#define BOOT_OK             "ok"
#define BOOT_NOT_FOUND      "not-found"      /* HTTP 404 / TFTP file not found */
#define BOOT_ABORTED        "aborted"        /* transfer ended before its last byte */
#define BOOT_ERROR          "error"          /* TFTP error packet or send failure */
#define BOOT_TIMEOUT        "timeout"        /* TFTP client stopped answering */
#define BOOT_NAK            "nak"            /* DHCP NAK sent */
#define BOOT_POOL_EXHAUSTED "pool-exhausted" /* DHCP: no free address */
#define BOOT_RENDER_ERROR   "render-error"   /* boot script could not be rendered */

/* Whether an outcome is a failure ("" and "ok" are not). */
bool boot_outcome_failed(const char *outcome);

/* dhcp 0, tftp 1, script 2, kernel 3, initrd 4; any other stage -1. */
#define BOOT_STAGES 5
int boot_stage_rank(const char *stage);
/* The stage of a rank in [0, BOOT_STAGES). */
const char *boot_stage_name(int rank);

/* A run of one machine's steps, oldest first, folded into what it does to
 * the machine's stored failure:
 *   fail >= 0       the step with this index is its failure now (rank
 *                   fail_rank), whatever was stored;
 *   else clear_rank a stored failure of rank <= clear_rank is cleared (-1:
 *                   none is; BOOT_CLEAR_ALL: any is);
 * and to the stages its current attempt went through (the machines list's
 * "Last boot"): bit rank for a step that worked, bit 5 + rank for one that
 * failed (BOOT_MASK_*).  A dhcp step after a script, kernel or initrd step
 * (iPXE's own DHCP follows the ROM's TFTP within one boot), or any step
 * more than BOOT_ATTEMPT_GAP_MS after the one before, starts a new attempt:
 * restarted says one started after the run's first step (the mask then
 * holds only that attempt); otherwise whether the first step starts one
 * depends on the machine's stored last step (the store decides). */
#define BOOT_CLEAR_ALL         1000
#define BOOT_ATTEMPT_GAP_MS    600000 /* 10 min; decimal: the store writes it into SQL */
#define BOOT_MASK_FAILED(rank) (1u << (5 + (rank)))
#define BOOT_MASK_OK(rank)     (1u << (rank))
#define BOOT_MASK_ALL          1023 /* decimal, as above */
struct boot_fold {
        int fail, fail_rank, clear_rank;
        unsigned mask;
        bool restarted;
        int prev_rank; /* the previous step's rank (-2: none yet) */
        long long prev_time;
};

void boot_fold_init(struct boot_fold *f);
void boot_fold_add(struct boot_fold *f, int index, long long time_ms, const char *stage,
                   const char *outcome);
/* Whether a dhcp step at `time_ms` after a step at prev_rank/prev_time
 * starts a new attempt (or any step after a long gap). */
bool boot_attempt_starts(int rank, long long time_ms, int prev_rank, long long prev_time);
