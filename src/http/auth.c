/* Authentication primitives; see auth.h. */
#include "http/auth.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "http/http_server.h"

int auth_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
        if (!header)
                return -ENOENT;
        size_t nl = strlen(name);
        const char *p = header;
        /* Cookie: a=1; b=2 (RFC 6265 §5.4): pairs separated by ';' and SP. */
        while (*p) {
                while (*p == ' ' || *p == ';')
                        p++;
                const char *end = strchr(p, ';');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
                        size_t vl = len - nl - 1;
                        while (vl && p[nl + 1 + vl - 1] == ' ')
                                vl--;
                        if (vl == 0) { /* "name=": a cleared cookie */
                                p += len;
                                continue;
                        }
                        if (vl + 1 > cap)
                                return -E2BIG;
                        memcpy(out, p + nl + 1, vl);
                        out[vl] = '\0';
                        return 0;
                }
                p += len;
        }
        return -ENOENT;
}

const char *auth_bearer(const char *authorization)
{
        if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
                return NULL;
        const char *t = authorization + 7;
        while (*t == ' ')
                t++;
        return *t ? t : NULL;
}

/* Compares the scheme://host[:port] prefix of url with origin. */
static bool same_origin(const char *url, const char *origin)
{
        const char *hs = strstr(url, "://");
        if (!hs)
                return false;
        const char *end = strchr(hs + 3, '/');
        size_t n = end ? (size_t)(end - url) : strlen(url);
        return strlen(origin) == n && strncasecmp(url, origin, n) == 0;
}

bool auth_origin_ok(const char *origin, const char *referer, const char *host, bool tls,
                    const char *public_url)
{
        char expect[300];
        /* Without an Origin header (older browsers on same-origin requests)
         * the Referer carries the same information; without either the
         * request did not come from a page of ours. */
        const char *claimed = origin;
        char from_referer[300];
        if (!claimed && referer) {
                const char *hs = strstr(referer, "://");
                const char *end = hs ? strchr(hs + 3, '/') : NULL;
                size_t n = end ? (size_t)(end - referer) : strlen(referer);
                if (n >= sizeof(from_referer))
                        return false;
                memcpy(from_referer, referer, n);
                from_referer[n] = '\0';
                claimed = from_referer;
        }
        if (!claimed || strcmp(claimed, "null") == 0)
                return false;
        if (public_url && *public_url && same_origin(public_url, claimed))
                return true;
        if (!host || !*host || strchr(host, '/'))
                return false;
        snprintf(expect, sizeof(expect), "%s://%s", tls ? "https" : "http", host);
        return strcasecmp(expect, claimed) == 0;
}

/* ---- login rate limiting ---- */

struct rl_slot {
        char key[96];
        double tokens, burst;
        int64_t last_ms;
};

struct auth {
        pthread_mutex_t lock;
        double burst, refill_s;
        struct rl_slot slots[AUTH_RL_SLOTS];
};

int auth_new(int64_t login_burst, int64_t login_refill_s, struct auth **ret)
{
        if (auth_init() < 0)
                return -EIO;
        struct auth *a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        pthread_mutex_init(&a->lock, NULL);
        a->burst = (double)login_burst;
        a->refill_s = (double)login_refill_s;
        *ret = a;
        return 0;
}

void auth_free(struct auth *a)
{
        if (!a)
                return;
        pthread_mutex_destroy(&a->lock);
        free(a);
}

/* The bucket's tokens at now_ms (refilled, capped at its burst). */
static double tokens_at(const struct auth *a, const struct rl_slot *s, int64_t now_ms)
{
        double t = s->tokens;
        if (now_ms > s->last_ms)
                t += (double)(now_ms - s->last_ms) / (a->refill_s * 1000.0);
        return t > s->burst ? s->burst : t;
}

static void refill(const struct auth *a, struct rl_slot *s, int64_t now_ms)
{
        s->tokens = tokens_at(a, s, now_ms);
        if (now_ms > s->last_ms)
                s->last_ms = now_ms;
}

/* Locked.  The slot for key, or NULL.  create: take an empty slot or, when
 * all are used, the one with the fullest bucket relative to its burst (it
 * holds the least information). */
