/* confine_nokernel [--eperm] CMD ARGS...: runs CMD as on a kernel without
 * Landlock and without seccomp filters (confine.sh): landlock_create_ruleset()
 * says ENOSYS, prctl(PR_GET_SECCOMP) says EINVAL, as such kernels do.
 * --eperm: as under an outer filter that refuses both (systemd's
 * SystemCallFilter= without @sandbox): EPERM from landlock_create_ruleset(),
 * seccomp() and prctl(PR_SET_SECCOMP). */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        int eperm = argc > 1 && strcmp(argv[1], "--eperm") == 0;
        argv += eperm;
        argc -= eperm;
        if (argc < 2) {
                fputs("usage: confine_nokernel [--eperm] CMD [ARGS...]\n", stderr);
                return 2;
        }
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int ll = seccomp_syscall_resolve_name("landlock_create_ruleset");
        int r = !ctx || ll == __NR_SCMP_ERROR ? -1 : 0;
        if (r == 0 && eperm)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), ll, 0) < 0 ||
                            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(seccomp), 0) <
                                0 ||
                            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prctl), 1,
                                             SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP)) < 0
                        ? -1
                        : 0;
        else if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), ll, 0) < 0 ||
                            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(prctl), 1,
                                             SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP)) < 0
                        ? -1
                        : 0;
        if (r < 0 || seccomp_load(ctx) < 0) {
                fputs("confine_nokernel: cannot load the filter\n", stderr);
                return 1;
        }
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        return 127;
}
