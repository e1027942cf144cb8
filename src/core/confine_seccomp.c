/* The seccomp allow-list (libseccomp); see confine.h.
 *
 * What serve calls once it is serving: the event loop, sockets (TFTP binds
 * one per transfer), sendfile, openat2, SQLite (pread/pwrite, fsync, file
 * locks, mmap of -shm), libpq (connect, poll, getaddrinfo), libmicrohttpd's
 * threads, GnuTLS, libsodium (mlock), and glibc's threads and allocator.
 * Generous on purpose: a call missing here fails a request in production,
 * so files are also renamed, linked, truncated and preallocated (uploads,
 * an audit log).  Names unknown on this architecture are skipped. */
#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/confine.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER 1
#endif
#endif

/* clang-format off */
static const char *const allowed[] = {
    /* files and descriptors */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "lseek", "close", "close_range", "dup", "dup2", "dup3", "open", "openat",
    "openat2", "stat", "fstat", "lstat", "newfstatat", "statx", "fstatfs", "statfs", "access",
    "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "getcwd",
    "fcntl", "flock", "fsync", "fdatasync", "ftruncate", "fallocate", "fadvise64", "rename",
    "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat", "fchmod", "fchown", "umask",
    "utimensat", "sendfile", "copy_file_range", "splice", "ioctl",
    /* memory */
    "mmap", "munmap", "mremap", "mprotect", "madvise", "brk", "msync", "mincore", "mlock",
    "mlock2", "munlock",
    /* threads, signals, time, identity */
    "futex", "futex_waitv", "get_robust_list", "set_robust_list", "rseq", "set_tid_address",
    "arch_prctl", "exit", "exit_group", "gettid", "getpid", "getppid", "tgkill", "tkill",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack",
    "signalfd", "signalfd4", "restart_syscall", "sched_yield", "sched_getaffinity", "prctl",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    "getrandom", "uname", "sysinfo", "getrlimit", "prlimit64", "getrusage", "getuid", "geteuid",
    "getgid", "getegid", "getgroups", "getresuid", "getresgid", "membarrier",
    /* event loop */
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "poll", "ppoll", "select", "pselect6", "eventfd", "eventfd2", "pipe", "pipe2",
    "timerfd_create", "timerfd_settime", "timerfd_gettime",
    /* sockets (socket() itself: by family, below) */
    "socketpair", "connect", "accept", "accept4", "bind", "listen", "getsockname", "getpeername",
    "setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg",
    "recvmmsg", "shutdown",
};

/* Never needed once serving; asked for only by an exploit. */
static const char *const forbidden[] = {
    "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
    "mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "fsopen", "fsconfig",
    "fsmount", "fspick", "move_mount", "open_tree", "init_module", "finit_module",
    "delete_module", "kexec_load", "kexec_file_load", "bpf", "perf_event_open", "keyctl",
    "add_key", "request_key", "swapon", "swapoff", "reboot", "settimeofday", "clock_settime",
    "clock_adjtime", "adjtimex", "acct", "quotactl", "open_by_handle_at", "name_to_handle_at",
    "userfaultfd", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
    "setfsuid", "setfsgid", "setgroups", "capset", "personality", "iopl", "ioperm", "syslog",
    "kcmp", "mknod", "mknodat", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "sethostname", "setdomainname", "vhangup", "uselib",
};
/* clang-format on */

/* LeakSanitizer stops the world at exit with a ptrace()ing clone: only in
 * sanitizer builds (tests), never in what ships. */
#ifdef SANITIZER
static const char *const sanitizer_needs[] = {"ptrace", "wait4", "kill"};
#endif

static const int families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};

enum confine_seccomp_mode confine_seccomp_mode(const char *s)
{
        return strcmp(s, "off") == 0   ? CONFINE_SECCOMP_OFF
               : strcmp(s, "log") == 0 ? CONFINE_SECCOMP_LOG
                                       : CONFINE_SECCOMP_ENFORCE;
}

#ifdef SANITIZER
static bool in(const char *const *list, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], name) == 0)
                        return true;
        return false;
}
#endif

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int add(scmp_filter_ctx ctx, uint32_t action, const char *name)
{
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return 0; /* not on this architecture */
        return seccomp_rule_add(ctx, action, nr, 0);
}

static int build(scmp_filter_ctx ctx, enum confine_seccomp_mode mode)
{
        int r = 0;
        for (size_t i = 0; r == 0 && i < N(allowed); i++)
                r = add(ctx, SCMP_ACT_ALLOW, allowed[i]);
        uint32_t deny =
            mode == CONFINE_SECCOMP_ENFORCE ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
        for (size_t i = 0; r == 0 && i < N(forbidden); i++) {
#ifdef SANITIZER
                if (in(sanitizer_needs, N(sanitizer_needs), forbidden[i]))
                        continue;
#endif
                r = add(ctx, deny, forbidden[i]);
        }
#ifdef SANITIZER
        for (size_t i = 0; r == 0 && i < N(sanitizer_needs); i++)
                r = add(ctx, SCMP_ACT_ALLOW, sanitizer_needs[i]);
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
#else
        /* Threads, not processes: clone() only with CLONE_THREAD (clone3:
         * see no_clone3()). */
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
#endif
        if (r == 0) /* answered ENOSYS by the first filter (no_clone3) */
                r = add(ctx, SCMP_ACT_ALLOW, "clone3");
        /* Sockets of the families serve uses (DHCP's and RA's raw sockets
         * are opened before): no AF_PACKET, no AF_ALG, ... */
        for (size_t i = 0; r == 0 && i < N(families); i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]));
        return r;
}

/* clone3() hides its flags in memory where a filter cannot look: it says
 * ENOSYS, and glibc falls back to clone().  A filter of its own, without
 * logging, so that each new thread does not write an audit line (the
 * kernel logs a call per the filter whose action won). */
static int no_clone3(void)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;
        int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
        if (r == 0)
                r = add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3");
        if (r == 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        return r;
}

int confine_seccomp(enum confine_seccomp_mode mode)
{
        if (mode == CONFINE_SECCOMP_OFF)
                return 0;
        /* EINVAL: a kernel built without seccomp. */
        if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
                return -EOPNOTSUPP;
        /* seccomp() itself refused: an outer filter (libseccomp would
         * then say EOPNOTSUPP, as for a kernel without it). */
        uint32_t action = SECCOMP_RET_KILL_PROCESS;
        if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0)
                return errno == EPERM || errno == EACCES ? -EPERM : -EOPNOTSUPP;
        int r = no_clone3(); /* first: the allow-list does not allow seccomp() */
        if (r < 0)
                return r;
        scmp_filter_ctx ctx =
            seccomp_init(mode == CONFINE_SECCOMP_ENFORCE ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_LOG);
        if (!ctx)
                return -ENOMEM;
        /* A call from another architecture's table (int 0x80 on x86-64)
         * is never legitimate here. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        /* Every thread, in case a library started one; and log denials
         * (the audit log: dmesg, journalctl -k) so a missing call shows. */
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
        if (r == 0)
                (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
        if (r == 0)
                r = build(ctx, mode);
        if (r == 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        return r;
}
