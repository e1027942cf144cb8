/* MAC addresses: parse every common spelling, print one canonical form.
 *
 * The canonical form is what iPXE's ${net0/mac} expands to: lowercase hex,
 * colon-separated ("52:54:00:ab:cd:01").  It is the inventory's key. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAC_LEN     6
#define MAC_STR_LEN 18 /* "xx:xx:xx:xx:xx:xx" + NUL */

struct mac {
        uint8_t b[MAC_LEN];
};

/* Parses `len` bytes of `s` (need not be NUL-terminated).  Accepted:
 *   52:54:00:ab:cd:01   52-54-00-ab-cd-01   525400abcd01   5254.00ab.cd01
 * in either case, with single-digit groups allowed only in the colon form
 * ("52:54:0:ab:cd:1", as some tools print).  Anything else is -EINVAL and
 * *ret is untouched. */
int mac_parse(const char *s, size_t len, struct mac *ret);

/* Convenience for NUL-terminated strings. */
int mac_parse_str(const char *s, struct mac *ret);

/* Canonical "52:54:00:ab:cd:01". */
void mac_format(const struct mac *m, char out[MAC_STR_LEN]);
/* "52-54-00-ab-cd-01", the form pxelinux.cfg/01-... and ${mac:hexhyp} use. */
void mac_format_hyphen(const struct mac *m, char out[MAC_STR_LEN]);

bool mac_equal(const struct mac *a, const struct mac *b);

/* Whether m can be a machine's address: NULL when it can, else why not
 * ("the broadcast address ...", "all-zero ...", "a multicast address ...":
 * bit 0 of the first octet set, which broadcast also is).  A network card
 * never has such an address; a frame or request claiming one is forged. */
const char *mac_machine_problem(const struct mac *m);
static inline bool mac_is_machine(const struct mac *m)
{
        return mac_machine_problem(m) == NULL;
}

/* 0-15 for a hex digit of either case, -1 otherwise. */
int hex_digit_value(char c);
