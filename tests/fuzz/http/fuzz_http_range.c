/* libFuzzer target: http_range_parse() on an arbitrary Range value.
 *
 * Input: 8 bytes of resource size (little endian), then the header value.
 * Properties: a satisfiable range lies inside the resource and is not
 * empty; outputs are written only for one; a value with a ',' (several
 * ranges) is never honoured. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 8)
                return 0;
        uint64_t res = 0;
        for (int i = 7; i >= 0; i--)
                res = res << 8 | data[i];
        /* Small sizes are the interesting ones most of the time. */
        if (data[0] & 1)
                res %= 4096;
        size_t n = size - 8;
        char *v = malloc(n + 1);
        if (!v)
                return 0;
        memcpy(v, data + 8, n);
        v[n] = '\0';
        uint64_t first = 0x1111, len = 0x2222;
        enum http_range_result r = http_range_parse(v, res, &first, &len);
        switch (r) {
        case HTTP_RANGE_OK:
                assert(res > 0);
                assert(len > 0);
                assert(first < res);
                assert(len <= res - first);
                assert(strchr(v, ',') == NULL);
                break;
        case HTTP_RANGE_NONE:
        case HTTP_RANGE_UNSATISFIABLE:
                assert(first == 0x1111 && len == 0x2222);
                break;
        default:
                assert(!"unknown result");
        }
        free(v);
        return 0;
}
