/* LD_PRELOAD shim for the DHCP benchmark: every datagram or packet socket
 * the process opens gets a receive buffer of $BENCH_RCVBUF bytes
 * (SO_RCVBUFFORCE; the process must be root).  This is what raising
 * net.core.rmem_default does for a server that never sets SO_RCVBUF itself
 * (Kea) -- the usual tuning for a busy UDP server -- but for one process only,
 * since that sysctl cannot be set inside a network namespace here.
 * bootherd sets the same 4 MiB itself, so both get equal room for a burst
 * while they are not scheduled.  Built and used by bench/dhcp/run.sh. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

int socket(int domain, int type, int protocol)
{
        static int (*real)(int, int, int);
        if (!real)
                real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
        int fd = real(domain, type, protocol);
        const char *v = getenv("BENCH_RCVBUF");
        int kind = type & 0xf; /* without SOCK_NONBLOCK / SOCK_CLOEXEC */
        if (fd >= 0 && v && (domain == AF_INET || domain == AF_PACKET) &&
            (kind == SOCK_DGRAM || kind == SOCK_RAW)) {
                int n = atoi(v);
                if (n > 0)
                        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &n, sizeof(n));
        }
        return fd;
}
