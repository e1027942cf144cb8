/* Applies Landlock and seccomp per [server] and says so; see confine.h. */
#include "core/confine.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER 1
#endif
#endif

/* Landlock binds only the calling thread (and threads it starts later):
 * a thread already running would escape it. */
static size_t threads_running(void)
{
        DIR *d = opendir("/proc/self/task");
        if (!d)
                return 1; /* no /proc: cannot tell */
        size_t n = 0;
        for (struct dirent *e; (e = readdir(d));)
                n += e->d_name[0] != '.';
        closedir(d);
        return n;
}

static const char *env(const char *name)
{
        return getenv(name);
}

static int apply_landlock(const struct config *c, const char *const *extra_ro, size_t n_extra)
{
        if (!c->landlock) {
                log_info("confine: Landlock off ([server] landlock = false)");
                return 0;
        }
        struct confine_paths ps = {0};
        int r = confine_paths_from_config(c, env, &ps);
        for (size_t i = 0; r >= 0 && i < n_extra; i++)
                if (extra_ro[i] && *extra_ro[i])
                        r = confine_paths_add(&ps, extra_ro[i], CONFINE_RO);
#ifdef SANITIZER
        /* LeakSanitizer reads /proc/self/maps and /proc/self/task at exit:
         * sanitizer builds (tests) only. */
        if (r >= 0)
                r = confine_paths_add(&ps, "/proc/self", CONFINE_RO);
#endif
        size_t skipped = 0;
        if (r >= 0)
                r = threads_running() > 1 ? -EBUSY : confine_landlock(&ps, &skipped);
        if (r == -EOPNOTSUPP || r == -EPERM) {
                log_warn("confine: %s; files are not confined",
                         r == -EPERM ? "Landlock's system calls are refused here (an outer "
                                       "seccomp filter: systemd's SystemCallFilter= without "
                                       "@sandbox?)"
                                     : "this kernel has no Landlock (CONFIG_SECURITY_LANDLOCK, "
                                       "lsm=)");
                r = 0;
        } else if (r < 0)
                log_error("confine: cannot apply Landlock: %s (set [server] landlock = false to "
                          "run without)",
                          r == -EBUSY ? "threads are already running" : strerror(-r));
        else
                log_info("confine: Landlock ABI %d: %zu paths readable (state directory "
                         "writable), %zu of them absent or out of reach",
                         r, ps.n, skipped);
        confine_paths_done(&ps);
        return r < 0 ? r : 0;
}

static int apply_seccomp(const struct config *c)
{
        enum confine_seccomp_mode mode = confine_seccomp_mode(c->seccomp);
        int r = confine_seccomp(mode);
        if (r == -EOPNOTSUPP || r == -EPERM || r == -EACCES) {
                log_warn("confine: %s; system calls are not confined",
                         r == -EOPNOTSUPP ? "this kernel has no seccomp filters "
                                            "(CONFIG_SECCOMP_FILTER)"
                                          : "loading a seccomp filter is refused here (an outer "
                                            "filter: systemd's SystemCallFilter= without "
                                            "@sandbox?)");
                return 0;
        }
        if (r < 0)
                log_error("confine: cannot load the seccomp filter: %s (set [server] seccomp = "
                          "off to run without)",
                          strerror(-r));
        else if (mode == CONFINE_SECCOMP_OFF)
                log_info("confine: seccomp off ([server] seccomp = off)");
        else
                log_info("confine: seccomp allow-list loaded (%s)",
                         mode == CONFINE_SECCOMP_LOG ? "log: unlisted calls allowed and logged"
                                                     : "enforce: unlisted calls fail");
        return r;
}

int confine_apply(const struct config *c, const char *const *extra_ro, size_t n_extra)
{
        /* Landlock first: its own system calls are not on the allow-list. */
        int r = apply_landlock(c, extra_ro, n_extra);
        return r < 0 ? r : apply_seccomp(c);
}
