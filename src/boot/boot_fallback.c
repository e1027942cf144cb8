/* snponly.efi -> ipxe.efi fallback; see boot_fallback.h. */
#include "boot/boot_fallback.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define SLOTS 16384u /* power of two; cleared at half full */

struct slot {
        uint64_t key;      /* mac | 1 << 63; 0 = free */
        int64_t handed_ms; /* snponly.efi handed, no iPXE since; 0 = no clock */
        bool fell_back;
};

struct boot_fallback {
        int64_t bound_ms;
        struct store *s;
        struct slot *t;
        size_t n;
};

int boot_fallback_new(int64_t bound_ms, struct store *s, struct boot_fallback **ret)
{
        struct boot_fallback *fb = calloc(1, sizeof(*fb));
        if (!fb)
                return -ENOMEM;
        fb->t = calloc(SLOTS, sizeof(*fb->t));
        if (!fb->t) {
                free(fb);
                return -ENOMEM;
        }
        fb->bound_ms = bound_ms;
        fb->s = s;
        *ret = fb;
        return 0;
}

void boot_fallback_free(struct boot_fallback *fb)
{
        if (!fb)
                return;
        free(fb->t);
        free(fb);
}

static uint64_t key_of(const struct mac *mac)
{
        uint64_t k = 0;
        for (int i = 0; i < MAC_LEN; i++)
                k = k << 8 | mac->b[i];
        return k | 1ull << 63;
}

/* The MAC's slot; NULL when absent and !create. */
static struct slot *find(struct boot_fallback *fb, const struct mac *mac, bool create)
{
        uint64_t k = key_of(mac);
        size_t i = (size_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & (SLOTS - 1);
        while (fb->t[i].key && fb->t[i].key != k)
                i = (i + 1) & (SLOTS - 1);
        if (fb->t[i].key)
                return &fb->t[i];
        if (!create)
                return NULL;
        if (fb->n >= SLOTS / 2) {
                memset(fb->t, 0, SLOTS * sizeof(*fb->t));
                fb->n = 0;
                return find(fb, mac, true);
        }
        fb->t[i] = (struct slot){.key = k};
        fb->n++;
        return &fb->t[i];
}

bool boot_fallback_due(struct boot_fallback *fb, const struct mac *mac, int64_t now_ms)
{
        struct slot *sl = fb ? find(fb, mac, false) : NULL;
        if (!sl)
                return false;
        if (sl->fell_back)
                return true;
        if (fb->bound_ms <= 0 || !sl->handed_ms || now_ms - sl->handed_ms < fb->bound_ms)
                return false;
        sl->fell_back = true;
        char m[MAC_STR_LEN];
        mac_format(mac, m);
        log_info("boot %s: no iPXE %lld ms after " BOOT_SNPONLY_FILE
                 "; falling back to " BOOT_SNPONLY_FALLBACK,
                 m, (long long)(now_ms - sl->handed_ms));
        if (fb->s) {
                int r = store_machine_set_fallback(fb->s, mac, now_ms);
                if (r < 0 && r != -ENOENT)
                        log_warn("boot %s: recording the fallback: %s", m, store_errmsg(fb->s));
                store_idle(fb->s);
        }
        return true;
}

void boot_fallback_note(struct boot_fallback *fb, const struct mac *mac,
                        const struct boot_dhcp_plan *p, int64_t now_ms)
{
        if (!fb)
                return;
        if (p->client == BOOT_CLIENT_IPXE) {
                struct slot *sl = find(fb, mac, false);
                if (sl)
                        sl->handed_ms = 0; /* came back as iPXE */
                return;
        }
        if (p->kind == BOOT_DHCP_NONE || !p->snponly)
                return;
        struct slot *sl = find(fb, mac, true);
        if (!sl->handed_ms)
                sl->handed_ms = now_ms ? now_ms : 1;
}
