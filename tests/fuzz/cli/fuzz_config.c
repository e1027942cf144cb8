/* libFuzzer target: the configuration file parser with every section the
 * daemon registers ([server], [images], [boot], [auth], [bootfiles], [http],
 * [tftp], [dhcp], [subnet NAME], [ra], [store]), exactly as `bootherd -c`
 * loads it (cli_config_init + config_load), then the DHCP cross-checks the
 * server runs at start.
 *
 * A configuration file is administrator input, not network input, but it
 * is text a tool or a template may have produced: it must never crash the
 * parser, leak, or leave an error message unterminated; a rejected file
 * names its line.  The input reaches config_load through a memfd, so the
 * real stdio path (long lines, continuation lines, no final newline) runs. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/cli.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        __builtin_trap();                                                          \
        } while (0)

static int load(struct cli *c, const uint8_t *data, size_t size, char err[CONFIG_ERR_MAX])
{
        int fd = memfd_create("bootherd-fuzz.conf", MFD_CLOEXEC);
        CHECK(fd >= 0);
        size_t off = 0;
        while (off < size) {
                ssize_t n = write(fd, data + off, size - off);
                CHECK(n > 0);
                off += (size_t)n;
        }
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        int r = config_load(&c->cfg, path, err);
        close(fd);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cli c = {0};
        CHECK(cli_config_init(&c) == 0);
        char err[CONFIG_ERR_MAX];
        memset(err, 0x5a, sizeof(err));
        int r = load(&c, data, size, err);
        if (r < 0) {
                CHECK(memchr(err, '\0', sizeof(err)) != NULL);
                CHECK(strncmp(err, "/proc/self/fd/", 14) == 0); /* names the file */
        } else {
                char derr[DHCP_CONFIG_ERR_MAX];
                if (dhcp_config_check(&c.dhcp, derr) < 0)
                        CHECK(memchr(derr, '\0', sizeof(derr)) != NULL);
                /* A second load over the first must work the same way (the
                 * daemon loads defaults, then the file, then flags). */
                (void)load(&c, data, size, err);
        }
        cli_config_done(&c);
        return 0;
}
