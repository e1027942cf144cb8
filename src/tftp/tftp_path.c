/* TFTP file name normalisation and classification; see tftp_path.h. */
#include "tftp/tftp_path.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

int tftp_path_normalize(const char *name, size_t len, char *out, size_t cap)
{
        size_t max = cap - 1 < TFTP_PATH_MAX ? cap - 1 : TFTP_PATH_MAX;
        size_t o = 0, i = 0;
        while (i < len) {
                /* One component: up to the next separator ('/' or '\'). */
                size_t start = i;
                while (i < len && name[i] != '/' && name[i] != '\\')
                        i++;
                size_t n = i - start;
                if (i < len)
                        i++; /* the separator */
                if (n == 0 || (n == 1 && name[start] == '.'))
                        continue;
                if (n == 2 && name[start] == '.' && name[start + 1] == '.')
                        return -EACCES;
                for (size_t k = start; k < start + n; k++) {
                        unsigned char c = (unsigned char)name[k];
                        if (c < 0x20 || c == 0x7f)
                                return -EACCES;
                }
                if (o + (o ? 1 : 0) + n > max)
                        return -ENAMETOOLONG;
                if (o)
                        out[o++] = '/';
                memcpy(out + o, name + start, n);
                o += n;
        }
        if (o == 0)
                return -ENOENT;
        out[o] = 0;
        return (int)o;
}

static bool has_suffix(const char *s, size_t len, const char *suffix, size_t *ret_stem)
{
        size_t n = strlen(suffix);
        if (len <= n || strcmp(s + len - n, suffix) != 0)
                return false;
        *ret_stem = len - n;
        return true;
}

/* "52-54-00-ab-cd-01" exactly: pxelinux writes the hardware address in
 * lowercase hex with '-' (either case accepted). */
static bool parse_hyphen_mac(const char *s, size_t len, struct mac *ret)
{
        if (len != 17)
                return false;
        for (int i = 2; i < 17; i += 3)
                if (s[i] != '-')
                        return false;
        return mac_parse(s, 17, ret) == 0;
}

void tftp_path_classify(const char *norm, struct tftp_path_class *ret)
{
        struct tftp_path_class c = {.kind = TFTP_PATH_FILE};
        static const char pxe[] = "pxelinux.cfg/01-";
        static const char images[] = "images/";
        size_t len = strlen(norm), stem;
        const char *base = norm;

        if (len > sizeof(pxe) - 1 && memcmp(norm, pxe, sizeof(pxe) - 1) == 0 &&
            parse_hyphen_mac(norm + sizeof(pxe) - 1, len - (sizeof(pxe) - 1), &c.mac)) {
                c.kind = TFTP_PATH_PXELINUX_MAC;
        } else if (strcmp(norm, "boot.ipxe") == 0) {
                c.kind = TFTP_PATH_BOOT_IPXE;
        } else if (strncmp(norm, images, sizeof(images) - 1) == 0 && norm[sizeof(images) - 1]) {
                c.kind = TFTP_PATH_IMAGES;
                c.rest = norm + sizeof(images) - 1;
        } else {
                if (strncmp(norm, "boot/", 5) == 0) {
                        base = norm + 5;
                        len -= 5;
                }
                if (!strchr(base, '/') &&
                    (has_suffix(base, len, ".ipxe", &stem) ||
                     has_suffix(base, len, ".gpxe", &stem)) &&
                    mac_parse(base, stem, &c.mac) == 0)
                        c.kind = TFTP_PATH_MAC_IPXE;
        }
        *ret = c;
}
