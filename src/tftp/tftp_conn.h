/* TFTP server internals shared by its three files (not for other modules):
 *
 *   tftp_server.c  the listener: requests, limits, refusals, start/stop
 *   tftp_conn.c    one transfer: its socket, timer, state-machine actions,
 *                  the end (one log line, metrics, the boot stage)
 *   tftp_send.c    moving DATA: read-ahead, sendmmsg, UDP GSO, netascii
 *
 * Everything runs on the event loop's thread. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "boot/boot_endpoints.h"
#include "boot/boot_events.h"
#include "boot/boot_inventory_store.h"
#include "boot/boot_resolve.h"
#include "core/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "tftp/tftp_config.h"
#include "tftp/tftp_path.h"
#include "tftp/tftp_source.h"
#include "tftp/tftp_wire.h"
#include "tftp/tftp_xfer.h"

#define TFTP_ERR_MSG_MAX  160
#define TFTP_OPTS_STR_MAX 96
#define TFTP_PEER_STR_MAX 24
#define TFTP_TX_BATCH     64 /* DATA packets per sendmmsg */
#define TFTP_RX_BATCH     64 /* datagrams read per wakeup and socket */
#define TFTP_IP_UDP_HDR   (20 + 8 + TFTP_HDR_LEN)

/* How a transfer ended: one name each, for the log line and the metric. */
enum tftp_end {
        TFTP_END_OK,          /* last block acknowledged */
        TFTP_END_SIZE_PROBE,  /* ERROR right after the OACK: the UEFI size probe */
        TFTP_END_TIMEOUT,     /* retransmissions without an answer */
        TFTP_END_PEER_ERROR,  /* the client sent ERROR */
        TFTP_END_UNCONFIRMED, /* port closed after the final block: likely has the file */
        TFTP_END_UNREACHABLE, /* port closed before the end */
        TFTP_END_SUPERSEDED,  /* the client asked again for something else */
        TFTP_END_SHUTDOWN,    /* the server stopped */
        TFTP_END_IO_ERROR,    /* reading the file or sending failed */
        TFTP_END_REFUSED,     /* never started (metric only: refusals) */
        TFTP_END_EVICTED,     /* never acknowledged, made room for a new request */
        TFTP_END_N
};

/* "ok", "size-probe", "timeout", "peer-error", "unconfirmed", "unreachable",
 * "superseded", "shutdown", "io-error", "refused", "evicted". */
const char *tftp_end_name(enum tftp_end e);

struct tftp_conn;

struct tftp_server {
        struct loop *loop;
        const struct tftp_config *tc;
        const struct bootfiles *bootfiles;
        struct store *store;
        struct boot_inventory_store inv_store;
        struct boot_inventory inv;
        struct boot_resolver resolver;
        struct boot_endpoints_table *endpoints;
        struct boot_events *ev;
        int fd;
        uint16_t port;
        int root_fd, images_fd;
        struct tftp_limits lim;
        struct tftp_conn *conns; /* doubly linked */
        uint32_t n_conns;
        uint8_t *buf; /* window buffer shared by all transfers (one thread) */
        size_t buf_cap;
        struct log_ratelimit rl_refuse, rl_xfer;
        int64_t reaped_at;
};

/* netascii resume point: where the encoding of a block starts. */
struct tftp_na_point {
        uint64_t off;
        int pending;
};

struct tftp_conn {
        struct tftp_server *srv;
        struct tftp_conn *prev, *next;
        int fd;
        struct sockaddr_in peer;
        uint32_t local; /* host order */
        struct loop_timer timer;
        struct tftp_xfer x;
        struct tftp_options oack;
        struct tftp_source src;
        enum tftp_mode mode;
        uint64_t tx_next, tx_end; /* DATA blocks still to send of the current action */
        bool want_out;
        bool gso;          /* UDP_SEGMENT works on this socket (until it fails once) */
        uint8_t *ra;       /* lock-step read-ahead: DATA datagrams of */
        uint64_t ra_first; /* blocks ra_first..ra_first+ra_n-1, stride 4+blksize */
        uint64_t ra_n;
        uint64_t na_block; /* netascii: block that na_cur starts */
        struct tftp_na_point na_cur, na_next;
        bool na_next_valid;
        bool grub;         /* GRUB 2.06's request (tftp_wire_is_grub_rrq) */
        uint32_t ahead;    /* send-ahead depth offered to the state machine; 0 = off */
        uint64_t req_hash; /* to recognise a repeated request */
        int64_t started;
        uint64_t sent_bytes;
        char file[TFTP_PATH_MAX + 1];
        char opts[TFTP_OPTS_STR_MAX];
};

/* ---- tftp_conn.c ---- */

/* "A.B.C.D:port". */
void tftp_conn_peer_str(const struct sockaddr_in *sa, char out[TFTP_PEER_STR_MAX]);
/* "blksize=1468,tsize=0" (or "none"). */
void tftp_conn_options_str(const struct tftp_options *o, char *out, size_t cap);
/* sendmsg() of one buffer with one control message (IP_PKTINFO for the
 * source address, UDP_SEGMENT for a GSO window); to may be NULL on a
 * connected socket.  Returns sendmsg()'s result. */
ssize_t tftp_conn_send_cmsg(int fd, const struct sockaddr_in *to, void *buf, size_t len, int level,
                            int type, const void *data, size_t data_len);
/* The transfer's own socket: bound to local, connected to peer; *ret_mtu
 * the route MTU (0 unknown).  fd or a negative errno. */
int tftp_conn_socket(uint32_t local, const struct sockaddr_in *peer, uint32_t *ret_mtu);
/* Registers c (filled by the caller: srv, fd, peer, local, src, mode,
 * started, ...) with the loop and the server, then negotiates (mtu: the
 * route's, 0 unknown) and starts sending; c may have ended (and be freed)
 * on return.  0, or a negative errno (c not added: the caller frees it). */
int tftp_conn_start(struct tftp_conn *c, const struct tftp_options *req_opts, uint32_t mtu);
/* The transfer from peer (same address and port), or NULL. */
struct tftp_conn *tftp_conn_find(struct tftp_server *srv, const struct sockaddr_in *peer);
/* Transfers from the address addr_be (network order). */
uint32_t tftp_conn_count(struct tftp_server *srv, uint32_t addr_be);
/* Reads up to max datagrams the client sent.  false when the transfer
 * ended (c is freed). */
bool tftp_conn_drain(struct tftp_conn *c, int max);
/* The client repeated its request byte for byte: answer again. */
void tftp_conn_again(struct tftp_conn *c);
/* Ends a transfer: one log line, metrics, the boot stage; c is freed. */
void tftp_conn_end(struct tftp_conn *c, enum tftp_end end);

/* ---- tftp_send.c ---- */

/* Sends the current action's remaining DATA blocks (c->tx_next..tx_end).
 * Returns 0 when all went out, 1 when the socket is full (wait for
 * EPOLLOUT), or a negative errno when the transfer cannot go on
 * (-ECONNREFUSED: the peer's port is closed). */
int tftp_send_pump(struct tftp_conn *c);
