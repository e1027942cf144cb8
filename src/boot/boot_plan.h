/* The boot decision: what a machine gets at each step.  Pure functions of
 * the request facts and the inventory record; no I/O.
 *
 * HTTP asks boot_plan_script() which script a MAC gets; DHCP and TFTP ask
 * the first-stage questions (which file / URL for this firmware). */
#pragma once

#include <stdbool.h>

#include "store/store.h"

enum boot_script_kind {
        BOOT_SCRIPT_IMAGE, /* boot plan.image */
        BOOT_SCRIPT_WAIT,  /* no image: print where to assign one, retry */
        BOOT_SCRIPT_EXIT,  /* netboot disabled: hand back to the firmware */
};

struct boot_script_plan {
        enum boot_script_kind kind;
        const char *image; /* for BOOT_SCRIPT_IMAGE: points into m or default_image */
        bool via_default;  /* the image is the configured default, not an assignment */
};

/* m: the machine's record, or NULL when the MAC is unknown.
 * default_image: "" or NULL when none is configured. */
void boot_plan_script(const struct machine *m, const char *default_image,
                      struct boot_script_plan *ret);
