/* libFuzzer target: the whole HTTP request and route layer, as a client on
 * the boot network reaches it.  Each input is written as raw bytes to a real
 * bootherd HTTP listener on 127.0.0.1 (libmicrohttpd, the route table, the
 * boot, image and API handlers, on a real SQLite store holding one image
 * and one machine), then the write side is closed and the answer read.
 *
 * Properties: no sanitizer report in any server thread; every answer that
 * arrives is an HTTP/1.x status line; no request makes the server answer
 * 500 (an internal error is a bug for any input); and the listener still
 * answers a plain GET afterwards.
 *
 * It runs the server's threads inside the fuzzer process, so coverage is
 * global; it is slower (thousands of inputs a second) than the codec
 * targets, which fuzz the parsers one at a time. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "boot/boot_events.h"
#include "cli/cli.h"
#include "http/http_server.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        __builtin_trap();                                                          \
        } while (0)

static struct cli cli;
static struct boot_events *events;
static struct store *store;
static uint16_t port;
static unsigned long inputs;

static void set(const char *section, const char *key, const char *value)
{
        char err[CONFIG_ERR_MAX];
        if (config_set(&cli.cfg, section, key, value, "fuzz", err) < 0) {
                fprintf(stderr, "fuzz_http_request: %s\n", err);
                abort();
        }
}

static void seed_inventory(void)
{
        char *db = config_database_path(&cli.cfg);
        CHECK(db && store_open(db, &store) == 0);
        free(db);
        char *initrds[] = {"alpha/initrd.img"};
        struct image img = {.name = "alpha",
                            .kernel = "alpha/vmlinuz",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .cmdline = "console=ttyS0 role={{hostname}}",
                            .description = "fuzz"};
        CHECK(store_image_put(store, &img, true) == 0);
        struct machine m = {.hostname = "node01", .image = "alpha", .netboot = true};
        CHECK(mac_parse_str("52:54:00:12:34:56", &m.mac) == 0);
        CHECK(store_machine_add(store, &m) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        static char dir[] = "/tmp/bootherd-fuzz-http.XXXXXX";
        CHECK(mkdtemp(dir));
        CHECK(cli_config_init(&cli) == 0);
        set("server", "state_dir", dir);
        set("server", "log_level", "error");
        set("http", "listen", "127.0.0.1:0");
        set("http", "threads", "1");
        log_set_level(cli.cfg.log_level);
        seed_inventory();
        CHECK(boot_events_new(4096, &events) == 0);
        struct http_server *srv;
        CHECK(http_server_start(&cli.cfg, &cli.http, events, &srv) == 0 && srv);
        CHECK(http_server_run(srv) == 0);
        port = http_server_port(srv);
        /* The server runs until the process ends; its state directory is
         * left in /tmp for a crash to be reproduced against. */
        return 0;
}

/* Sends data, closes the write side, reads the answer (at most cap - 1
 * bytes, 2 s).  Returns the bytes read. */
static size_t exchange(const uint8_t *data, size_t size, char *out, size_t cap)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHECK(fd >= 0);
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        struct timeval tv = {.tv_sec = 2};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        /* Thousands of connections a second for minutes (--long): the
         * server closes first, so its side of each one waits in TIME_WAIT
         * for a minute, and one source address's ~28,000 ephemeral ports
         * ran out after ~540,000 inputs.  Each connection comes from the
         * next of 250 loopback addresses (the server's per-address limits
         * count them apart, as they would real clients), closes with RST
         * (linger 0), and a connect that still finds the ports busy is
         * retried (bounded) rather than failing the input. */
        static unsigned next_src;
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + next_src++ % 250);
        int one = 1; /* the port is chosen at connect, knowing the peer */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
        CHECK(bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0);
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        int r = -1;
        for (int tries = 0; tries < 1000; tries++) {
                r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
                if (r == 0 || (errno != EADDRNOTAVAIL && errno != EAGAIN))
                        break;
                usleep(10000);
        }
        if (r != 0) /* the harness's failure, not the server's: say which */
                fprintf(stderr, "fuzz_http_request: connect: %s\n", strerror(errno));
        CHECK(r == 0);
        for (size_t off = 0; off < size;) {
                ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
                if (n <= 0)
                        break; /* the server may close early (413, 431, bad request) */
                off += (size_t)n;
        }
        shutdown(fd, SHUT_WR);
        size_t got = 0;
        while (got + 1 < cap) {
                ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        out[got] = '\0';
        close(fd);
        return got;
}

static void check_answer(const char *ans, size_t n)
{
        if (n == 0)
                return; /* closed without answering: allowed for garbage */
        CHECK(n >= 12 && memcmp(ans, "HTTP/1.", 7) == 0);
        CHECK(memcmp(ans + 9, "500", 3) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char ans[64 * 1024];
        check_answer(ans, exchange(data, size, ans, sizeof(ans)));
        /* Keep the event queue draining into the store, as the daemon's
         * loop does, so the recording path runs too. */
        if (++inputs % 256 == 0) {
                CHECK(boot_events_flush(events, store, 100000) >= 0);
                static const char ping[] = "GET /boot.ipxe HTTP/1.0\r\n\r\n";
                size_t n = exchange((const uint8_t *)ping, sizeof(ping) - 1, ans, sizeof(ans));
                CHECK(n >= 12 && memcmp(ans + 9, "200", 3) == 0);
        }
        return 0;
}
