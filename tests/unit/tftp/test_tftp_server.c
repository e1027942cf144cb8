/* Unit tests: the TFTP server in-process, over loopback UDP — file
 * resolution (boot-file map, root, images, dynamic files), confinement,
 * options, netascii, block wrap, the size probe, limits, retransmission and
 * giving up, boot-stage reporting.  The server runs its loop in a thread;
 * the test is a small TFTP client. */
#include <stdio.h>

#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "boot/boot_events.h"
#include "core/config.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "store/store_internal.h"
#include "tftp/tftp_server.c"

#define RECV_TIMEOUT_MS 3000

static struct {
        char *dir;
        struct config cfg;
        struct tftp_config tc;
        struct loop *loop;
        struct store *store;
        struct boot_events *ev;
        struct tftp_server *srv;
        pthread_t thread;
        atomic_bool stop;
        struct loop_timer stop_timer;
        uint8_t small[5000];
        uint8_t *big;
        size_t big_len;
} G;

/* ---- fixture ---- */

static void write_file(const char *rel, const void *data, size_t len)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", G.dir, rel);
        FILE *f = fopen(p, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        fclose(f);
}

static void path_of(const char *rel, char out[512])
{
        snprintf(out, 512, "%s/%s", G.dir, rel);
}

static void cfg_set(const char *sec, const char *key, const char *val)
{
        char err[CONFIG_ERR_MAX];
        assert_int_equal(config_set(&G.cfg, sec, key, val, "test", err), 0);
}

static void on_stop_timer(struct loop *l, void *data)
{
        if (atomic_load(&G.stop))
                loop_stop(l);
        else
                loop_timer_arm(l, &G.stop_timer, loop_now_ms(l) + 10);
}

static void *run_loop(void *arg)
{
        loop_run(G.loop);
        return NULL;
}

static void make_tree(void)
{
        char p[512], q[512];
        G.dir = tu_tmpdir();
        const char *dirs[] = {"root",    "root/sub", "root/pxelinux.cfg",
                              "outside", "images",   "images/k"};
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                path_of(dirs[i], p);
                assert_int_equal(mkdir(p, 0755), 0);
        }
        for (size_t i = 0; i < sizeof(G.small); i++)
                G.small[i] = (uint8_t)(i * 7 + (i >> 8));
        write_file("root/small.bin", G.small, sizeof(G.small));
        write_file("root/text.txt", "one\ntwo\r\nthree\rx", 16);
        write_file("root/pxelinux.cfg/default", "DEFAULT x\n", 10);
        write_file("outside/secret", "secret\n", 7);
        write_file("outside/ipxe-real.efi", G.small, 1000);
        write_file("images/k/linux", "KERNEL", 6);
        /* 75000 blocks of 8 bytes: the block number wraps. */
        G.big_len = 75000 * 8 - 5;
        G.big = malloc(G.big_len);
        assert_non_null(G.big);
        for (size_t i = 0; i < G.big_len; i++)
                G.big[i] = (uint8_t)(i ^ (i >> 11));
        write_file("root/big.bin", G.big, G.big_len);

        path_of("outside/secret", q);
        path_of("root/escape", p);
        assert_int_equal(symlink(q, p), 0);
        path_of("root/inner", p);
        assert_int_equal(symlink("small.bin", p), 0);
        path_of("root/fifo", p);
        assert_int_equal(mkfifo(p, 0644), 0);
        path_of("root/null", p);
        (void)mknod(p, S_IFCHR | 0666, makedev(1, 3)); /* root only; skipped otherwise */
        /* Debian's ipxe.efi is a symlink out of /usr/lib/ipxe. */
        path_of("outside/ipxe-real.efi", q);
        path_of("outside/ipxe.efi", p);
        assert_int_equal(symlink(q, p), 0);
}