static struct rl_slot *slot_find(struct auth *a, const char *key, double burst, int64_t now_ms,
                                 bool create)
{
        struct rl_slot *victim = NULL;
        double best = -1;
        for (size_t i = 0; i < AUTH_RL_SLOTS; i++) {
                struct rl_slot *s = &a->slots[i];
                if (s->key[0] && strcmp(s->key, key) == 0) {
                        refill(a, s, now_ms);
                        return s;
                }
                if (!create)
                        continue;
                double t = s->key[0] ? tokens_at(a, s, now_ms) / s->burst : 1e9;
                if (t > best) {
                        best = t;
                        victim = s;
                }
        }
        if (!victim)
                return NULL;
        snprintf(victim->key, sizeof(victim->key), "%s", key);
        victim->tokens = victim->burst = burst;
        victim->last_ms = now_ms;
        return victim;
}

static void keys(const char *ip, const char *user, char kip[96], char kpair[96], char kuser[96])
{
        snprintf(kip, 96, "a:%.40s", ip);
        snprintf(kpair, 96, "p:%.40s|%.50s", ip, user);
        snprintf(kuser, 96, "u:%.64s", user);
}

/* Seconds until s has a whole token. */
static long wait_s(const struct auth *a, const struct rl_slot *s)
{
        return s->tokens >= 1.0 ? 0 : (long)((1.0 - s->tokens) * a->refill_s) + 1;
}

long auth_login_begin(struct auth *a, const char *ip, const char *user, int64_t now_ms)
{
        char kip[96], kpair[96], kuser[96];
        keys(ip, user, kip, kpair, kuser);
        pthread_mutex_lock(&a->lock);
        struct rl_slot *sip = slot_find(a, kip, a->burst * AUTH_ADDR_BURST_FACTOR, now_ms, true);
        struct rl_slot *spair = slot_find(a, kpair, a->burst, now_ms, true);
        struct rl_slot *suser = slot_find(a, kuser, a->burst, now_ms, true);
        long wait = 0;
        if (!sip || !spair || !suser) {
                wait = 1; /* cannot happen with AUTH_RL_SLOTS >= 3 */
        } else {
                /* The user's bucket binds only addresses that have failed
                 * lately (their own bucket is not full): a guesser cannot
                 * lock the owner out from a clean address. */
                bool clean = sip->tokens >= sip->burst;
                long w1 = wait_s(a, sip), w2 = wait_s(a, spair), w3 = clean ? 0 : wait_s(a, suser);
                wait = w1 > w2 ? w1 : w2;
                wait = wait > w3 ? wait : w3;
                if (wait == 0) {
                        /* Taken now, before the (slow) password check, so
                         * concurrent attempts cannot all pass this test. */
                        sip->tokens -= 1.0;
                        spair->tokens -= 1.0;
                        suser->tokens = suser->tokens >= 1.0 ? suser->tokens - 1.0 : 0.0;
                }
        }
        pthread_mutex_unlock(&a->lock);
        return wait;
}

void auth_login_end(struct auth *a, const char *ip, const char *user, bool ok, int64_t now_ms)
{
        if (!ok)
                return; /* the attempt stays taken */
        char kip[96], kpair[96], kuser[96];
        keys(ip, user, kip, kpair, kuser);
        pthread_mutex_lock(&a->lock);
        /* A correct password gives its attempt back, and clears the
         * (address, user) record: the owner's own typos are forgiven. */
        struct rl_slot *s = slot_find(a, kip, 0, now_ms, false);
        if (s && (s->tokens += 1.0) > s->burst)
                s->tokens = s->burst;
        if ((s = slot_find(a, kuser, 0, now_ms, false)) && (s->tokens += 1.0) > s->burst)
                s->tokens = s->burst;
        if ((s = slot_find(a, kpair, 0, now_ms, false)))
                s->key[0] = '\0';
        pthread_mutex_unlock(&a->lock);
}

void auth_log_setup_hint(struct http_ctx *ctx)
{
        struct store *s;
        int64_t n = 0;
        if (store_open(ctx->db_path, &s) < 0)
                return;
        if (store_user_count(s, &n) == 0 && n == 0)
                log_warn("auth: no users yet, so nobody can log in to the web UI or API; "
                         "create an administrator with: bootherd user add NAME "
                         "(reads the password from stdin)");
        store_close(s);
}
