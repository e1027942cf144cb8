/* libFuzzer target for the request headers the API gate parses before it
 * knows who is asking: Cookie (session id), Authorization (bearer token),
 * Origin/Referer/Host (CSRF check), and ?since= times.
 *
 * Input: up to five NUL-separated strings: cookie, authorization, origin,
 * referer, host; the cookie string doubles as a ?since= value. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "http/routes_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        char *buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = '\0';
        const char *part[5] = {NULL, NULL, NULL, NULL, NULL};
        char *p = buf;
        for (int i = 0; i < 5 && p <= buf + size; i++) {
                part[i] = p;
                p += strlen(p) + 1;
        }
        char out[AUTH_SECRET_HEX + 8];
        if (auth_cookie_get(part[0], AUTH_COOKIE, out, sizeof(out)) == 0 &&
            strlen(out) >= sizeof(out))
                abort();
        const char *tok = auth_bearer(part[1]);
        if (tok && (tok < part[1] || tok > part[1] + strlen(part[1])))
                abort();
        (void)auth_origin_ok(part[2], part[3], part[4], false, "");
        (void)auth_origin_ok(part[2], part[3], part[4], true, part[3]);
        int64_t ms;
        (void)api_parse_time(part[0], &ms);
        free(buf);
        return 0;
}
