/* bootherd serve: the daemon.  Opens the store, starts the protocol
 * servers and the boot-event writer, and runs the main loop. */
#include <errno.h>
#include <linux/capability.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot/boot_event_writer.h"
#include "boot/boot_events.h"
#include "cli/cli.h"
#include "core/confine.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/privdrop.h"
#include "dhcp/dhcp_server.h"
#include "http/http_server.h"
#include "ra/ra_server.h"
#include "tftp/tftp_server.h"

#define EVENT_QUEUE_CAP 65536

struct daemon {
        struct cli *cli;
        struct loop *loop;
        struct store *store;
        struct store_checkpointer *ckpt;
        struct boot_events *events;
        struct boot_event_writer *writer;
        struct http_server *http;
        struct dhcp_server *dhcp;
        struct tftp_server *tftp;
        struct ra_server *ra;
        const char *why; /* why it cannot start, when not an errno */
};

static void on_stop_signal(struct loop *l, int signo, void *data)
{
        log_info("serve: %s received, shutting down", strsignal(signo));
        loop_stop(l);
}

static void missing_bootfile(const char *name, const char *path)
{
        log_warn("serve: boot file %s: %s not found; clients needing it will fail", name, path);
}

/* Every socket is open and no thread runs yet: stop being root (to
 * `user`, privdrop_choose()); keep CAP_NET_ADMIN only for DHCP's ARP
 * entries (dhcp_iface.c), as packaging/bootherd.service does. */
static int drop_privileges(const struct config *cfg, const char *user, bool dhcp)
{
        if (!user)
                return 0;
        char *db = config_database_path(cfg);
        char *wal = NULL, *shm = NULL;
        if (!db || asprintf(&wal, "%s-wal", db) < 0 || asprintf(&shm, "%s-shm", db) < 0) {
                free(db);
                return -ENOMEM;
        }
        const char *const paths[] = {cfg->state_dir, db, wal, shm, NULL};
        int r = privdrop(user, paths, dhcp ? UINT64_C(1) << CAP_NET_ADMIN : 0);
        if (r < 0)
                log_error("serve: cannot switch to user %s: %s", user, strerror(-r));
        else
                log_info("serve: running as user %s", user);
        free(db);
        free(wal);
        free(shm);
        return r;
}

/* Where the RA server advertises without an [ra] interfaces list: the
 * interfaces DHCP serves. */
static void ra_fallback(const struct dhcp_config *dc, const char *names[DHCP_IFACES_MAX],
                        struct ra_fallback *ret)
{
        for (size_t i = 0; i < dc->n_interfaces; i++)
                names[i] = dc->interfaces[i];
        *ret = (struct ra_fallback){.names = names,
                                    .n = dc->n_interfaces,
                                    .dhcp_on = dc->mode != DHCP_MODE_OFF,
                                    .dhcp_server = dc->mode == DHCP_MODE_SERVER};
}

/* The protocol servers, HTTP first: its bound ports are part of the boot
 * URLs the others hand out (boot/boot_endpoints.h).  They bind their
 * sockets here; none starts a thread (HTTP's start in http_server_run()). */
static int servers_start(struct daemon *d)
{
        struct cli *c = d->cli;
        const struct config *cfg = &c->cfg;
        int r = http_server_start(cfg, &c->http, d->events, &d->http);
        if (r < 0)
                return r;
        struct boot_endpoints_conf ep = {
            .public_url = cfg->public_url,
            .http_port = d->http              ? http_server_port(d->http)
                         : c->http.listen.set ? config_listen_port(&c->http.listen)
                                              : 80,
            .https_port = c->http.tls_listen.set ? config_listen_port(&c->http.tls_listen) : 0,
        };
        if ((r = dhcp_server_start(d->loop, &c->dhcp, &ep, d->store, d->events, &d->dhcp)) < 0)
                return r;
        if ((r = tftp_server_start(d->loop, cfg, &c->tftp, &ep, d->store, d->events, &d->tftp)) < 0)
                return r;
        const char *names[DHCP_IFACES_MAX];
        struct ra_fallback fb;
        ra_fallback(&c->dhcp, names, &fb);
        return ra_server_start(d->loop, &c->ra, &fb, &d->ra);
}

/* A daemon connection (the loop's, the boot-event writer's): its own
 * writes are not audited, and recording boot events applies the discovery
 * limits. */
static void daemon_connection(struct store *s, const struct config *cfg)
{
        store_set_actor(s, NULL);
        store_set_discovery(s, &(struct store_discovery){
                                   .max = cfg->boot_discovered_max,
                                   .per_address_burst = cfg->boot_discovered_burst,
                                   .per_address_per_min = cfg->boot_discovered_per_min,
                                   .expire_s = cfg->boot_discovered_expire_s,
                               });
}

