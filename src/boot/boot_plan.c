/* The boot decision; see boot_plan.h. */
#include "boot/boot_plan.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

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

/* ---- DHCP first stage ---- */

static const char *const slot_names[BOOT_ARCH_N] = {
    "bios",       "efi_ia32", "efi_x64", "efi_arm32",   "efi_arm64", "http_x64",
    "http_arm64", "riscv32",  "riscv64", "loongarch64", "rpi",       "default",
};

const char *boot_arch_slot_name(enum boot_arch_slot slot)
{
        return (unsigned)slot < BOOT_ARCH_N ? slot_names[slot] : "default";
}

enum boot_arch_slot boot_arch_slot_of(uint16_t arch)
{
        /* Codes: IANA "Processor Architecture Types", iPXE dhcp.h. */
        switch (arch) {
        case 0:
                return BOOT_ARCH_BIOS;
        case 6:
                return BOOT_ARCH_EFI_IA32;
        case 7:
        case 9:
                return BOOT_ARCH_EFI_X64;
        case 10:
                return BOOT_ARCH_EFI_ARM32;
        case 11:
                return BOOT_ARCH_EFI_ARM64;
        case 16:
                return BOOT_ARCH_HTTP_X64;
        case 19:
                return BOOT_ARCH_HTTP_ARM64;
        case 0x19:
                return BOOT_ARCH_RISCV32;
        case 0x1b:
                return BOOT_ARCH_RISCV64;
        case 0x27:
                return BOOT_ARCH_LOONGARCH64;
        case 0x29:
                return BOOT_ARCH_RPI;
        default:
                return BOOT_ARCH_DEFAULT;
        }
}

static bool has_prefix(const uint8_t *v, size_t len, const char *prefix)
{
        size_t n = strlen(prefix);
        return len >= n && memcmp(v, prefix, n) == 0;
}

enum boot_vendor boot_vendor_of(const uint8_t *v, size_t len)
{
        if (!v)
                return BOOT_VENDOR_NONE;
        if (has_prefix(v, len, "PXEClient"))
                return BOOT_VENDOR_PXE;
        if (has_prefix(v, len, "HTTPClient"))
                return BOOT_VENDOR_HTTP;
        return BOOT_VENDOR_NONE;
}

bool boot_user_class_has(const uint8_t *uc, size_t len, const char *name)
{
        size_t n = strlen(name);
        if (!uc)
                return false;
        /* iPXE sends the bare string (pxe-facts.md: measured on its ROM). */
        if (len == n && memcmp(uc, name, n) == 0)
                return true;
        /* RFC 3004 §4: a sequence of (length, data) instances. */
        size_t i = 0;
        while (i < len) {
                size_t l = uc[i];
                if (l == 0 || l > len - i - 1)
                        return false;
                if (l == n && memcmp(uc + i + 1, name, n) == 0)
                        return true;
                i += 1 + l;
        }
        return false;
}

const char *boot_client_name(enum boot_client c)
{
        static const char *const names[] = {"plain", "pxe", "ipxe", "http-boot"};
        return (unsigned)c < 4 ? names[c] : "plain";
}

static enum boot_client classify(const struct boot_dhcp_facts *f)
{
        if (f->has_etherboot || boot_user_class_has(f->user_class, f->user_class_len, "iPXE") ||
            boot_user_class_has(f->user_class, f->user_class_len, "gPXE"))
                return BOOT_CLIENT_IPXE;
        if (f->vendor == BOOT_VENDOR_HTTP)
                return BOOT_CLIENT_HTTP_BOOT;
        /* RFC 4578 clients send 60 and 93 together; accept either. */
        if (f->vendor == BOOT_VENDOR_PXE || f->has_arch)
                return BOOT_CLIENT_PXE;
        return BOOT_CLIENT_PLAIN;
}

/* HTTP Boot clients that report a PXE code still want an HTTP-Boot file. */
static enum boot_arch_slot http_slot(enum boot_arch_slot s)
{
        if (s == BOOT_ARCH_EFI_X64)
                return BOOT_ARCH_HTTP_X64;
        if (s == BOOT_ARCH_EFI_ARM64)
                return BOOT_ARCH_HTTP_ARM64;
        return s;
}

static const char *slot_file(const struct boot_dhcp_ctx *ctx, enum boot_arch_slot s)
{
        const char *f = ctx->files ? ctx->files[s] : NULL;
        return f && *f ? f : NULL;
}

/* The plan's file is file, under this server's HTTP base unless it is
 * already a URL. */
