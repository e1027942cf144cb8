/* A cmocka fixture with a fresh database in a temporary directory, shared by
 * the tests that need a real store.  Include after test_util.h. */
#pragma once

#include <stdio.h>

#include "store/store.h"

struct fixture {
        char *dir;
        char db[600];
        struct store *s;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->dir = tu_tmpdir();
        snprintf(f->db, sizeof(f->db), "%s/bootherd.db", f->dir);
        assert_int_equal(store_open(f->db, &f->s), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        store_close(f->s);
        tu_rmdir(f->dir);
        free(f);
        return 0;
}
