/* Confinement (src/core/confine*.c): the path set built from the
 * configuration (pure), and, in forked children, that Landlock and the
 * seccomp filter bite as documented (skipped where the kernel lacks them). */
#include "../test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/confine.h"

static int access_of(const struct confine_paths *ps, const char *path)
{
        for (size_t i = 0; i < ps->n; i++)
                if (strcmp(ps->p[i].path, path) == 0)
                        return (int)ps->p[i].access;
        return 0;
}

static const char *fake_env(const char *name)
{
        if (strcmp(name, "HOME") == 0)
                return "/home/u";
        if (strcmp(name, "PGSSLROOTCERT") == 0)
                return "/etc/pki/env-root.crt";
        return NULL;
}

static void build(struct config *c, struct confine_paths *ps)
{
        memset(ps, 0, sizeof(*ps));
        assert_int_equal(confine_paths_from_config(c, fake_env, ps), 0);
}

static void test_defaults(void **state)
{
        struct config c;
        struct confine_paths ps;
        assert_int_equal(config_init(&c), 0);
        assert_true(c.landlock);
        assert_string_equal(c.seccomp, "enforce");
        build(&c, &ps);
        assert_int_equal(access_of(&ps, "/var/lib/bootherd"), CONFINE_RW);
        /* [images] upload is on by default: files may be written there. */
        assert_int_equal(access_of(&ps, "/var/lib/bootherd/images"), CONFINE_RW);
        assert_int_equal(access_of(&ps, "/usr/lib/ipxe"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/usr/lib/shim"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/etc/resolv.conf"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/dev/null"), CONFINE_RW);
        /* Never the whole of /etc, nor anything of libpq's without a URL. */
        assert_int_equal(access_of(&ps, "/etc"), 0);
        assert_int_equal(access_of(&ps, "/home/u/.pgpass"), 0);
        assert_int_equal(access_of(&ps, "/etc/pki/env-root.crt"), 0);
        confine_paths_done(&ps);
        config_done(&c);
}

static void set(struct config *c, const char *section, const char *key, const char *value)
{
        char err[CONFIG_ERR_MAX];
        assert_int_equal(config_set(c, section, key, value, "test", err), 0);
}

static void test_from_settings(void **state)
{
        struct config c;
        struct confine_paths ps;
        assert_int_equal(config_init(&c), 0);
        set(&c, "server", "state_dir", "/srv/state");
        set(&c, "server", "database", "/srv/db/inv.db");
        set(&c, "images", "root", "/srv/images");
        set(&c, "images", "upload", "off"); /* then serve only reads it */
        assert_int_equal(bootfiles_set(&c.bootfiles, "x.efi", "/opt/fw/x.efi"), 0);
        build(&c, &ps);
        assert_int_equal(access_of(&ps, "/srv/state"), CONFINE_RW);
        assert_int_equal(access_of(&ps, "/srv/db"), CONFINE_RW);
        assert_int_equal(access_of(&ps, "/srv/images"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/opt/fw"), CONFINE_RO); /* the directory */
        assert_int_equal(access_of(&ps, "/opt/fw/x.efi"), 0);
        confine_paths_done(&ps);

        /* A relative database: the current directory. */
        set(&c, "server", "database", "inv.db");
        build(&c, &ps);
        assert_int_equal(access_of(&ps, "."), CONFINE_RW);
        confine_paths_done(&ps);
        config_done(&c);
}

static void test_postgres_files(void **state)
{
        struct config c;
        struct confine_paths ps;
        assert_int_equal(config_init(&c), 0);
        set(&c, "store", "url",
            "postgresql://db1/bh?sslrootcert=%2Fetc%2Fpki%2Froot.crt&application_name=/x"
            "&passfile=/p/pass&sslkey=%zz&sslcert=");
        build(&c, &ps);
        assert_int_equal(access_of(&ps, "/etc/pki/root.crt"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/p/pass"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/x"), 0); /* not a file parameter */
        assert_int_equal(access_of(&ps, "/home/u/.pgpass"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/home/u/.postgresql"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/etc/pki/env-root.crt"), CONFINE_RO);
        assert_int_equal(access_of(&ps, "/etc/postgresql-common"), CONFINE_RO);
        /* The SQLite state directory is still there (the CLI's own state). */
        assert_int_equal(access_of(&ps, "/var/lib/bootherd"), CONFINE_RW);
        confine_paths_done(&ps);
        config_done(&c);
}

static void test_add(void **state)
{
        struct confine_paths ps = {0};
        assert_int_equal(confine_paths_add(&ps, "/a", CONFINE_RO), 0);
        assert_int_equal(confine_paths_add(&ps, "/a", CONFINE_RW), 0);
        assert_int_equal(confine_paths_add(&ps, "/a", CONFINE_RO), 0);
        assert_int_equal(ps.n, 1);
        assert_int_equal(access_of(&ps, "/a"), CONFINE_RW); /* the wider one stays */
        assert_int_equal(confine_paths_add(&ps, "", CONFINE_RO), -EINVAL);
        char p[32];
        while (ps.n < CONFINE_PATHS_MAX) {
                snprintf(p, sizeof(p), "/p%zu", ps.n);
                assert_int_equal(confine_paths_add(&ps, p, CONFINE_RO), 0);
        }
        assert_int_equal(confine_paths_add(&ps, "/one-more", CONFINE_RO), -ENOSPC);
        confine_paths_done(&ps);
}

/* Runs fn in a child; returns its wait status. */
static int in_child(int (*fn)(const char *dir), const char *dir)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(fn(dir)); /* _exit: no sanitizer work at exit, under confinement */
        int st = 0;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        return st;
}

static void write_at(const char *dir, const char *name)
{
        char p[1400];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs("x", f);
        fclose(f);
}

/* dir/ro read-only, dir/rw writable, dir/out nothing.  Exit 77: no
 * Landlock here; 0: every expectation held; else the failing step. */
static int landlock_child(const char *dir)
{
        char ro[600], rw[600], out[600], p[700];
        snprintf(ro, sizeof(ro), "%s/ro", dir);
        snprintf(rw, sizeof(rw), "%s/rw", dir);
        snprintf(out, sizeof(out), "%s/out", dir);
        struct confine_paths ps = {0};
        if (confine_paths_add(&ps, ro, CONFINE_RO) < 0 ||
            confine_paths_add(&ps, rw, CONFINE_RW) < 0 ||
            confine_paths_add(&ps, "/nonexistent/x", CONFINE_RO) < 0)
                return 1;
        size_t skipped;
        int r = confine_landlock(&ps, &skipped);
        if (r == -EOPNOTSUPP)
                return 77;
        if (r < 1 || skipped != 1)
                return 2;
        snprintf(p, sizeof(p), "%s/f", ro);
        int fd = open(p, O_RDONLY);
        if (fd < 0)
                return 3;
        close(fd);
        if (open(p, O_WRONLY) >= 0 || errno != EACCES)
                return 4;
        snprintf(p, sizeof(p), "%s/new", ro);
        if (open(p, O_WRONLY | O_CREAT, 0600) >= 0 || errno != EACCES)
                return 5;
        snprintf(p, sizeof(p), "%s/new", rw);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
                return 6;
        close(fd);
        char q[700];
        snprintf(q, sizeof(q), "%s/renamed", rw);
        if (rename(p, q) < 0 || unlink(q) < 0)
                return 7;
        snprintf(p, sizeof(p), "%s/f", out);
        if (open(p, O_RDONLY) >= 0 || errno != EACCES)
                return 8;
        if (mkdir(q, 0700) == 0 || errno != EACCES) /* files only, no directories */
                return 9;
        return 0;
}

static void test_landlock_bites(void **state)
{
        char *dir = tu_tmpdir(), p[700];
        const char *subs[] = {"ro", "rw", "out"};
        for (size_t i = 0; i < 3; i++) {
                snprintf(p, sizeof(p), "%s/%s", dir, subs[i]);
                assert_int_equal(mkdir(p, 0700), 0);
                write_at(p, "f");
        }
        int st = in_child(landlock_child, dir);
        tu_rmdir(dir);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 77)
                skip();
        assert_int_equal(WEXITSTATUS(st), 0);
}

static int seccomp_child(const char *what)
{
        int r = confine_seccomp(strcmp(what, "log-forbidden") == 0 ? CONFINE_SECCOMP_LOG
                                                                   : CONFINE_SECCOMP_ENFORCE);
        if (r == -EOPNOTSUPP)
                return 77;
        if (r < 0)
                return 1;
        if (strcmp(what, "unlisted") == 0) /* getpriority: on no list */
                return syscall(SYS_getpriority, 0, 0) < 0 && errno == EPERM ? 0 : 2;
        if (strcmp(what, "log-forbidden") == 0)
                return syscall(SYS_unshare, 0) < 0 && errno == EPERM ? 0 : 3;
        if (strcmp(what, "ordinary") == 0) { /* what serve does: files, time, memory */
                char *m = malloc(1 << 20);
                struct timespec ts;
                return m && clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && getpid() > 0 ? 0 : 4;
        }
        syscall(SYS_unshare, 0); /* forbidden: killed here */
        return 5;
}

static void test_seccomp_bites(void **state)
{
        int st = in_child(seccomp_child, "ordinary");
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 77)
                skip();
        assert_int_equal(WEXITSTATUS(st), 0);
        st = in_child(seccomp_child, "unlisted");
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        st = in_child(seccomp_child, "forbidden");
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGSYS);
        st = in_child(seccomp_child, "log-forbidden");
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_defaults),       cmocka_unit_test(test_from_settings),
            cmocka_unit_test(test_postgres_files), cmocka_unit_test(test_add),
            cmocka_unit_test(test_landlock_bites), cmocka_unit_test(test_seccomp_bites),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
