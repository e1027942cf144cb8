/* libFuzzer target: ipxe_template_render() with a random template and
 * random variable values.
 *
 * Input: TEMPLATE \0 MAC \0 MAC_HYPHEN \0 HOSTNAME \0 IP \0 IMAGE \0 SERVER
 * \0 IMAGES_URL (missing values are "").
 *
 * Properties: the output never holds a newline that was not in the
 * template, and every byte that came from a value is in the safe set or
 * part of a %XX escape: the output equals an independent reference
 * rendering.  An unknown {{name}} or an unterminated "{{" is an error, and
 * ipxe_template_check() agrees with the renderer.  The fixed scripts keep
 * their line count whatever the values. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/ipxe_script.h"

#define N_VARS 7

static const char *const names[N_VARS] = {"mac",   "mac_hyphen", "hostname",  "ip",
                                          "image", "server",     "images_url"};

static bool ref_safe(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '~' || c == ':' || c == '/' || c == '@' || c == '+' ||
               c == '=' || c == ',' || c == '-';
}

static void ref_escape(struct strbuf *out, const char *v)
{
        static const char hex[] = "0123456789ABCDEF";
        for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
                if (ref_safe(*p)) {
                        strbuf_append(out, (const char *)p, 1);
                } else {
                        char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
                        strbuf_append(out, e, 3);
                }
        }
}

/* Reference: "{{", optional spaces, a known name, optional spaces, "}}". */
static int ref_render(const char *t, const char *const vals[N_VARS], struct strbuf *out)
{
        for (;;) {
                const char *open = strstr(t, "{{");
                if (!open) {
                        strbuf_puts(out, t);
                        return 0;
                }
                strbuf_append(out, t, (size_t)(open - t));
                const char *close = strstr(open + 2, "}}");
                if (!close)
                        return -1;
                const char *a = open + 2, *b = close;
                while (a < b && *a == ' ')
                        a++;
                while (b > a && b[-1] == ' ')
                        b--;
                int found = -1;
                for (int i = 0; i < N_VARS; i++)
                        if (strlen(names[i]) == (size_t)(b - a) && memcmp(names[i], a, b - a) == 0)
                                found = i;
                if (found < 0)
                        return -1;
                ref_escape(out, vals[found]);
                t = close + 2;
        }
}

static size_t count_nl(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                n += *s == '\n';
        return n;
}

static void check_fixed_scripts(const struct script_vars *v)
{
        struct strbuf b;
        strbuf_init(&b);
        ipxe_script_wait(v, 30, &b);
        assert(!b.oom && count_nl(b.s) == 7 && !strchr(b.s, '$') && !strchr(b.s, '\r'));
        strbuf_free(&b);
        ipxe_script_exit(v, &b);
        assert(!b.oom && count_nl(b.s) == 3 && !strchr(b.s, '$'));
        strbuf_free(&b);
        ipxe_script_chain(v->server, &b);
        /* The only '$' is the script's own ${net0/mac}. */
        assert(!b.oom && count_nl(b.s) == 3 && strchr(b.s, '$') == strrchr(b.s, '$'));
        strbuf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 16)
                return 0;
        char *buf = malloc(size + N_VARS + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        memset(buf + size, 0, N_VARS + 1);
        /* Split on NUL: template, then the values in struct order. */
        const char *parts[1 + N_VARS];
        const char *p = buf;
        for (int i = 0; i < 1 + N_VARS; i++) {
                parts[i] = p;
                if (p < buf + size)
                        p += strlen(p) + 1;
        }
        const char *tmpl = parts[0];
        const char *const *vals = parts + 1;
        struct script_vars v = {.mac = vals[0],
                                .mac_hyphen = vals[1],
                                .hostname = vals[2],
                                .ip = vals[3],
                                .image = vals[4],
                                .server = vals[5],
                                .images_url = vals[6]};

        struct strbuf out, ref;
        strbuf_init(&out);
        strbuf_init(&ref);
        char err[SCRIPT_ERR_MAX];
        memset(err, 0, sizeof(err));
        int rc = ipxe_template_render(tmpl, &v, &out, err);
        int ref_rc = ref_render(tmpl, vals, &ref);
        assert((rc == 0) == (ref_rc == 0));
        char err2[SCRIPT_ERR_MAX];
        assert(ipxe_template_check(tmpl, err2) == (rc == 0));
        if (rc == 0) {
                const char *o = out.s ? out.s : "";
                const char *r = ref.s ? ref.s : "";
                assert(count_nl(o) == count_nl(tmpl));
                assert(strcmp(o, r) == 0);
        } else {
                assert(rc == -EINVAL);
                assert(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
        }
        strbuf_free(&out);
        strbuf_free(&ref);
        check_fixed_scripts(&v);
        free(buf);
        return 0;
}