static void make_inventory(void)
{
        char p[512];
        path_of("bootherd.db", p);
        assert_int_equal(store_open(p, &G.store), 0);
        char *initrds[] = {"k/initrd"};
        struct image img = {.name = "deb",
                            .kernel = "k/linux",
                            .initrds = initrds,
                            .n_initrds = 1,
                            .cmdline = "console=ttyS0",
                            .description = ""};
        assert_int_equal(store_image_put(G.store, &img, true), 0);
        struct machine m = {.image = "deb", .notes = "", .netboot = true};
        assert_int_equal(mac_parse_str("52:54:00:00:00:01", &m.mac), 0);
        assert_int_equal(store_machine_add(G.store, &m), 0);
        /* 127.0.0.1 holds a lease for 52:54:00:00:00:02. */
        assert_int_equal(store_exec(G.store,
                                    "INSERT INTO lease (ip, mac, subnet, state, starts, ends) "
                                    "VALUES (2130706433, '52:54:00:00:00:02', '127.0.0.0/8', "
                                    "'bound', 0, 9999999999999)"),
                         0);
}

static int setup(void **state)
{
        char p[512], q[512];
        make_tree();
        assert_int_equal(config_init(&G.cfg), 0);
        assert_int_equal(tftp_config_init(&G.tc), 0);
        assert_int_equal(config_register(&G.cfg, &G.tc.section), 0);
        cfg_set("tftp", "listen", "127.0.0.1:0");
        path_of("root", p);
        cfg_set("tftp", "root", p);
        cfg_set("server", "state_dir", G.dir);
        cfg_set("tftp", "max_per_client", "3");
        cfg_set("tftp", "max_transfers", "4");
        cfg_set("tftp", "timeout_ms", "200");
        cfg_set("tftp", "retries", "2");
        path_of("outside/ipxe.efi", q);
        assert_int_equal(bootfiles_set(&G.cfg.bootfiles, "ipxe.efi", q), 0);
        bootfiles_resolve(&G.cfg.bootfiles, NULL);
        make_inventory();
        assert_int_equal(boot_events_new(64, &G.ev), 0);
        assert_int_equal(loop_new(&G.loop), 0);
        /* The HTTP listener's port is part of the boot URLs. */
        struct boot_endpoints_conf ep = {.http_port = 8080};
        assert_int_equal(tftp_server_start(G.loop, &G.cfg, &G.tc, &ep, G.store, G.ev, &G.srv), 0);
        assert_non_null(G.srv);
        assert_true(G.srv->port != 0);
        loop_timer_init(&G.stop_timer, on_stop_timer, NULL);
        loop_timer_arm(G.loop, &G.stop_timer, 0);
        assert_int_equal(pthread_create(&G.thread, NULL, run_loop, NULL), 0);
        return 0;
}

static int teardown(void **state)
{
        atomic_store(&G.stop, true);
        pthread_join(G.thread, NULL);
        tftp_server_stop(G.srv);
        loop_free(G.loop);
        boot_events_free(G.ev);
        store_close(G.store);
        tftp_config_done(&G.tc);
        config_done(&G.cfg);
        free(G.big);
        tu_rmdir(G.dir);
        return 0;
}

/* ---- a small TFTP client ---- */

static int client_open(const char *ip)
{
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_in sa = {.sin_family = AF_INET};
        inet_pton(AF_INET, ip, &sa.sin_addr);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

static void send_to(int fd, const struct sockaddr_in *to, const void *buf, size_t len)
{
        assert_int_equal(sendto(fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)),
                         (ssize_t)len);
}

static struct sockaddr_in server_addr(void)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(G.srv->port)};
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        return sa;
}

static void send_request(int fd, uint16_t op, const char *name, const char *mode,
                         const struct tftp_options *o)
{
        uint8_t buf[2048];
        int n = tftp_wire_encode_request(buf, sizeof(buf), op, name, mode, o);
        assert_true(n > 0);
        struct sockaddr_in sa = server_addr();
        send_to(fd, &sa, buf, (size_t)n);
}

/* Receives one datagram; 0 bytes on timeout. */
static size_t recv_pkt(int fd, uint8_t *buf, size_t cap, struct sockaddr_in *from, int timeout_ms)
{
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0)
                return 0;
        socklen_t sl = sizeof(*from);
        ssize_t n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &sl);
        assert_true(n > 0);
        return (size_t)n;
}

static void send_ack(int fd, const struct sockaddr_in *tid, uint16_t block)
{
        uint8_t b[4];
        tftp_wire_encode_ack(b, sizeof(b), block);
        send_to(fd, tid, b, 4);
}

struct result {
        int err; /* -1: none, else the ERROR code */
        char msg[256];
        bool got_oack;
        struct tftp_options oack;
        uint8_t *data;
        size_t len;
};

