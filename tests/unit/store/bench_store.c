/* Micro-benchmark of the store's hot paths, through store.h only:
 *   leases   the DHCP loop's lease commit (store_lease_put_many: renewals
 *            of the same client in place, and new bindings)
 *   scripts  the per-MAC script read path (store_read_begin, generation,
 *            machine get, image get, store_read_end)
 *   events   the boot-event writer (store_record_events batches)
 * Each phase is its own function so that `valgrind --tool=callgrind
 * --toggle-collect='bench_*'` counts their instructions separately; run
 * plainly, it prints the wall-clock time per operation.
 *
 *   bench_store [DB-PATH-OR-URL] [SCALE]
 * Without a location it uses a fresh SQLite file in a temporary directory.
 * Not a test: nothing here asserts a timing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define MACHINES 200

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(struct store *s, const char *what)
{
        fprintf(stderr, "bench_store: %s: %s\n", what, s ? store_errmsg(s) : "");
        exit(1);
}

static struct mac mac_of(unsigned i)
{
        struct mac m = {.b = {0x52, 0x54, 0x00, 0x10, (uint8_t)(i >> 8), (uint8_t)i}};
        return m;
}

static void populate(struct store *s)
{
        char *initrds[] = {"demo/initrd.img", "demo/extra.cpio"};
        struct image img = {.name = "demo",
                            .kernel = "demo/vmlinuz",
                            .initrds = initrds,
                            .n_initrds = 2,
                            .cmdline = "console=ttyS0 quiet",
                            .description = "bench"};
        if (store_image_put(s, &img, true) < 0)
                die(s, "image");
        for (unsigned i = 0; i < MACHINES; i++) {
                char host[32];
                snprintf(host, sizeof(host), "node%u", i);
                struct machine m = {.mac = mac_of(i),
                                    .hostname = host,
                                    .image = "demo",
                                    .notes = "",
                                    .netboot = true};
                if (store_machine_add(s, &m) < 0)
                        die(s, "machine");
        }
}

/* One loop turn's commit of one lease: every other turn a renewal of an
 * existing binding (same MAC: update in place), else a new address. */
__attribute__((noinline)) void bench_leases(struct store *s, unsigned n);
__attribute__((noinline)) void bench_leases(struct store *s, unsigned n)
{
        int64_t t = store_now_ms();
        for (unsigned i = 0; i < n; i++) {
                unsigned k = (i & 1) ? i / 2 % MACHINES : i;
                struct lease l = {.ip = 0xC6120000u + k, .mac = mac_of(k), .state = LEASE_BOUND};
                l.client_id[0] = 1;
                memcpy(l.client_id + 1, l.mac.b, 6);
                l.client_id_len = 7;
                l.starts = t + i;
                l.ends = l.starts + 3600000;
                if (store_lease_put_many(s, &l, 1) < 0)
                        die(s, "lease");
        }
}

__attribute__((noinline)) void bench_scripts(struct store *s, unsigned n);
__attribute__((noinline)) void bench_scripts(struct store *s, unsigned n)
{
        for (unsigned i = 0; i < n; i++) {
                struct mac mac = mac_of(i % MACHINES);
                struct machine m;
                struct image img;
                int64_t gen;
                (void)store_read_begin(s);
                if (store_script_generation(s, &gen) < 0 || store_machine_get(s, &mac, &m) < 0)
                        die(s, "machine read");
                if (store_image_get(s, m.image, &img) < 0)
                        die(s, "image read");
                store_read_end(s);
                machine_done(&m);
                image_done(&img);
        }
}

/* Batches of 16 contacts (4 stages of 4 machines), as the event queue
 * flushes them under a boot load. */
__attribute__((noinline)) void bench_events(struct store *s, unsigned n);
__attribute__((noinline)) void bench_events(struct store *s, unsigned n)
{
        static const char *const stages[] = {"script", "kernel", "initrd", "initrd"};
        struct boot_event evs[16];
        int64_t t = store_now_ms();
        for (unsigned b = 0; b < n; b++) {
                for (unsigned j = 0; j < 16; j++) {
                        struct boot_event *e = &evs[j];
                        memset(e, 0, sizeof(*e));
                        e->time = t + b * 16 + j;
                        e->mac = mac_of((b * 4 + j / 4) % (MACHINES + 50));
                        snprintf(e->stage, sizeof(e->stage), "%s", stages[j % 4]);
                        snprintf(e->detail, sizeof(e->detail), "demo/file%u", j);
                        snprintf(e->peer, sizeof(e->peer), "198.18.0.%u", j + 10);
                }
                if (store_record_events(s, evs, 16, 5000) < 0)
                        die(s, "events");
        }
}

int main(int argc, char **argv)
{
        char dir[] = "/tmp/bench-store-XXXXXX", path[600];
        const char *where = argc > 1 && *argv[1] ? argv[1] : NULL;
        unsigned scale = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
        if (!where) {
                if (!mkdtemp(dir))
                        die(NULL, "mkdtemp");
                snprintf(path, sizeof(path), "%s/bench.db", dir);
                where = path;
        }
        struct store *s;
        if (store_open(where, &s) < 0)
                return 1;
        populate(s);
        unsigned nl = 2000 * scale, ns = 5000 * scale, ne = 300 * scale;
        double t0 = now_s();
        bench_leases(s, nl);
        double t1 = now_s();
        bench_scripts(s, ns);
        double t2 = now_s();
        bench_events(s, ne);
        double t3 = now_s();
        printf("leases  %6u commits   %8.1f us each\n", nl, (t1 - t0) * 1e6 / nl);
        printf("scripts %6u reads     %8.1f us each\n", ns, (t2 - t1) * 1e6 / ns);
        printf("events  %6u batches   %8.1f us each (16 events)\n", ne, (t3 - t2) * 1e6 / ne);
        store_close(s);
        if (where == path) {
                char cmd[700];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                if (system(cmd) != 0)
                        return 1;
        }
        return 0;
}
