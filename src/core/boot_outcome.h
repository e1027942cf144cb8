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
int boot_stage_rank(const char *stage);

/* A run of one machine's steps, oldest first, folded into what it does to
 * the machine's stored failure:
 *   fail >= 0       the step with this index is its failure now (rank
 *                   fail_rank), whatever was stored;
 *   else clear_rank a stored failure of rank <= clear_rank is cleared (-1:
 *                   none is; BOOT_CLEAR_ALL: any is). */
#define BOOT_CLEAR_ALL 1000
struct boot_fail_fold {
        int fail, fail_rank, clear_rank;
};

void boot_fail_fold_init(struct boot_fail_fold *f);
void boot_fail_fold_add(struct boot_fail_fold *f, int index, const char *stage,
                        const char *outcome);