static void result_done(struct result *r)
{
        free(r->data);
}

/* Downloads name; ACKs at the end of each window, like RFC 7440 clients. */
static void fetch_with(int fd, const char *name, const char *mode, const struct tftp_options *o,
                       struct result *r)
{
        memset(r, 0, sizeof(*r));
        r->err = -1;
        send_request(fd, TFTP_RRQ, name, mode, o);
        uint8_t *buf = malloc(70000);
        assert_non_null(buf);
        struct sockaddr_in tid;
        uint32_t blksize = 512, window = 1, in_window = 0;
        uint16_t expect = 1;
        size_t cap = 0;
        for (;;) {
                size_t n = recv_pkt(fd, buf, 70000, &tid, RECV_TIMEOUT_MS);
                assert_true(n > 0);
                struct tftp_packet p;
                assert_int_equal(tftp_wire_decode(buf, n, &p), 0);
                if (p.opcode == TFTP_ERROR) {
                        r->err = p.error.code;
                        snprintf(r->msg, sizeof(r->msg), "%s", p.error.msg);
                        break;
                }
                if (p.opcode == TFTP_OACK) {
                        r->got_oack = true;
                        r->oack = p.opt;
                        if (p.opt.has_blksize)
                                blksize = (uint32_t)p.opt.blksize;
                        if (p.opt.has_windowsize)
                                window = (uint32_t)p.opt.windowsize;
                        send_ack(fd, &tid, 0);
                        continue;
                }
                assert_int_equal(p.opcode, TFTP_DATA);
                if (p.data.block != expect) {
                        send_ack(fd, &tid, (uint16_t)(expect - 1));
                        in_window = 0;
                        continue;
                }
                if (r->len + p.data.len + 1 > cap) {
                        cap = (r->len + p.data.len + 1) * 2;
                        r->data = realloc(r->data, cap);
                        assert_non_null(r->data);
                }
                memcpy(r->data + r->len, p.data.data, p.data.len);
                r->len += p.data.len;
                expect++;
                if (p.data.len < blksize) {
                        send_ack(fd, &tid, p.data.block);
                        break;
                }
                if (++in_window == window) {
                        send_ack(fd, &tid, p.data.block);
                        in_window = 0;
                }
        }
        free(buf);
}

static void fetch(const char *name, const char *mode, const struct tftp_options *o,
                  struct result *r)
{
        int fd = client_open("127.0.0.1");
        fetch_with(fd, name, mode, o, r);
        close(fd);
}

static void expect_error(const char *name, int code)
{
        struct result r;
        fetch(name, "octet", NULL, &r);
        if (r.err != code)
                fail_msg("%s: expected ERROR %d, got %d (%s)", name, code, r.err, r.msg);
        result_done(&r);
}

/* ---- tests ---- */

static void test_plain_octet(void **state)
{
        struct result r;
        fetch("small.bin", "octet", NULL, &r);
        assert_int_equal(r.err, -1);
        assert_false(r.got_oack);
        assert_int_equal(r.len, sizeof(G.small));
        assert_memory_equal(r.data, G.small, sizeof(G.small));
        result_done(&r);
        /* Leading '/' and Windows separators name the same file. */
        fetch("\\small.bin", "OCTET", NULL, &r);
        assert_int_equal(r.len, sizeof(G.small));
        result_done(&r);
}

static void test_options_window(void **state)
{
        struct tftp_options o = {.has_tsize = true,
                                 .has_blksize = true,
                                 .blksize = 1468,
                                 .has_windowsize = true,
                                 .windowsize = 16};
        struct result r;
        fetch("small.bin", "octet", &o, &r);
        assert_int_equal(r.err, -1);
        assert_true(r.got_oack);
        assert_int_equal(r.oack.tsize, sizeof(G.small));
        assert_int_equal(r.oack.blksize, 1468);
        assert_int_equal(r.oack.windowsize, 16);
        assert_int_equal(r.len, sizeof(G.small));
        assert_memory_equal(r.data, G.small, sizeof(G.small));
        result_done(&r);
}

