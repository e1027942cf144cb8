/* Where store tests keep a database, on either backend: a SQLite file, or,
 * when BOOTHERD_TEST_PG names a PostgreSQL database (tests/unit/store/
 * with-pg.sh starts one), a fresh schema in it reached through the URI's
 * search_path, so every fixture starts empty on both.  Include after
 * test_util.h. */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *tu_pg_url(void)
{
        const char *u = getenv("BOOTHERD_TEST_PG");
        return u && *u ? u : NULL;
}

/* Runs SQL on the PostgreSQL database at url (as its owner); asserts
 * success. */
static inline void tu_pg_exec(const char *url, const char *sql)
{
        PGconn *c = PQconnectdb(url);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
                print_error("pg: %s: %s\n", sql, PQerrorMessage(c));
        assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
        PQclear(r);
        PQfinish(c);
}

/* Writes the location of a new, empty database called name (unique within
 * the test's temporary directory dir) into buf. */
static inline void tu_db_location(const char *dir, const char *name, char *buf, size_t cap)
{
        const char *url = tu_pg_url();
        if (!url) {
                snprintf(buf, cap, "%s/%s.db", dir, name);
                return;
        }
        static unsigned n;
        char schema[64], sql[128];
        snprintf(schema, sizeof(schema), "t%d_%u_%s", (int)getpid(), n++, name);
        for (char *p = schema; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
                        *p = '_';
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
        tu_pg_exec(url, sql);
        snprintf(buf, cap, "%s%coptions=-csearch_path%%3D%s", url, strchr(url, '?') ? '&' : '?',
                 schema);
}
