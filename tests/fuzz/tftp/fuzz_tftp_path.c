/* libFuzzer target: TFTP file-name normalisation and classification, the
 * last check between a client's name and the file system.
 *
 * Properties on any bytes:
 *   - never reads outside the input or writes past the output's capacity,
 *     whatever capacity the caller gives (the first byte picks one);
 *   - an accepted name has no ".." or "." component, no empty component,
 *     no leading '/', no '\', no control character, and fits the cap;
 *   - normalising is idempotent: the output normalises to itself;
 *   - classification is total and what it reports points into the name. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tftp/tftp_path.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        __builtin_trap();                                                          \
        } while (0)

static void check_components(const char *s, size_t n)
{
        CHECK(n > 0 && s[0] != '/' && s[n - 1] != '/');
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
                if (i < n && s[i] != '/') {
                        unsigned char c = (unsigned char)s[i];
                        CHECK(c >= 0x20 && c != 0x7f && c != '\\');
                        continue;
                }
                size_t len = i - start;
                CHECK(len > 0);
                CHECK(!(len == 1 && s[start] == '.'));
                CHECK(!(len == 2 && s[start] == '.' && s[start + 1] == '.'));
                start = i + 1;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* The first byte chooses the output capacity (1..255, or for 0 the full
         * TFTP_PATH_MAX + 1), so short buffers are exercised too. */
        size_t cap = TFTP_PATH_MAX + 1;
        if (size > 0) {
                if (data[0] != 0)
                        cap = data[0];
                data++;
                size--;
        }
        char out[TFTP_PATH_MAX + 1 + 16];
        memset(out, 0x5a, sizeof(out));
        int n = tftp_path_normalize((const char *)data, size, out, cap);
        for (size_t i = cap; i < sizeof(out); i++)
                CHECK(out[i] == 0x5a); /* nothing written past cap */
        if (n < 0) {
                CHECK(n == -ENOENT || n == -EACCES || n == -ENAMETOOLONG);
                return 0;
        }
        CHECK((size_t)n < cap && (size_t)n <= TFTP_PATH_MAX && out[n] == '\0');
        CHECK(strlen(out) == (size_t)n);
        check_components(out, (size_t)n);

        char again[TFTP_PATH_MAX + 1];
        CHECK(tftp_path_normalize(out, (size_t)n, again, sizeof(again)) == n);
        CHECK(memcmp(out, again, (size_t)n + 1) == 0);

        struct tftp_path_class c;
        tftp_path_classify(out, &c);
        switch (c.kind) {
        case TFTP_PATH_IMAGES:
                CHECK(c.rest > out && c.rest < out + n && *c.rest != '\0');
                break;
        case TFTP_PATH_FILE:
        case TFTP_PATH_PXELINUX_MAC:
        case TFTP_PATH_BOOT_IPXE:
        case TFTP_PATH_MAC_IPXE:
                break;
        default:
                CHECK(0);
        }
        return 0;
}