static void test_netascii(void **state)
{
        struct tftp_options o = {.has_blksize = true, .blksize = 8, .has_tsize = true};
        struct result r;
        fetch("text.txt", "netascii", &o, &r);
        assert_int_equal(r.err, -1);
        assert_false(r.oack.has_tsize);
        static const char want[] = "one\r\ntwo\r\0\r\nthree\r\0x";
        assert_int_equal(r.len, sizeof(want) - 1);
        assert_memory_equal(r.data, want, sizeof(want) - 1);
        result_done(&r);
}

static void test_block_wrap(void **state)
{
        struct tftp_options o = {
            .has_blksize = true, .blksize = 8, .has_windowsize = true, .windowsize = 64};
        struct result r;
        fetch("big.bin", "octet", &o, &r);
        assert_int_equal(r.err, -1);
        assert_int_equal(r.len, G.big_len);
        assert_memory_equal(r.data, G.big, G.big_len);
        result_done(&r);
}

/* Lock-step blocks come from the transfer's read-ahead: across its refills,
 * again after a withheld ACK (the retransmission carries the same bytes),
 * and across the 16-bit block-number wrap. */
static void test_lockstep_readahead(void **state)
{
        int fd = client_open("127.0.0.6");
        struct tftp_options o = {.has_blksize = true, .blksize = 8};
        send_request(fd, TFTP_RRQ, "big.bin", "octet", &o);
        uint8_t buf[64], prev[64];
        struct sockaddr_in tid;
        size_t n = recv_pkt(fd, buf, sizeof(buf), &tid, RECV_TIMEOUT_MS);
        assert_true(n > 0 && buf[1] == TFTP_OACK);
        send_ack(fd, &tid, 0);
        size_t off = 0, prev_len = 0;
        uint64_t block = 1;
        const uint64_t withhold = 1000; /* after some refills (64 blocks each) */
        bool withheld = false;
        for (;;) {
                n = recv_pkt(fd, buf, sizeof(buf), &tid, RECV_TIMEOUT_MS);
                assert_true(n >= 4);
                assert_int_equal(buf[1], TFTP_DATA);
                uint16_t wire = (uint16_t)(buf[2] << 8 | buf[3]);
                if (wire == (uint16_t)(block - 1)) {
                        /* The retransmission of the unacknowledged block (or,
                         * on a loaded machine, of one whose ACK was slow):
                         * the same bytes again. */
                        assert_int_equal(n, prev_len);
                        assert_memory_equal(buf, prev, n);
                        send_ack(fd, &tid, wire);
                        continue;
                }
                assert_int_equal(wire, (uint16_t)block);
                assert_true(off + n - 4 <= G.big_len);
                assert_memory_equal(buf + 4, G.big + off, n - 4);
                off += n - 4;
                block++;
                memcpy(prev, buf, n);
                prev_len = n;
                if (block - 1 == withhold && !withheld) {
                        withheld = true;
                        continue; /* no ACK: the server sends it again */
                }
                send_ack(fd, &tid, wire);
                if (n - 4 < 8)
                        break;
        }
        assert_true(withheld);
        assert_int_equal(off, G.big_len);
        assert_true(block - 1 > 65536);
        close(fd);
}

static void test_size_probe(void **state)
{
        struct metric *m =
            metrics_counter("bootherd_tftp_transfers_total", "outcome=\"size-probe\"");
        uint64_t probes = metric_value(m);
        int fd = client_open("127.0.0.1");
        struct tftp_options o = {.has_tsize = true,
                                 .has_blksize = true,
                                 .blksize = 1468,
                                 .has_windowsize = true,
                                 .windowsize = 4};
        send_request(fd, TFTP_RRQ, "ipxe.efi", "octet", &o);
        uint8_t buf[2048];
        struct sockaddr_in tid;
        size_t n = recv_pkt(fd, buf, sizeof(buf), &tid, RECV_TIMEOUT_MS);
        struct tftp_packet p;
        assert_int_equal(tftp_wire_decode(buf, n, &p), 0);
        assert_int_equal(p.opcode, TFTP_OACK);
        assert_int_equal(p.opt.tsize, 1000);
        /* EDK2: abort with ERROR 8, then ask again without tsize. */
        n = (size_t)tftp_wire_encode_error(buf, sizeof(buf), 8, "probe");
        send_to(fd, &tid, buf, n);
        o.has_tsize = false;
        struct result r;
        fetch_with(fd, "ipxe.efi", "octet", &o, &r);
        assert_int_equal(r.err, -1);
        assert_int_equal(r.len, 1000);
        assert_memory_equal(r.data, G.small, 1000);
        result_done(&r);
        close(fd);
        /* The server counted a probe (read after the transfer finished:
         * the probe ended before the second request was answered). */
        assert_int_equal(metric_value(m), probes + 1);
}

