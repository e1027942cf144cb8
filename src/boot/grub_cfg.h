/* GRUB configuration rendering: the per-MAC grub.cfg that a network-booted
 * GRUB (Debian's signed grubnetx64.efi / grubnetaa64.efi behind shim, or
 * any GRUB with efinet) reads, and the grub.cfg that chains to it.
 *
 * What GRUB asks for (pxe-facts.md, measured): with prefix "/grub" on the
 * TFTP server it loads grub/grub.cfg and nothing per machine by itself;
 * builds whose prefix names the device ("(tftp,server)/boot/grub") first
 * try grub.cfg-01-<mac-hyphen>, then IP-based names, then grub.cfg.  So
 * bootherd answers grub.cfg (under "grub/", "boot/grub/" or the root) with
 * a chain to grub.cfg-01-$net_default_mac, and the per-MAC name in either
 * spelling of the address ("52-54-00-ab-cd-01" or "52:54:00:ab:cd:01").
 *
 * Same decision as the iPXE scripts (boot_plan_script()), GRUB syntax: a
 * machine with an image gets linux/initrd/boot, or the image's own
 * grub_script template with $bootherd_images set (and when boot returns, the
 * image failed to load: it waits and asks for grub.cfg-failed-01-<mac>, so
 * the failure is a boot event); one without an image prints where to
 * assign one, sleeps and reads its configuration again; one with netboot
 * off exits to the firmware.  Files come over the protocol the
 * configuration itself came over: format grub-tftp (TFTP) names
 * (tftp,SERVER)/images/..., format grub (HTTP) (http,SERVER:PORT)/images/...
 * Debian's signed netboot GRUB has no http module and is started over TFTP;
 * "if insmod http" cannot tell: on OVMF with Secure Boot it took the then
 * branch without any module (docs/firmware.md).
 *
 * Pure: no store, no sockets.  Every value bootherd writes goes out inside
 * GRUB single quotes (no $ expansion, no command separators); values in a
 * grub_script template are percent-encoded as in iPXE templates; the kernel
 * command line is split into words as the kernel reads it, one quoted
 * GRUB word each (GRUB's linux command re-quotes words that hold spaces). */
#pragma once

#include <stdbool.h>

#include "boot/boot_endpoints.h"
#include "boot/boot_plan.h"
#include "boot/ipxe_script.h"
#include "core/mac.h"
#include "core/strbuf.h"

struct grub_cfg_opts {
        const struct boot_endpoints *ep; /* where the files are: http and tftp bases */
        long retry_s;                    /* wait before reading the configuration again */
        bool tftp; /* files over TFTP (the file itself was fetched over TFTP), else HTTP */
};

/* Renders mac's configuration for plan.  img: the plan's image (required
 * for BOOT_SCRIPT_IMAGE).  v: the machine's variables (mac, mac_hyphen,
 * image, console, ...).  0, or -EINVAL with err set when the image's
 * command-line or GRUB template is invalid. */
int grub_cfg_render(const struct boot_script_plan *plan, const struct image *img,
                    const struct script_vars *v, const struct grub_cfg_opts *o, struct strbuf *out,
                    char err[SCRIPT_ERR_MAX]);

/* grub.cfg: reads grub.cfg-01-$net_default_mac from GRUB's prefix, or
 * (no default interface) waits retry_s and reads grub.cfg again. */
void grub_cfg_chain(long retry_s, struct strbuf *out);

enum grub_cfg_path {
        GRUB_CFG_PATH_NONE,   /* not a GRUB configuration name */
        GRUB_CFG_PATH_CHAIN,  /* [grub/ | boot/grub/]grub.cfg */
        GRUB_CFG_PATH_MAC,    /* [grub/ | boot/grub/]grub.cfg-01-<mac> */
        GRUB_CFG_PATH_FAILED, /* grub.cfg-failed-01-<mac>: the same file, asked for after
                                 loading the image failed (e.g. refused by Secure Boot) */
};

/* Classifies a normalised name (no leading '/'): the names above, MAC with
 * '-' or ':' separators (either case) into *ret_mac. */
enum grub_cfg_path grub_cfg_path_classify(const char *norm, struct mac *ret_mac);
