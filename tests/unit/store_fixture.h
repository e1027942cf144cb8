/* A cmocka fixture with a fresh database, shared by the tests that need a
 * real store: a SQLite file in a temporary directory, or a fresh schema in
 * the PostgreSQL database BOOTHERD_TEST_PG names (store_db.h).  f->db is
 * the location store_open() takes.  Include after test_util.h. */
#pragma once

#include <stdio.h>

#include "store/store.h"
#include "store_db.h"

struct fixture {
        char *dir;
        char db[600];
        struct store *s;
};

/* A MAC the test spells out; fails the test if it does not parse. */
static inline struct mac mac_of(const char *s)
{
        struct mac m;
        assert_int_equal(mac_parse_str(s, &m), 0);
        return m;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->dir = tu_tmpdir();
        tu_db_location(f->dir, "bootherd", f->db, sizeof(f->db));
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