static void test_confinement(void **state)
{
        expect_error("../outside/secret", TFTP_EACCESS);
        expect_error("sub/../../outside/secret", TFTP_EACCESS);
        expect_error("..\\outside\\secret", TFTP_EACCESS);
        expect_error("escape", TFTP_EACCESS); /* symlink out of the root */
        expect_error("inner", TFTP_EACCESS);  /* any symlink */
        expect_error("fifo", TFTP_EACCESS);   /* not a regular file */
        expect_error("sub", TFTP_EACCESS);    /* a directory */
        expect_error("missing", TFTP_ENOTFOUND);
        expect_error("/etc/passwd", TFTP_ENOTFOUND); /* relative to the root */
        expect_error("", TFTP_ENOTFOUND);
        char p[512];
        struct stat st;
        path_of("root/null", p);
        if (stat(p, &st) == 0)
                expect_error("null", TFTP_EACCESS); /* a device */
        char longname[TFTP_PATH_MAX + 20];
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        expect_error(longname, TFTP_EUNDEF);
}

static void test_write_and_mode_refused(void **state)
{
        int fd = client_open("127.0.0.1");
        uint8_t buf[512];
        struct sockaddr_in from;
        struct tftp_packet p;
        send_request(fd, TFTP_WRQ, "upload", "octet", NULL);
        size_t n = recv_pkt(fd, buf, sizeof(buf), &from, RECV_TIMEOUT_MS);
        assert_int_equal(tftp_wire_decode(buf, n, &p), 0);
        assert_int_equal(p.opcode, TFTP_ERROR);
        assert_int_equal(p.error.code, TFTP_EACCESS);
        send_request(fd, TFTP_RRQ, "small.bin", "mail", NULL);
        n = recv_pkt(fd, buf, sizeof(buf), &from, RECV_TIMEOUT_MS);
        assert_int_equal(tftp_wire_decode(buf, n, &p), 0);
        assert_int_equal(p.error.code, TFTP_EBADOP);
        close(fd);
}

static void test_bootfile_and_stage(void **state)
{
        struct result r;
        fetch("ipxe.efi", "octet", NULL, &r);
        assert_int_equal(r.err, -1);
        assert_int_equal(r.len, 1000);
        result_done(&r);
        /* The root has no ipxe.efi: only the trusted map serves it. */
        fetch("images/k/linux", "octet", NULL, &r);
        assert_int_equal(r.len, 6);
        assert_memory_equal(r.data, "KERNEL", 6);
        result_done(&r);
}

static char *fetch_text(const char *name)
{
        struct result r;
        fetch(name, "octet", NULL, &r);
        if (r.err != -1)
                fail_msg("%s: ERROR %d %s", name, r.err, r.msg);
        char *s = malloc(r.len + 1);
        memcpy(s, r.data, r.len);
        s[r.len] = 0;
        result_done(&r);
        return s;
}

static void test_dynamic_files(void **state)
{
        char *s = fetch_text("pxelinux.cfg/01-52-54-00-00-00-01");
        assert_non_null(strstr(s, "KERNEL http://127.0.0.1:8080/images/k/linux\n"));
        assert_non_null(strstr(s, "INITRD http://127.0.0.1:8080/images/k/initrd\n"));
        assert_non_null(strstr(s, "APPEND console=ttyS0\n"));
        free(s);
        s = fetch_text("/pxelinux.cfg/01-52-54-00-00-00-99");
        assert_non_null(strstr(s, "has no image assigned"));
        free(s);
        /* Other pxelinux names come from the root. */
        s = fetch_text("pxelinux.cfg/default");
        assert_string_equal(s, "DEFAULT x\n");
        free(s);

        char want[128];
        s = fetch_text("boot.ipxe");
        snprintf(want, sizeof(want), "tftp://127.0.0.1:%u/boot/${net0/mac}.ipxe", G.srv->port);
        assert_non_null(strstr(s, want));
        free(s);
        s = fetch_text("boot/52:54:00:00:00:01.ipxe");
        snprintf(want, sizeof(want), "kernel tftp://127.0.0.1:%u/images/k/linux", G.srv->port);
        assert_non_null(strstr(s, want));
        free(s);
        s = fetch_text("52-54-00-00-00-77.ipxe");
        assert_non_null(strstr(s, "has no image assigned"));
        free(s);
}

