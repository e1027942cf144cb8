/* The boot decision; see boot_plan.h. */
#include "boot/boot_plan.h"

#include <stddef.h>

void boot_plan_script(const struct machine *m, const char *default_image,
                      struct boot_script_plan *ret)
{
        bool have_default = default_image && *default_image;
        *ret = (struct boot_script_plan){.kind = BOOT_SCRIPT_WAIT};
        if (m && !m->netboot) {
                ret->kind = BOOT_SCRIPT_EXIT;
        } else if (m && m->image) {
                ret->kind = BOOT_SCRIPT_IMAGE;
                ret->image = m->image;
        } else if (have_default) {
                /* Unknown, discovered or unassigned: the site's default image. */
                ret->kind = BOOT_SCRIPT_IMAGE;
                ret->image = default_image;
                ret->via_default = true;
        }
}
