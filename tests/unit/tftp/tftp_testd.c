/* tftp-testd: the TFTP server alone, for integration tests and benchmarks
 * until (and besides) `bootherd serve`.  Loads a bootherd config file,
 * opens its store, runs tftp_server on an event loop and flushes boot
 * events to the store, as the daemon does.  SIGTERM/SIGINT stop it.
 *
 *   tftp-testd CONFIG */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/boot_events.h"
#include "core/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "store/store.h"
#include "tftp/tftp_server.h"

struct ctx {
        struct boot_events *ev;
        struct store *store;
        int64_t retention;
};

static void on_signal(struct loop *l, int signo, void *data)
{
        loop_stop(l);
}

static void on_events(struct loop *l, int fd, uint32_t events, void *data)
{
        struct ctx *x = data;
        uint64_t v;
        ssize_t n = read(fd, &v, sizeof(v));
        (void)n;
        int r = boot_events_flush(x->ev, x->store, x->retention);
        if (r < 0)
                log_warn("testd boot events flush failed: %s", strerror(-r));
}

static void missing(const char *name, const char *path)
{
        log_info("bootfiles %s=%s missing", name, path);
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: %s CONFIG\n", argv[0]);
                return 2;
        }
        struct config cfg;
        char err[CONFIG_ERR_MAX];
        if (config_init(&cfg) < 0 || config_load(&cfg, argv[1], err) < 0) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        log_set_level(cfg.log_level);
        bootfiles_resolve(&cfg.bootfiles, missing);
        char *db = config_database_path(&cfg);
        struct ctx x = {.retention = cfg.boot_event_retention};
        struct loop *l = NULL;
        struct tftp_server *srv = NULL;
        int r = db ? store_open(db, &x.store) : -ENOMEM;
        free(db);
        if (r < 0) {
                fprintf(stderr, "store: %s\n", strerror(-r));
                return 1;
        }
        if (boot_events_new(4096, &x.ev) < 0 || loop_new(&l) < 0)
                return 1;
        loop_add_signal(l, SIGTERM, on_signal, NULL);
        loop_add_signal(l, SIGINT, on_signal, NULL);
        loop_add_fd(l, boot_events_fd(x.ev), EPOLLIN, on_events, &x);
        r = tftp_server_start(l, &cfg, x.store, x.ev, &srv);
        if (r < 0)
                return 1;
        fprintf(stderr, "testd ready\n");
        loop_run(l);
        tftp_server_stop(srv);
        boot_events_flush(x.ev, x.store, x.retention);
        boot_events_free(x.ev);
        loop_free(l);
        store_close(x.store);
        config_done(&cfg);
        return 0;
}