struct held {
        int fd;
        struct sockaddr_in tid;
};

/* Holds a transfer open: a request with options, OACK never acknowledged. */
/* A transfer held by a real (acknowledging) client: the OACK is
 * acknowledged, DATA 1 is not (yet).  Never-acknowledged ones are evicted
 * at the limits (test_evict_unconfirmed). */
static struct held hold(const char *ip)
{
        struct held h = {.fd = client_open(ip)};
        struct tftp_options o = {.has_tsize = true};
        send_request(h.fd, TFTP_RRQ, "small.bin", "octet", &o);
        uint8_t buf[1024];
        size_t n = recv_pkt(h.fd, buf, sizeof(buf), &h.tid, RECV_TIMEOUT_MS);
        assert_true(n >= 2);
        assert_int_equal(buf[1], TFTP_OACK);
        uint8_t ack[4] = {0, TFTP_ACK, 0, 0};
        send_to(h.fd, &h.tid, ack, sizeof(ack));
        n = recv_pkt(h.fd, buf, sizeof(buf), NULL, RECV_TIMEOUT_MS);
        assert_true(n >= 4);
        assert_int_equal(buf[1], TFTP_DATA);
        return h;
}

/* Ends a held transfer the way a client aborts: ERROR to its TID. */
static void release(struct held *h)
{
        uint8_t buf[32];
        int n = tftp_wire_encode_error(buf, sizeof(buf), 0, "bye");
        send_to(h->fd, &h->tid, buf, (size_t)n);
        close(h->fd);
}

static void test_limits(void **state)
{
        /* max_per_client 3, max_transfers 4. */
        struct held a[3];
        for (int i = 0; i < 3; i++)
                a[i] = hold("127.0.0.1");
        struct result r;
        fetch("small.bin", "octet", NULL, &r);
        assert_int_equal(r.err, TFTP_EUNDEF);
        assert_non_null(strstr(r.msg, "too many transfers from 127.0.0.1"));
        result_done(&r);
        struct held b = hold("127.0.0.2");
        int fd = client_open("127.0.0.3");
        fetch_with(fd, "small.bin", "octet", NULL, &r);
        assert_int_equal(r.err, TFTP_EUNDEF);
        assert_non_null(strstr(r.msg, "server busy"));
        result_done(&r);
        close(fd);
        for (int i = 0; i < 3; i++)
                release(&a[i]);
        release(&b);
        /* The limit is free again (the ERRORs may still be in flight:
         * bounded retries). */
        for (int i = 0; i < 50; i++) {
                fetch("small.bin", "octet", NULL, &r);
                int err = r.err;
                result_done(&r);
                if (err == -1)
                        break;
                assert_int_equal(err, TFTP_EUNDEF);
                usleep(20000);
        }
}

static void test_retransmit_and_give_up(void **state)
{
        /* Never acknowledge DATA 1: it is sent once only (no amplification
         * towards a source that may be forged); the server gives up after
         * its retries (200 + 400 + 800 ms) and stays silent. */
        int fd = client_open("127.0.0.4");
        send_request(fd, TFTP_RRQ, "small.bin", "octet", NULL);
        uint8_t buf[1024];
        struct sockaddr_in from;
        int copies = 0;
        while (recv_pkt(fd, buf, sizeof(buf), &from, 2500) > 0) {
                assert_int_equal(buf[1], TFTP_DATA);
                assert_int_equal(buf[3], 1);
                copies++;
        }
        assert_int_equal(copies, 1);
        /* Once acknowledged, the timer retransmits: ACK 1 (the real peer),
         * then silence: DATA 2 comes again (retries = 2). */
        fd = client_open("127.0.0.4");
        send_request(fd, TFTP_RRQ, "small.bin", "octet", NULL);
        assert_true(recv_pkt(fd, buf, sizeof(buf), &from, RECV_TIMEOUT_MS) > 0);
        assert_int_equal(buf[3], 1);
        uint8_t ack[4] = {0, TFTP_ACK, 0, 1};
        send_to(fd, &from, ack, sizeof(ack));
        copies = 0;
        while (recv_pkt(fd, buf, sizeof(buf), NULL, 2500) > 0) {
                assert_int_equal(buf[1], TFTP_DATA);
                assert_int_equal(buf[3], 2);
                copies++;
        }
        assert_int_equal(copies, 3);
        close(fd);
}

