/* pxelinux configuration rendering: the per-MAC file
 * `pxelinux.cfg/01-<mac-hyphen>` that pxelinux/lpxelinux asks for first.
 *
 * Same decision as the iPXE scripts (boot_plan_script()), another syntax:
 * a machine with an image gets a single LABEL with KERNEL/INITRD/APPEND;
 * one without waits and reboots to try again; one with netboot disabled
 * hands back to the firmware.  Kernel and initrds are http:// URLs by
 * default (lpxelinux fetches them over HTTP, much faster than TFTP); with
 * `tftp_paths` they are "/images/<path>", which bootherd's TFTP server maps
 * to the images root, for plain pxelinux.  Absolute URLs in the image stay
 * as they are.
 *
 * Pure: no store, no sockets.  Substituted values are escaped the same way
 * as in iPXE scripts (ipxe_escape), so none can break the line structure. */
#pragma once

#include <stdbool.h>

#include "boot/boot_plan.h"
#include "boot/ipxe_script.h"
#include "core/strbuf.h"

struct pxelinux_opts {
        bool tftp_paths; /* "/images/…" instead of http URLs */
        long retry_s;    /* wait before retrying a machine without an image */
};

/* Renders the config for plan.  img: the plan's image (required when
 * plan->kind == BOOT_SCRIPT_IMAGE, ignored otherwise).  v: the machine's
 * variables (mac, image, server, images_url, ...).  Returns 0, or -EINVAL
 * with err set when the image's cmdline template is invalid. */
int pxelinux_cfg_render(const struct boot_script_plan *plan, const struct image *img,
                        const struct script_vars *v, const struct pxelinux_opts *o,
                        struct strbuf *out, char err[SCRIPT_ERR_MAX]);
