/* Boot URLs, built once per local address; see boot_endpoints.h. */
#include "boot/boot_endpoints.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"

struct boot_endpoints_table {
        struct boot_endpoints_conf conf; /* public_url: our copy */
        struct boot_endpoints *shared;   /* public_url set: the only entry */
        struct boot_endpoints *e[BOOT_ENDPOINTS_MAX];
        size_t n;
};

/* "scheme://A.B.C.D" plus ":port" unless it is the scheme's default. */
static char *base_url(const char *scheme, uint32_t ip, uint16_t port, uint16_t default_port)
{
        char addr[16], *s = NULL;
        format_ipv4(ip, addr);
        int n = port == default_port ? asprintf(&s, "%s://%s", scheme, addr)
                                     : asprintf(&s, "%s://%s:%u", scheme, addr, port);
        return n < 0 ? NULL : s;
}

static char *concat(const char *a, const char *b)
{
        char *s = NULL;
        return asprintf(&s, "%s%s", a, b) < 0 ? NULL : s;
}

int boot_endpoints_new(const struct boot_endpoints_conf *c, uint32_t local,
                       struct boot_endpoints **ret)
{
        struct boot_endpoints *e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        bool pub = c->public_url && *c->public_url;
        uint32_t ip = local ? local : 0x7f000001; /* unknown: loopback, as before */
        e->local = pub ? 0 : local;
        e->http = pub ? strdup(c->public_url) : base_url("http", ip, c->http_port, 80);
        bool ok = e->http != NULL;
        if (ok && c->https_port) {
                e->https = pub ? strdup(c->public_url) : base_url("https", ip, c->https_port, 443);
                ok = e->https != NULL;
        }
        if (ok && c->tftp_port) {
                /* TFTP has no proxy in front: always this address. */
                e->tftp = base_url("tftp", ip, c->tftp_port, 69);
                ok = e->tftp && (e->tftp_images = concat(e->tftp, "/images"));
        }
        if (ok)
                ok = (e->http_images = concat(e->http, "/images")) != NULL;
        if (!ok) {
                boot_endpoints_free(e);
                return -ENOMEM;
        }
        e->http_len = strlen(e->http);
        *ret = e;
        return 0;
}

void boot_endpoints_free(struct boot_endpoints *e)
{
        if (!e)
                return;
        free(e->http);
        free(e->https);
        free(e->tftp);
        free(e->http_images);
        free(e->tftp_images);
        free(e);
}

int boot_endpoints_table_new(const struct boot_endpoints_conf *c, struct boot_endpoints_table **ret)
{
        struct boot_endpoints_table *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->conf = *c;
        t->conf.public_url = strdup(c->public_url ? c->public_url : "");
        int r = t->conf.public_url ? 0 : -ENOMEM;
        if (r == 0 && *t->conf.public_url) {
                r = boot_endpoints_new(&t->conf, 0, &t->shared);
                if (r == 0)
                        t->shared->stable = true;
        }
        if (r < 0) {
                boot_endpoints_table_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

void boot_endpoints_table_free(struct boot_endpoints_table *t)
{
        if (!t)
                return;
        boot_endpoints_free(t->shared);
        for (size_t i = 0; i < t->n; i++)
                boot_endpoints_free(t->e[i]);
        free((char *)t->conf.public_url);
        free(t);
}

const struct boot_endpoints *boot_endpoints_get(struct boot_endpoints_table *t, uint32_t local,
                                                struct boot_endpoints **tmp)
{
        *tmp = NULL;
        if (t->shared)
                return t->shared;
        for (size_t i = 0; i < t->n; i++)
                if (t->e[i]->local == local)
                        return t->e[i];
        struct boot_endpoints *e;
        if (boot_endpoints_new(&t->conf, local, &e) < 0)
                return NULL;
        if (t->n == BOOT_ENDPOINTS_MAX) {
                /* Never evict: a cached script may name an entry by identity. */
                *tmp = e;
                return e;
        }
        e->stable = true;
        t->e[t->n++] = e;
        return e;
}