/* The boot-event writer, on a connection of its own. */
static int events_start(struct daemon *d, const char *db)
{
        const struct config *cfg = &d->cli->cfg;
        struct store *s;
        int r = store_open(db, &s);
        if (r < 0) {
                log_error("serve: cannot open a connection for the boot-event writer: %s",
                          strerror(-r));
                return r;
        }
        daemon_connection(s, cfg);
        return boot_event_writer_start(d->events, s, cfg->boot_event_retention, &d->writer);
}

/* Order: open and bind everything (privileged), drop privileges, confine
 * (Landlock, seccomp), then start the threads and serve.  No thread exists
 * before the drop, so every thread inherits the unprivileged credentials,
 * NO_NEW_PRIVS and the confinement, and no request is ever served as root. */
static int daemon_start(struct daemon *d)
{
        struct config *cfg = &d->cli->cfg;
        int r;
        const char *user;
        if ((r = privdrop_no_new_privs()) < 0)
                return r;
        if ((r = privdrop_choose(cfg->user, &user, &d->why)) < 0)
                return r;
        bootfiles_resolve(&cfg->bootfiles, missing_bootfile);
        store_set_origin(cfg->server_name); /* before any thread records */
        store_set_audit_retention(cfg->auth_audit_retention);
        d->store = cli_store(d->cli);
        if (!d->store)
                return -EIO;
        daemon_connection(d->store, cfg);
        if (!*cfg->store_url && chmod(cfg->state_dir, 0700) < 0)
                log_warn("serve: cannot make %s private (0700): %s", cfg->state_dir,
                         strerror(errno));
        if (!*cfg->images_root) {
                /* The default images root lives in the state directory;
                 * world-readable, as what it serves is. */
                char *images = config_images_root(cfg);
                if (images && mkdir(images, 0755) < 0 && errno != EEXIST)
                        log_warn("serve: cannot create %s: %s", images, strerror(errno));
                free(images);
        }
        if ((r = loop_new(&d->loop)) < 0 || (r = boot_events_new(EVENT_QUEUE_CAP, &d->events)) < 0)
                return r;
        if ((r = loop_add_signal(d->loop, SIGINT, on_stop_signal, d)) < 0 ||
            (r = loop_add_signal(d->loop, SIGTERM, on_stop_signal, d)) < 0)
                return r;
        signal(SIGPIPE, SIG_IGN);
        /* Confined last: it holds for every thread started after it. */
        const char *const tftp_root[] = {d->cli->tftp.root};
        if ((r = servers_start(d)) < 0 ||
            (r = drop_privileges(cfg, user, d->cli->dhcp.mode != DHCP_MODE_OFF)) < 0 ||
            (r = confine_apply(cfg, tftp_root, 1)) < 0)
                return r;
        char *db = config_database_path(cfg);
        r = db ? store_checkpointer_start(d->store, db, &d->ckpt) : -ENOMEM;
        if (r >= 0)
                r = events_start(d, db);
        free(db);
        if (r < 0)
                return r;
        return http_server_run(d->http);
}

static void daemon_stop(struct daemon *d)
{
        ra_server_stop(d->ra);
        tftp_server_stop(d->tftp);
        http_server_stop(d->http);
        dhcp_server_stop(d->dhcp);
        boot_event_writer_stop(d->writer);
        if (d->events && d->store) /* what the servers reported last */
                (void)boot_events_flush(d->events, d->store, d->cli->cfg.boot_event_retention);
        boot_events_free(d->events);
        store_checkpointer_stop(d->ckpt);
        loop_free(d->loop);
}

int cli_serve(struct cli *c, int argc, char **argv)
{
        if (argc > 1)
                return cli_usage("serve takes no arguments (use bootherd --config FILE serve)");
        struct daemon d = {.cli = c};
        int r = daemon_start(&d);
        if (r < 0) {
                daemon_stop(&d);
                if (d.why)
                        return cli_fail("cannot start: %s", d.why);
                if (!d.store) /* store_open() said why, in one line */
                        return CLI_ERR;
                return cli_fail("cannot start: %s", strerror(-r));
        }
        log_info("serve: bootherd %s ready (state %s)", BOOTHERD_VERSION, c->cfg.state_dir);
        r = loop_run(d.loop);
        daemon_stop(&d);
        if (r < 0)
                return cli_fail("event loop failed: %s", strerror(-r));
        return CLI_OK;
}
