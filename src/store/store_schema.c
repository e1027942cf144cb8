/* Versioned schema migrations, for either backend: each backend lists its
 * migrations (store_schema_sqlite.c, store_schema_pg.c) and keeps its
 * version (PRAGMA user_version; the bootherd_schema table).  Each migration
 * runs in its own transaction with the version bump, so a failure leaves
 * the previous version intact; two servers opening one PostgreSQL database
 * at once migrate it once (the backend's schema_lock). */
#include "store/store_internal.h"

#include <stdio.h>

static int latest_of(const struct store_schema *sc)
{
        return sc->list[sc->n - 1].to;
}

int store_schema_latest(void)
{
        return latest_of(&store_sqlite_schema);
}

int store_schema_version(struct store *s, int *ret)
{
        return s->ops->schema_version(s, ret);
}

/* The migration that starts at version, or NULL. */
static const struct store_migration *migration_from(const struct store_schema *sc, int version)
{
        for (size_t i = 0; i < sc->n; i++) {
                int from = i ? sc->list[i - 1].to : 0;
                if (from == version)
                        return &sc->list[i];
        }
        return NULL;
}

static int newer_than_us(struct store *s, int version, int latest)
{
        return store_fail(s, -EPROTO, NULL,
                          "database schema version %d is newer than this bootherd (%d)", version,
                          latest);
}

/* One step under the write lock: 1 = migrated one version, 0 = current. */
static int migrate_step(struct store *s, const struct store_schema *sc)
{
        int version = 0, latest = latest_of(sc);
        int r = s->ops->schema_lock(s);
        if (r >= 0)
                r = s->ops->schema_version(s, &version);
        if (r < 0)
                return r;
        if (version > latest)
                return newer_than_us(s, version, latest);
        if (version == latest)
                return 0;
        const struct store_migration *m = migration_from(sc, version);
        if (!m)
                return store_fail(s, -EPROTO, NULL, "no %s migration from schema version %d",
                                  s->ops->name, version);
        r = store_exec(s, m->sql);
        if (r >= 0)
                r = s->ops->schema_set(s, m->to);
        if (r < 0) {
                char why[sizeof(s->errmsg)];
                snprintf(why, sizeof(why), "%s", s->errmsg);
                return store_fail(s, r, NULL, "migration to schema %d failed: %s", m->to, why);
        }
        return 1;
}

int store_migrate(struct store *s)
{
        const struct store_schema *sc = s->ops->schema;
        int version, latest = latest_of(sc);
        /* The common case, a current schema, takes no write lock. */
        int r = s->ops->schema_version(s, &version);
        if (r < 0)
                return r;
        if (version > latest)
                return newer_than_us(s, version, latest);
        while (version < latest) {
                r = store_begin(s);
                if (r < 0)
                        return r;
                r = migrate_step(s, sc);
                if (r > 0) {
                        r = store_commit(s);
                        if (r >= 0)
                                r = 1;
                }
                if (r <= 0) {
                        store_rollback(s);
                        return r;
                }
                version = -1; /* next turn reads it again, locked */
                r = s->ops->schema_version(s, &version);
                if (r < 0)
                        return r;
        }
        return 0;
}
