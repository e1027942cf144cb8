/* The boot path for one machine, in one place: inventory → boot plan →
 * image → template variables → render → fallback → what the boot event
 * records.  HTTP (/boot/<mac>.ipxe), TFTP (boot/<mac>.ipxe,
 * pxelinux.cfg/01-<mac>) and GRUB's grub.cfg-01-<mac> (TFTP and HTTP) are
 * formats of this one resolver; the protocols only carry its output.
 *
 * The fallback, the same for every format and protocol: when the machine's
 * image cannot be rendered (the image no longer exists, or its template or
 * command line is invalid), the machine gets the format's wait-and-retry
 * file (as for a machine without an image), so it keeps asking until an
 * administrator fixes the image; the result says FALLBACK with the reason
 * (logged by the caller, recorded as "script error" in the boot event, and
 * never cached).  When the inventory itself cannot be read, nothing is
 * rendered: the caller answers "unavailable" (HTTP 503, a TFTP ERROR) and
 * the machine's own retry asks again.  docs/boot.md tells the whole story.
 *
 * Not thread-safe beyond its arguments: the inventory and the endpoints
 * table belong to the calling thread.  No I/O besides the inventory's. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_endpoints.h"
#include "boot/boot_inventory.h"
#include "boot/boot_plan.h"
#include "boot/ipxe_script.h"
#include "core/mac.h"
#include "core/strbuf.h"

enum boot_format {
        BOOT_FORMAT_IPXE_HTTP, /* iPXE script, URLs over HTTP (/boot/<mac>.ipxe) */
        BOOT_FORMAT_IPXE_TFTP, /* iPXE script, URLs over TFTP (iPXE builds without HTTP) */
        BOOT_FORMAT_PXELINUX,  /* pxelinux.cfg/01-<mac-hyphen> */
        BOOT_FORMAT_GRUB,      /* per-MAC grub.cfg-01-<mac> (grub_cfg.h), files over HTTP */
        BOOT_FORMAT_GRUB_TFTP, /* the same, files over TFTP (the file came over TFTP) */
        BOOT_FORMAT_N
};

/* "ipxe", "ipxe-tftp", "pxelinux", "grub", "grub-tftp". */
const char *boot_format_name(enum boot_format f);

/* What a renderer gets.  Adding a format is one renderer of this shape (an
 * image / wait-and-retry / netboot-off file in its syntax) and one line in
 * boot_resolve.c's format table. */
struct boot_render_in {
        enum boot_script_kind kind;
        const struct image *img;         /* kind == BOOT_SCRIPT_IMAGE */
        const struct script_vars *v;     /* server/images_url already chosen for the format */
        const struct boot_endpoints *ep; /* every base URL (GRUB picks HTTP or TFTP itself) */
        long retry_s;                    /* wait before retrying (no image, fallback) */
        bool tftp_paths;                 /* pxelinux: "/images/…" TFTP paths, not URLs */
        bool tftp_urls;                  /* the format's files come over TFTP */
};
typedef int (*boot_render_fn)(const struct boot_render_in *in, struct strbuf *out,
                              char err[SCRIPT_ERR_MAX]);

/* Settings, fixed at start-up. */
struct boot_resolver {
        const char *default_image; /* [boot] default_image; "" = none */
        long retry_s;              /* [boot] unknown_retry_s */
        bool pxelinux_tftp_paths;  /* [tftp] pxelinux_tftp_paths */
};

enum boot_outcome {
        BOOT_OUTCOME_IMAGE,         /* the machine's assigned image */
        BOOT_OUTCOME_DEFAULT_IMAGE, /* [boot] default_image (unknown or unassigned machine) */
        BOOT_OUTCOME_WAIT,          /* no image: wait and retry */
        BOOT_OUTCOME_NETBOOT_OFF,   /* hand back to the firmware */
        BOOT_OUTCOME_FALLBACK,      /* the image failed to render: wait and retry */
};

enum boot_failure {
        BOOT_FAILURE_NONE,
        BOOT_FAILURE_IMAGE_MISSING,  /* the plan names an image that does not exist */
        BOOT_FAILURE_TEMPLATE_ERROR, /* its script template or command line is invalid */
};

/* "image", "default image", "no image", "netboot off", "script error". */
const char *boot_outcome_name(enum boot_outcome o);
/* "", "image missing", "template error". */
const char *boot_failure_name(enum boot_failure f);

#define BOOT_IMAGE_NAME_MAX 64

struct boot_result {
        enum boot_outcome outcome;
        enum boot_failure failure;       /* FALLBACK: why */
        bool via_default;                /* the image was [boot] default_image */
        bool cacheable;                  /* false for a fallback */
        char image[BOOT_IMAGE_NAME_MAX]; /* the plan's image, "" when none */
        char err[SCRIPT_ERR_MAX];        /* FALLBACK or failure: a message for the log */
};

/* Writes mac's file in format fmt into out and says what it is in *ret.
 * Call between boot_inventory_begin() and boot_inventory_end() (records
 * are borrowed from inv until end).  ep: the endpoints the request arrived
 * at.  Returns 0 (also for a FALLBACK), or nothing usable was written and:
 *   -EOPNOTSUPP  no renderer for fmt yet
 *   -ENOMEM
 *   another negative errno: the inventory could not be read (ret->err). */
int boot_resolve(const struct boot_resolver *res, const struct boot_inventory *inv,
                 const struct boot_endpoints *ep, enum boot_format fmt, const struct mac *mac,
                 struct strbuf *out, struct boot_result *ret);

/* The file img would give mac (the image editor's preview): no plan and no
 * fallback.  -EINVAL with err set when img's template is invalid; other
 * errors as boot_resolve(). */
int boot_resolve_image(const struct boot_resolver *res, const struct boot_inventory *inv,
                       const struct boot_endpoints *ep, enum boot_format fmt, const struct mac *mac,
                       const struct image *img, struct strbuf *out, char err[SCRIPT_ERR_MAX]);

#define BOOT_DETAIL_LEN 96

/* The boot event's detail for a result: "debian12", "no image", "netboot
 * off", "script error", plus " (default image)" for the default image. */
void boot_result_detail(const struct boot_result *r, char out[BOOT_DETAIL_LEN]);
