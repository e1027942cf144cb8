/* The boot decision: what a machine gets at each step.  Pure functions of
 * the request facts and the inventory record; no I/O.
 *
 * HTTP asks boot_plan_script() which script a MAC gets; DHCP and TFTP ask
 * the first-stage questions (which file / URL for this firmware). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_endpoints.h"
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

/* ---- DHCP: the first-stage decision ----
 *
 * From what a DHCP client says about itself (options 93, 60, 77, 175) and
 * its inventory record, decide what it is handed: nothing (an address only),
 * a TFTP file name, or an http:// URL.  See pxe-facts.md for the client
 * behaviour each rule answers. */

enum boot_vendor {
        BOOT_VENDOR_NONE,
        BOOT_VENDOR_PXE,  /* option 60 "PXEClient..." */
        BOOT_VENDOR_HTTP, /* option 60 "HTTPClient..." (UEFI HTTP Boot) */
};

enum boot_client {
        BOOT_CLIENT_PLAIN,     /* an ordinary DHCP client: no boot file */
        BOOT_CLIENT_PXE,       /* firmware PXE (BIOS or UEFI) */
        BOOT_CLIENT_IPXE,      /* iPXE (or gPXE) */
        BOOT_CLIENT_HTTP_BOOT, /* UEFI HTTP Boot */
};

/* First-stage file slots, one per architecture family (configurable). */
enum boot_arch_slot {
        BOOT_ARCH_BIOS,        /* 0 */
        BOOT_ARCH_EFI_IA32,    /* 6 */
        BOOT_ARCH_EFI_X64,     /* 7, 9 (both x86-64, as Pixiecore treats them) */
        BOOT_ARCH_EFI_ARM32,   /* 10 */
        BOOT_ARCH_EFI_ARM64,   /* 11 */
        BOOT_ARCH_HTTP_X64,    /* 16 */
        BOOT_ARCH_HTTP_ARM64,  /* 19 */
        BOOT_ARCH_RISCV32,     /* 0x19 */
        BOOT_ARCH_RISCV64,     /* 0x1b */
        BOOT_ARCH_LOONGARCH64, /* 0x27 */
        BOOT_ARCH_RPI,         /* 0x29 */
        BOOT_ARCH_DEFAULT,     /* any other code, or none */
        BOOT_ARCH_N
};

/* Maps an option-93 code to its slot (BOOT_ARCH_DEFAULT when unknown). */
enum boot_arch_slot boot_arch_slot_of(uint16_t arch);
/* "bios", "efi_x64", ... (the config key suffix). */
const char *boot_arch_slot_name(enum boot_arch_slot slot);

struct boot_dhcp_facts {
        bool has_arch;
        uint16_t arch; /* option 93, first value */
        enum boot_vendor vendor;
        const uint8_t *user_class; /* option 77 value, NULL = absent */
        size_t user_class_len;
        bool has_etherboot; /* option 175 present (iPXE/gPXE) */
};

/* Option 60 value → vendor kind (prefix match, RFC 4578 §2.2 / UEFI 2.5
 * §24.7). */
enum boot_vendor boot_vendor_of(const uint8_t *v, size_t len);

/* True when an option-77 value names `name`: either the raw string, as
 * iPXE sends it, or one of the RFC 3004 length-prefixed instances. */
bool boot_user_class_has(const uint8_t *uc, size_t len, const char *name);

struct boot_dhcp_ctx {
        const struct boot_endpoints *ep; /* the boot URLs of the receiving interface */
        const char *const *files;        /* [BOOT_ARCH_N]; "" or NULL = none */
        bool authoritative;              /* we are the DHCP server (not a proxy) */
        bool boot_server;                /* answering a PXE boot-server request on port 4011 */
        /* The caller's per-MAC verdict (boot_fallback.h): this machine was
         * handed snponly.efi and did not come back as iPXE in time. */
        bool snponly_fallback;
};

enum boot_dhcp_kind {
        BOOT_DHCP_NONE, /* address only */
        BOOT_DHCP_TFTP, /* file is a TFTP path: siaddr + file */
        BOOT_DHCP_URL,  /* file is an http:// URL */
};

struct boot_dhcp_plan {
        enum boot_dhcp_kind kind;
        enum boot_client client;
        enum boot_arch_slot slot;
        /* The boot file is file_base + "/" + file when file_base is set (a
         * URL on this server), else file; both point into the context or
         * the inventory record, so no length limit applies here (DHCP
         * carries long values as RFC 3396 instances). */
        const char *file_base;
        const char *file;
        size_t file_len;            /* of the whole boot file */
        const char *vendor_echo;    /* "PXEClient", "HTTPClient" or NULL */
        bool pxe_discovery_control; /* option 43 = {6: 8}: boot the file now */
        bool ipxe_no_pxedhcp;       /* option 175.176 = 1 */
        bool unknown_arch;          /* code not in the table: the default slot was used */
        bool netboot_off;           /* the inventory says netboot = off */
        bool secure_boot;           /* the machine's secure_boot chose the file */
        bool snponly;               /* handed BOOT_SNPONLY_FILE by the arch map (may fall back) */
        bool fallback;              /* handed BOOT_SNPONLY_FALLBACK instead of snponly.efi */
};

/* UEFI x86-64 defaults to snponly.efi (iPXE on the firmware's own network
 * driver: starts faster).  Some NICs' firmware SNP does not work with it;
 * a machine handed snponly.efi that does not come back as iPXE within
 * [dhcp] snponly_fallback seconds gets ipxe.efi (iPXE's own drivers) from
 * then on: ctx->snponly_fallback (this server saw it) or the machine's
 * recorded snponly_fallback_at.  An explicit boot_file always wins. */
#define BOOT_SNPONLY_FILE     "snponly.efi"
#define BOOT_SNPONLY_FALLBACK "ipxe.efi"

/* What a secure_boot machine gets on UEFI x86-64 PXE (arch 7, 9): shim,
 * which loads grubx64.efi (signed GRUB) from the same server, which reads
 * grub/grub.cfg -> grub.cfg-01-<mac> (grub_cfg.h). */
#define BOOT_SECURE_BOOT_FILE_X64 "shimx64.efi"

/* The decision.  m: inventory record or NULL (unknown MAC).  Always fills
 * *ret (kind NONE when nothing applies: plain client, netboot off, no file
 * configured for the arch).  *ret points into m and ctx: valid while
 * they are. */
void boot_plan_dhcp(const struct boot_dhcp_facts *f, const struct machine *m,
                    const struct boot_dhcp_ctx *ctx, struct boot_dhcp_plan *ret);

/* "plain", "pxe", "ipxe", "http-boot". */
const char *boot_client_name(enum boot_client c);

/* Copies the plan's boot file into out (cap bytes, NUL-terminated, cut
 * when it does not fit); "" for kind NONE.  For logs and fixed fields. */
void boot_dhcp_plan_file(const struct boot_dhcp_plan *p, char *out, size_t cap);
