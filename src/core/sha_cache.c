/* Per-file-version SHA-256 cache; see sha_cache.h. */
#include "core/sha_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct sha_entry {
        bool used;
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime;
        uint8_t sha[SHA_CACHE_LEN];
};

struct sha_cache {
        pthread_mutex_t lock;
        size_t mask;
        struct sha_entry *slots;
};

int sha_cache_new(size_t slots, struct sha_cache **ret)
{
        size_t n = 1;
        while (n < slots && n < ((size_t)1 << 24))
                n <<= 1;
        struct sha_cache *c = calloc(1, sizeof(*c));
        if (!c || !(c->slots = calloc(n, sizeof(*c->slots)))) {
                free(c);
                return -ENOMEM;
        }
        c->mask = n - 1;
        pthread_mutex_init(&c->lock, NULL);
        *ret = c;
        return 0;
}

void sha_cache_free(struct sha_cache *c)
{
        if (!c)
                return;
        pthread_mutex_destroy(&c->lock);
        free(c->slots);
        free(c);
}

static size_t slot_of(const struct sha_cache *c, const struct stat *st)
{
        uint64_t h = (uint64_t)st->st_ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)st->st_dev;
        return (size_t)(h ^ h >> 29) & c->mask;
}

static bool same_version(const struct sha_entry *e, const struct stat *st)
{
        return e->used && e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
               e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

bool sha_cache_get(struct sha_cache *c, const struct stat *st, uint8_t out[SHA_CACHE_LEN])
{
        pthread_mutex_lock(&c->lock);
        const struct sha_entry *e = &c->slots[slot_of(c, st)];
        bool hit = same_version(e, st);
        if (hit)
                memcpy(out, e->sha, SHA_CACHE_LEN);
        pthread_mutex_unlock(&c->lock);
        return hit;
}

void sha_cache_put(struct sha_cache *c, const struct stat *st, const uint8_t sha[SHA_CACHE_LEN])
{
        pthread_mutex_lock(&c->lock);
        struct sha_entry *e = &c->slots[slot_of(c, st)];
        *e = (struct sha_entry){.used = true,
                                .dev = st->st_dev,
                                .ino = st->st_ino,
                                .size = st->st_size,
                                .mtime = st->st_mtim};
        memcpy(e->sha, sha, SHA_CACHE_LEN);
        pthread_mutex_unlock(&c->lock);
}