static void set_url(struct boot_dhcp_plan *p, const struct boot_endpoints *ep, const char *file)
{
        p->kind = BOOT_DHCP_URL;
        p->file = file;
        if (strstr(file, "://")) {
                p->file_base = NULL;
                p->file_len = strlen(file);
        } else {
                p->file_base = ep->http;
                p->file_len = ep->http_len + 1 + strlen(file);
        }
}

void boot_dhcp_plan_file(const struct boot_dhcp_plan *p, char *out, size_t cap)
{
        if (p->kind == BOOT_DHCP_NONE || !p->file)
                snprintf(out, cap, "%s", "");
        else if (p->file_base)
                snprintf(out, cap, "%s/%s", p->file_base, p->file);
        else
                snprintf(out, cap, "%s", p->file);
}

static void plan_first_stage(const struct boot_dhcp_facts *f, const struct machine *m,
                             const struct boot_dhcp_ctx *ctx, struct boot_dhcp_plan *p)
{
        const char *file = m && m->boot_file && *m->boot_file ? m->boot_file : NULL;
        if (p->client == BOOT_CLIENT_HTTP_BOOT)
                p->slot = http_slot(p->slot);
        /* Secure Boot: the signed chain instead of (unsigned) iPXE.  PXE
         * only: over UEFI HTTP Boot, Debian's signed GRUB (no http module)
         * could not read its configuration.  An explicit boot_file wins. */
        if (!file && m && m->secure_boot && p->client == BOOT_CLIENT_PXE &&
            p->slot == BOOT_ARCH_EFI_X64) {
                file = BOOT_SECURE_BOOT_FILE_X64;
                p->secure_boot = true;
        }
        if (!file) {
                file = slot_file(ctx, p->slot);
                if (file && strcmp(file, BOOT_SNPONLY_FILE) == 0) {
                        if (ctx->snponly_fallback || (m && m->snponly_fallback_at)) {
                                file = BOOT_SNPONLY_FALLBACK;
                                p->fallback = true;
                        } else {
                                p->snponly = true;
                        }
                }
        }
        if (!file && p->unknown_arch)
                file = slot_file(ctx, BOOT_ARCH_DEFAULT);
        if (!file)
                return;
        if (p->client == BOOT_CLIENT_HTTP_BOOT) {
                /* UEFI HTTP Boot wants the URL and 60 echoed (UEFI 2.5 §24.7). */
                set_url(p, ctx->ep, file);
                p->vendor_echo = "HTTPClient";
                return;
        }
        p->file = file;
        p->file_len = strlen(file);
        p->kind = strstr(file, "://") ? BOOT_DHCP_URL : BOOT_DHCP_TFTP;
        if (f->vendor == BOOT_VENDOR_PXE)
                p->vendor_echo = "PXEClient";
        /* Option 43 {6: 8} "boot the file, skip discovery".  Authoritative:
         * always (OVMF skips the download without it, pxe-facts pitfall 3).
         * Proxy on 67: BIOS only; UEFI firmware ignores such offers, so it
         * gets none and asks again on 4011 (Pixiecore's finding). */
        if (f->vendor == BOOT_VENDOR_PXE)
                p->pxe_discovery_control =
                    ctx->authoritative || ctx->boot_server || p->slot == BOOT_ARCH_BIOS;
}

void boot_plan_dhcp(const struct boot_dhcp_facts *f, const struct machine *m,
                    const struct boot_dhcp_ctx *ctx, struct boot_dhcp_plan *ret)
{
        struct boot_dhcp_plan *p = ret;
        memset(p, 0, sizeof(*p));
        p->client = classify(f);
        p->slot = f->has_arch ? boot_arch_slot_of(f->arch) : BOOT_ARCH_DEFAULT;
        p->unknown_arch = f->has_arch && p->slot == BOOT_ARCH_DEFAULT;
        if (m && !m->netboot) {
                p->netboot_off = true;
                return;
        }
        switch (p->client) {
        case BOOT_CLIENT_PLAIN:
                return;
        case BOOT_CLIENT_IPXE:
                /* Running iPXE gets its script over HTTP: never a binary
                 * again, so it cannot chain-load itself in a loop. */
                set_url(p, ctx->ep, "boot.ipxe");
                /* Echoing PXEClient spares iPXE its ~3 s ProxyDHCP wait
                 * (pitfall 2) and is required for a proxy offer to count. */
                if (f->vendor == BOOT_VENDOR_PXE)
                        p->vendor_echo = "PXEClient";
                p->ipxe_no_pxedhcp = ctx->authoritative;
                return;
        case BOOT_CLIENT_PXE:
        case BOOT_CLIENT_HTTP_BOOT:
                plan_first_stage(f, m, ctx, p);
                return;
        }
}
