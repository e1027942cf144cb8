/* Peer address -> MAC map; see peer_map.h. */
#include "http/peer_map.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define PEER_MAP_SLOTS 8192 /* power of two */
#define PEER_MAP_PROBE 8

struct peer_slot {
        uint32_t ip; /* 0 = empty */
        struct mac mac;
        int64_t time_ms;
};

struct peer_map {
        pthread_mutex_t lock;
        struct peer_slot slots[PEER_MAP_SLOTS];
};

int peer_map_new(struct peer_map **ret)
{
        struct peer_map *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        pthread_mutex_init(&m->lock, NULL);
        *ret = m;
        return 0;
}

void peer_map_free(struct peer_map *m)
{
        if (!m)
                return;
        pthread_mutex_destroy(&m->lock);
        free(m);
}

static size_t slot_of(uint32_t ip)
{
        return (size_t)((ip * 2654435761u) >> 19) & (PEER_MAP_SLOTS - 1);
}

void peer_map_set(struct peer_map *m, uint32_t ip, const struct mac *mac, int64_t now_ms)
{
        if (!ip)
                return;
        pthread_mutex_lock(&m->lock);
        size_t base = slot_of(ip), victim = base;
        for (size_t i = 0; i < PEER_MAP_PROBE; i++) {
                struct peer_slot *s = &m->slots[(base + i) & (PEER_MAP_SLOTS - 1)];
                if (s->ip == ip || s->ip == 0) {
                        victim = (base + i) & (PEER_MAP_SLOTS - 1);
                        break;
                }
                if (s->time_ms < m->slots[victim].time_ms)
                        victim = (base + i) & (PEER_MAP_SLOTS - 1);
        }
        m->slots[victim] = (struct peer_slot){.ip = ip, .mac = *mac, .time_ms = now_ms};
        pthread_mutex_unlock(&m->lock);
}

bool peer_map_get(struct peer_map *m, uint32_t ip, int64_t now_ms, int64_t max_age_ms,
                  struct mac *ret)
{
        bool found = false;
        pthread_mutex_lock(&m->lock);
        size_t base = slot_of(ip);
        for (size_t i = 0; i < PEER_MAP_PROBE; i++) {
                struct peer_slot *s = &m->slots[(base + i) & (PEER_MAP_SLOTS - 1)];
                if (s->ip == ip) {
                        if (now_ms - s->time_ms <= max_age_ms) {
                                *ret = s->mac;
                                found = true;
                        }
                        break;
                }
        }
        pthread_mutex_unlock(&m->lock);
        return found;
}
