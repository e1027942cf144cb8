/* Kernel-confined file roots (src/core/fsroot.c): only regular files
 * beneath the root open; "..", absolute paths, symlinks (inside or
 * outside), directories, FIFOs, sockets and devices are refused. */
#include "../test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "core/fsroot.h"

struct fixture {
        char *outside; /* a directory holding the root and a secret */
        char root[600];
        int root_fd;
};

static void put_file(const char *dir, const char *rel, const char *content)
{
        char p[1200];
        snprintf(p, sizeof(p), "%s/%s", dir, rel);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(content, f);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->outside = tu_tmpdir();
        snprintf(f->root, sizeof(f->root), "%s/root", f->outside);
        assert_int_equal(mkdir(f->root, 0755), 0);
        put_file(f->outside, "secret", "SECRET\n");
        put_file(f->root, "vmlinuz", "KERNEL\n");
        char p[1200];
        snprintf(p, sizeof(p), "%s/debian", f->root);
        assert_int_equal(mkdir(p, 0755), 0);
        put_file(f->root, "debian/initrd.gz", "INITRD\n");
        /* symlinks: to the secret outside, to a file inside, a directory link */
        snprintf(p, sizeof(p), "%s/escape", f->root);
        assert_int_equal(symlink("../secret", p), 0);
        snprintf(p, sizeof(p), "%s/abs-escape", f->root);
        char target[1200];
        snprintf(target, sizeof(target), "%s/secret", f->outside);
        assert_int_equal(symlink(target, p), 0);
        snprintf(p, sizeof(p), "%s/inside", f->root);
        assert_int_equal(symlink("vmlinuz", p), 0);
        snprintf(p, sizeof(p), "%s/dirlink", f->root);
        assert_int_equal(symlink("debian", p), 0);
        snprintf(p, sizeof(p), "%s/fifo", f->root);
        assert_int_equal(mkfifo(p, 0644), 0);
        f->root_fd = fsroot_open(f->root);
        assert_true(f->root_fd >= 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        close(f->root_fd);
        tu_rmdir(f->outside);
        free(f);
        return 0;
}

static void expect_content(int fd, const char *want)
{
        char buf[64] = "";
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        assert_true(n >= 0);
        buf[n] = '\0';
        assert_string_equal(buf, want);
}

static void expect_ok(struct fixture *f, const char *rel, const char *content)
{
        struct stat st;
        int fd = fsroot_open_file(f->root_fd, rel, &st);
        if (fd < 0)
                print_error("fsroot_open_file(\"%s\") = %d (%s)\n", rel, fd, strerror(-fd));
        assert_true(fd >= 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_size, (off_t)strlen(content));
        /* The fd is back in blocking mode for sendfile/pread. */
        assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        expect_content(fd, content);
        close(fd);
}

/* Refused with one of the listed errors; *ret_st untouched. */
static void expect_refused(struct fixture *f, const char *rel, int e1, int e2)
{
        struct stat st;
        memset(&st, 0x5a, sizeof(st));
        int fd = fsroot_open_file(f->root_fd, rel, &st);
        if (fd >= 0 || (fd != e1 && fd != e2))
                print_error("fsroot_open_file(\"%s\") = %d (%s), expected %d or %d\n", rel, fd,
                            fd < 0 ? strerror(-fd) : "opened", e1, e2);
        if (fd >= 0)
                close(fd);
        assert_true(fd < 0);
        assert_true(fd == e1 || fd == e2);
        unsigned char *b = (unsigned char *)&st;
        for (size_t i = 0; i < sizeof(st); i++)
                assert_int_equal(b[i], 0x5a);
}

static void test_regular_files(void **state)
{
        struct fixture *f = *state;
        expect_ok(f, "vmlinuz", "KERNEL\n");
        expect_ok(f, "debian/initrd.gz", "INITRD\n");
        /* Leading '/' are ignored: the path is always relative to the root. */
        expect_ok(f, "/vmlinuz", "KERNEL\n");
        expect_ok(f, "//debian/initrd.gz", "INITRD\n");
        /* ".." that stays beneath the root is harmless. */
        expect_ok(f, "debian/../vmlinuz", "KERNEL\n");
        expect_ok(f, "./debian/./initrd.gz", "INITRD\n");
}

static void test_dotdot_refused(void **state)
{
        struct fixture *f = *state;
        expect_refused(f, "../secret", -EXDEV, -EXDEV);
        expect_refused(f, "..", -EXDEV, -EXDEV);
        expect_refused(f, "debian/../../secret", -EXDEV, -EXDEV);
        expect_refused(f, "debian/../../root/vmlinuz", -EXDEV, -EXDEV);
        expect_refused(f, "/../secret", -EXDEV, -EXDEV);
}

static void test_absolute_refused(void **state)
{
        struct fixture *f = *state;
        char p[1200];
        /* The host's files are never reachable by an absolute path. */
        expect_refused(f, "/etc/passwd", -ENOENT, -ENOENT);
        expect_refused(f, "//etc/passwd", -ENOENT, -ENOENT);
        snprintf(p, sizeof(p), "%s/secret", f->outside);
        expect_refused(f, p, -ENOENT, -ENOENT);
        expect_refused(f, "/proc/self/root/etc/passwd", -ENOENT, -ENOENT);
}

static void test_symlinks_refused(void **state)
{
        struct fixture *f = *state;
        expect_refused(f, "escape", -ELOOP, -EXDEV);
        expect_refused(f, "abs-escape", -ELOOP, -EXDEV);
        /* Even a symlink that stays inside: the root is for plain files. */
        expect_refused(f, "inside", -ELOOP, -ELOOP);
        expect_refused(f, "dirlink/initrd.gz", -ELOOP, -ELOOP);
}

static void test_non_regular_refused(void **state)
{
        struct fixture *f = *state;
        expect_refused(f, "debian", -EISDIR, -EISDIR);
        expect_refused(f, "debian/", -EISDIR, -EISDIR);
        expect_refused(f, ".", -EISDIR, -EISDIR);
        /* Opening a FIFO must neither hang nor succeed. */
        expect_refused(f, "fifo", -EACCES, -EACCES);
}

static void test_socket_refused(void **state)
{
        struct fixture *f = *state;
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        assert_true(s >= 0);
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        int n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", f->root);
        if (n >= (int)sizeof(sun.sun_path)) {
                close(s);
                skip();
        }
        assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
        expect_refused(f, "sock", -ENXIO, -EACCES);
        close(s);
}

static void test_device_refused(void **state)
{
        struct fixture *f = *state;
        char p[1200];
        snprintf(p, sizeof(p), "%s/null", f->root);
        /* A device node (needs CAP_MKNOD; skipped without it). */
        if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) < 0)
                skip();
        expect_refused(f, "null", -EACCES, -EACCES);
        snprintf(p, sizeof(p), "%s/tty", f->root);
        if (mknod(p, S_IFCHR | 0666, makedev(5, 0)) == 0)
                expect_refused(f, "tty", -EACCES, -ENXIO);
}

