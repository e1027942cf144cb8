/* Shared helpers for unit tests (cmocka). */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh temporary directory; caller removes it with tu_rmdir(). */
static inline char *tu_tmpdir(void)
{
        char *d = strdup("/tmp/bootherd-test-XXXXXX");
        assert_non_null(d);
        assert_non_null(mkdtemp(d));
        return d;
}

static inline void tu_rmdir(char *d)
{
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
        assert_int_equal(system(cmd), 0);
        free(d);
}