static void test_evict_unconfirmed(void **state)
{
        /* max_per_client 3: three requests never acknowledged from one
         * address (forged, say) do not lock that address out; the fourth
         * ends the oldest and gets its file. */
        int fds[3];
        uint8_t buf[1024];
        for (int i = 0; i < 3; i++) {
                fds[i] = client_open("127.0.0.6");
                send_request(fds[i], TFTP_RRQ, "small.bin", "octet", NULL);
                assert_true(recv_pkt(fds[i], buf, sizeof(buf), NULL, RECV_TIMEOUT_MS) > 0);
                assert_int_equal(buf[1], TFTP_DATA);
        }
        int fd = client_open("127.0.0.6");
        struct result r;
        fetch_with(fd, "small.bin", "octet", NULL, &r);
        assert_int_equal(r.err, -1);
        assert_true(r.len > 0);
        result_done(&r);
        close(fd);
        for (int i = 0; i < 3; i++)
                close(fds[i]);
}

static void test_duplicate_request(void **state)
{
        /* The same RRQ twice (the client's retransmission) is one transfer. */
        int fd = client_open("127.0.0.5");
        struct tftp_options o = {.has_tsize = true};
        send_request(fd, TFTP_RRQ, "small.bin", "octet", &o);
        send_request(fd, TFTP_RRQ, "small.bin", "octet", &o);
        uint8_t buf[512];
        struct sockaddr_in t1, t2;
        assert_true(recv_pkt(fd, buf, sizeof(buf), &t1, RECV_TIMEOUT_MS) > 0);
        assert_true(recv_pkt(fd, buf, sizeof(buf), &t2, RECV_TIMEOUT_MS) > 0);
        assert_int_equal(t1.sin_port, t2.sin_port);
        close(fd);
}

static void test_stage_reported(void **state)
{
        /* Flush the events of the tests so far (the loop thread only
         * pushes; flushing from here is safe: the queue is locked). */
        struct store *s;
        char p[512];
        path_of("bootherd.db", p);
        assert_int_equal(store_open(p, &s), 0);
        assert_true(boot_events_flush(G.ev, s, 1000) > 0);
        struct boot_event *evs;
        size_t n;
        struct mac lease_mac, dyn_mac;
        mac_parse_str("52:54:00:00:00:02", &lease_mac);
        mac_parse_str("52:54:00:00:00:01", &dyn_mac);
        /* ipxe.efi from 127.0.0.1 -> the lease's MAC. */
        assert_int_equal(store_events_list(s, &lease_mac, 0, 100, &evs, &n), 0);
        bool seen = false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(evs[i].stage, "tftp") == 0 && strstr(evs[i].detail, "ipxe.efi"))
                        seen = true;
        assert_true(seen);
        free(evs);
        /* Dynamic files name their MAC. */
        assert_int_equal(store_events_list(s, &dyn_mac, 0, 100, &evs, &n), 0);
        assert_true(n >= 1);
        free(evs);
        store_close(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plain_octet),
            cmocka_unit_test(test_options_window),
            cmocka_unit_test(test_netascii),
            cmocka_unit_test(test_block_wrap),
            cmocka_unit_test(test_lockstep_readahead),
            cmocka_unit_test(test_size_probe),
            cmocka_unit_test(test_confinement),
            cmocka_unit_test(test_write_and_mode_refused),
            cmocka_unit_test(test_bootfile_and_stage),
            cmocka_unit_test(test_dynamic_files),
            cmocka_unit_test(test_limits),
            cmocka_unit_test(test_retransmit_and_give_up),
            cmocka_unit_test(test_evict_unconfirmed),
            cmocka_unit_test(test_duplicate_request),
            cmocka_unit_test(test_stage_reported),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
