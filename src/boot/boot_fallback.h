/* The snponly.efi -> ipxe.efi fallback, per MAC (see boot_plan.h).
 *
 * The DHCP loop asks boot_fallback_due() before deciding and tells
 * boot_fallback_note() what it decided: a first-stage snponly.efi starts a
 * clock (once; DISCOVER and REQUEST are one attempt); any iPXE DHCP contact
 * from that MAC stops it (snponly.efi worked).  When a PXE request comes
 * after the bound with the clock still running, the machine falls back:
 * ipxe.efi from then on, recorded on the machine in the store
 * (store_machine_set_fallback; kept until the admin changes its boot_file)
 * and remembered here for MACs without a machine row.
 *
 * Single-threaded (the DHCP loop).  The table is bounded: when half full it
 * is cleared, which at worst restarts a clock (never a wrong fallback). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_plan.h"
#include "core/mac.h"
#include "store/store.h"

struct boot_fallback;

/* bound_ms <= 0: never fall back.  s: where fallbacks are recorded (may be
 * NULL). */
int boot_fallback_new(int64_t bound_ms, struct store *s, struct boot_fallback **ret);
void boot_fallback_free(struct boot_fallback *fb);

/* True when this MAC is to get ipxe.efi instead of snponly.efi; the first
 * time, records the fallback (store + log). */
bool boot_fallback_due(struct boot_fallback *fb, const struct mac *mac, int64_t now_ms);

/* What was decided for this MAC at now_ms. */
void boot_fallback_note(struct boot_fallback *fb, const struct mac *mac,
                        const struct boot_dhcp_plan *p, int64_t now_ms);