static void test_magic_links_refused(void **state)
{
        struct fixture *f = *state;
        /* A root that holds a proc-style magic link (bind of /proc is not
         * possible here): a symlink to /proc/self/fd/N is still a symlink. */
        char p[1200];
        snprintf(p, sizeof(p), "%s/fdlink", f->root);
        assert_int_equal(symlink("/proc/self/fd/0", p), 0);
        expect_refused(f, "fdlink", -ELOOP, -EXDEV);
}

static void test_bad_paths(void **state)
{
        struct fixture *f = *state;
        expect_refused(f, "", -EINVAL, -EINVAL);
        expect_refused(f, "/", -EINVAL, -EINVAL);
        expect_refused(f, "///", -EINVAL, -EINVAL);
        expect_refused(f, "missing", -ENOENT, -ENOENT);
        expect_refused(f, "vmlinuz/", -ENOTDIR, -ENOTDIR);
        char *big = malloc(5000);
        assert_non_null(big);
        memset(big, 'a', 4999);
        big[4999] = '\0';
        expect_refused(f, big, -ENAMETOOLONG, -ENAMETOOLONG);
        free(big);
}

static void test_open_root(void **state)
{
        struct fixture *f = *state;
        char p[1200];
        snprintf(p, sizeof(p), "%s/vmlinuz", f->root);
        assert_int_equal(fsroot_open(p), -ENOTDIR);
        snprintf(p, sizeof(p), "%s/absent", f->root);
        assert_int_equal(fsroot_open(p), -ENOENT);
}

/* Directories for listing and uploads: same confinement as files. */
static void test_open_dir(void **state)
{
        struct fixture *f = *state;
        int fd = fsroot_open_dir(f->root_fd, "");
        assert_true(fd >= 0);
        close(fd);
        fd = fsroot_open_dir(f->root_fd, "/debian");
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(fsroot_open_dir(f->root_fd, ".."), -EXDEV);
        assert_int_equal(fsroot_open_dir(f->root_fd, "debian/../.."), -EXDEV);
        assert_int_equal(fsroot_open_dir(f->root_fd, "dirlink"), -ELOOP);
        assert_int_equal(fsroot_open_dir(f->root_fd, "vmlinuz"), -ENOTDIR);
        assert_int_equal(fsroot_open_dir(f->root_fd, "absent"), -ENOENT);
}

static void test_split(void **state)
{
        (void)state;
        char dir[64], name[64];
        assert_int_equal(fsroot_split("debian/12/vmlinuz", dir, sizeof(dir), name, sizeof(name)),
                         0);
        assert_string_equal(dir, "debian/12");
        assert_string_equal(name, "vmlinuz");
        assert_int_equal(fsroot_split("/initrd.gz", dir, sizeof(dir), name, sizeof(name)), 0);
        assert_string_equal(dir, "");
        assert_string_equal(name, "initrd.gz");
        const char *bad[] = {"",    "debian/", "..",        "a/..", ".hidden", "a/.upload-x",
                             "a b", "a\\b",    "tab\tname", "nl\n"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(fsroot_split(bad[i], dir, sizeof(dir), name, sizeof(name)),
                                 -EINVAL);
        assert_int_equal(fsroot_split("a/b", dir, 1, name, sizeof(name)), -ENAMETOOLONG);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(test_regular_files),
            T(test_dotdot_refused),
            T(test_absolute_refused),
            T(test_symlinks_refused),
            T(test_non_regular_refused),
            T(test_socket_refused),
            T(test_device_refused),
            T(test_magic_links_refused),
            T(test_bad_paths),
            T(test_open_root),
            T(test_open_dir),
            T(test_split),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
