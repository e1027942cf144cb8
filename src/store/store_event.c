/* The boot event log and the machine "last seen / last stage" it feeds. */
#include "store/store_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row update per MAC and batch: ?2 is the time of the MAC's first event
 * in the batch, ?4 the latest time, ?3 the stage of the last event with
 * that latest time, ?5 its server.  Applying it once gives the row that
 * applying the per-event form (?2 = ?4 = the event's time) to each event in
 * order would: first_seen/created come from the first event, last_seen and
 * last_stage_at are maxima, and last_stage (last_server) follows the last
 * event that reached the running maximum, which is the last one at the
 * maximum.  ?6..?10 carry the batch's effect on the failure state
 * (boot_fold): with a failure (?7 not NULL) its stage, outcome,
 * detail, time and rank replace the row's; without, a stored failure of
 * rank <= ?10 is cleared.  The row's columns on the right-hand side are its
 * old values, so fail_rank is compared before it changes.  ?11 is the
 * batch's attempt stages (boot_fold.mask) with two carrier bits: the batch
 * started a new attempt after its first step (ATTEMPT_RESTARTED: the mask
 * replaces the row's), or its first ranked step is a dhcp step
 * (ATTEMPT_FIRST_DHCP: a new attempt when the row's last step was a script,
 * kernel or initrd step; boot_attempt_starts()); otherwise the masks
 * merge.
 * (CASE rather than SQLite's two-argument max(): PostgreSQL has greatest()
 * instead; the existing row's columns are named with the table, which
 * PostgreSQL requires in DO UPDATE.)
 *
 * Built once, at first use, for one row and for CHUNK rows per statement
 * (one round trip on PostgreSQL instead of CHUNK; fewer VM runs on
 * SQLite); the arrays' addresses are the statement cache's keys like a
 * literal's.  The upsert reads the proposed row through excluded.*, which
 * carries exactly the parameters above; a batch has one row per MAC, as a
 * multi-row upsert must. */
#define CHUNK     16
#define SEEN_COLS 12
#define EV_COLS   10

/* Decimal: they are also written into the SQL (STR). */
#define ATTEMPT_FIRST_DHCP 536870912  /* 1 << 29 */
#define ATTEMPT_RESTARTED  1073741824 /* 1 << 30 */
#define STR_(x)            #x
#define STR(x)             STR_(x)

#define FAIL_COL(col, none)                                                                        \
        "fail_" col " = CASE WHEN excluded.fail_outcome IS NOT NULL THEN excluded.fail_" col       \
        " WHEN machine.fail_rank <= excluded.fail_rank THEN " none " ELSE machine.fail_" col       \
        " END, "

static char sql_seen_one[4096], sql_seen_many[8192], sql_events_one[512], sql_events_many[2048];
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

/* attempt_stages: the batch's mask replaces the row's when it starts a new
 * attempt (see ?11 above; boot_attempt_starts() for its first step against
 * the row's last one, whose rank + 1 is in bits 10-12 and time in
 * attempt_at), else the two merge; the last step is the batch's when it has
 * a ranked step. */
/* clang-format off */
#define LAST_RANK(t) "((" t ".attempt_stages >> 10) & 7)"
#define SQL_ATTEMPT \
        "attempt_stages = (CASE WHEN (excluded.attempt_stages & " STR(ATTEMPT_RESTARTED) ") <> 0" \
        " OR (machine.attempt_at > 0 AND (" \
        "  ((excluded.attempt_stages & " STR(ATTEMPT_FIRST_DHCP) ") <> 0" \
        "   AND " LAST_RANK("machine") " >= 3)" \
        "  OR excluded.first_seen - machine.attempt_at > " STR(BOOT_ATTEMPT_GAP_MS) "))" \
        " THEN excluded.attempt_stages & " STR(BOOT_MASK_ALL) \
        " ELSE (machine.attempt_stages & " STR(BOOT_MASK_ALL) ")" \
        "  | (excluded.attempt_stages & " STR(BOOT_MASK_ALL) ") END)" \
        " | (CASE WHEN " LAST_RANK("excluded") " > 0 THEN excluded.attempt_stages & 7168" \
        "  ELSE machine.attempt_stages & 7168 END), " \
        "attempt_at = CASE WHEN " LAST_RANK("excluded") " > 0 THEN excluded.attempt_at" \
        " ELSE machine.attempt_at END"
/* clang-format on */

static void build_seen(char *buf, size_t cap, int rows)
{
        size_t o =
            (size_t)snprintf(buf, cap,
                             "INSERT INTO machine (mac, state, notes, first_seen, last_seen, "
                             "last_stage, last_stage_at, created, last_server, fail_stage, "
                             "fail_outcome, fail_detail, fail_at, fail_rank, attempt_stages, "
                             "attempt_at) "
                             "VALUES ");
        for (int r = 0, b = 0; r < rows; r++, b += SEEN_COLS)
                o +=
                    (size_t)snprintf(buf + o, cap - o,
                                     "%s(?%d, 'discovered', '', ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, "
                                     "?%d, ?%d, ?%d, ?%d, ?%d, ?%d)",
                                     r ? ", " : "", b + 1, b + 2, b + 4, b + 3, b + 4, b + 2, b + 5,
                                     b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12);
        snprintf(
            buf + o, cap - o,
            " ON CONFLICT (mac) DO UPDATE SET "
            "first_seen = coalesce(machine.first_seen, excluded.first_seen), "
            "last_seen = CASE WHEN coalesce(machine.last_seen, 0) > excluded.last_seen "
            "THEN coalesce(machine.last_seen, 0) ELSE excluded.last_seen END, "
            "last_server = CASE WHEN excluded.last_seen >= coalesce(machine.last_seen, 0) "
            "THEN excluded.last_server ELSE machine.last_server END, "
            "last_stage = CASE WHEN excluded.last_stage_at >= "
            "coalesce(machine.last_stage_at, 0) THEN excluded.last_stage "
            "ELSE machine.last_stage END, "
            "last_stage_at = CASE WHEN coalesce(machine.last_stage_at, 0) > "
            "excluded.last_stage_at THEN coalesce(machine.last_stage_at, 0) "
            "ELSE excluded.last_stage_at END, " FAIL_COL("stage", "NULL")
                FAIL_COL("outcome", "NULL") FAIL_COL("detail", "NULL") FAIL_COL(
                    "at", "0") "fail_rank = CASE WHEN excluded.fail_outcome IS NOT NULL "
                               "THEN excluded.fail_rank ELSE machine.fail_rank END, " SQL_ATTEMPT);
}

static void build_events(char *buf, size_t cap, int rows)
{
        size_t o = (size_t)snprintf(buf, cap,
                                    "INSERT INTO event (time, mac, stage, detail, peer, server, "
                                    "outcome, bytes, size, duration_ms) VALUES ");
        for (int r = 0, b = 0; r < rows; r++, b += EV_COLS)
                o += (size_t)snprintf(buf + o, cap - o,
                                      "%s(?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d)",
                                      r ? ", " : "", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6,
                                      b + 7, b + 8, b + 9, b + 10);
}

static void build_sql(void)
{
        build_seen(sql_seen_one, sizeof(sql_seen_one), 1);
        build_seen(sql_seen_many, sizeof(sql_seen_many), CHUNK);
        build_events(sql_events_one, sizeof(sql_events_one), 1);
        build_events(sql_events_many, sizeof(sql_events_many), CHUNK);
}

static const char SQL_EVENT_TRIM[] =
    "DELETE FROM event WHERE id <= (SELECT max(id) FROM event) - ?1";

/* A MAC's events in a batch: indexes of its first event and of the last
 * event carrying its latest time.  Under load a batch holds several events
 * per machine (script, kernel, initrd, retries); one upsert each instead of
 * one per event. */
struct seen {
        uint32_t first, latest;
        bool used;
        struct boot_fold fold; /* its failure and attempt state (boot_outcome.h) */
        bool first_dhcp;       /* its first ranked step is a dhcp step */
        bool ranked;           /* it has a ranked step */
};

static size_t mac_slot(const struct mac *m, size_t mask)
{
        uint64_t k = 0;
        memcpy(&k, m->b, MAC_LEN);
        return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 40) & mask;
}

static struct seen *seen_find(struct seen *tab, size_t mask, const struct boot_event *evs,
                              const struct mac *m)
{
        size_t i = mac_slot(m, mask);
        while (tab[i].used && memcmp(evs[tab[i].first].mac.b, m->b, MAC_LEN) != 0)
                i = (i + 1) & mask;
        return &tab[i];
}

static const char *server_of(const struct boot_event *e)
{
        return e->server[0] ? e->server : store_origin();
}

/* One machine's update: its first and latest events (struct seen). */
struct seen_row {
        const struct boot_event *first, *latest;
        const struct boot_event *fail; /* the failure that stands, or NULL */
        int64_t fail_rank;             /* fail's rank, else the clear rank */
        int64_t attempt; /* mask | last rank + 1 << 10 | ATTEMPT_RESTARTED | ATTEMPT_FIRST_DHCP */
        int64_t attempt_at; /* the last ranked step's time (0: none) */
        char mac[MAC_STR_LEN];
};

static void seen_bind(struct store_stmt *st, int b, const struct seen_row *r)
{
        store_bind_text(st, b + 1, r->mac);
        store_bind_int64(st, b + 2, r->first->time);
        store_bind_text(st, b + 3, r->latest->stage);
        store_bind_int64(st, b + 4, r->latest->time);
        store_bind_text(st, b + 5, server_of(r->latest));
        if (r->fail) {
                store_bind_text(st, b + 6, r->fail->stage);
                store_bind_text(st, b + 7, r->fail->outcome);
                store_bind_text(st, b + 8, r->fail->detail);
        }
        store_bind_int64(st, b + 9, r->fail ? r->fail->time : 0);
        store_bind_int64(st, b + 10, r->fail_rank);
        store_bind_int64(st, b + 11, r->attempt);
        store_bind_int64(st, b + 12, r->attempt_at);
}

static int seen_write(struct store *s, const struct seen_row *rows, size_t n)
{
        size_t i = 0;
        for (; i + CHUNK <= n; i += CHUNK) {
                struct store_stmt *st = store_prepare(s, sql_seen_many);
                if (!st)
                        return -EIO;
                for (int r = 0; r < CHUNK; r++)
                        seen_bind(st, r * SEEN_COLS, &rows[i + (size_t)r]);
                if (store_step(st) < 0)
                        return store_db_fail(s, "machine seen");
        }
        for (; i < n; i++) {
                struct store_stmt *st = store_prepare(s, sql_seen_one);
                if (!st)
                        return -EIO;
                seen_bind(st, 0, &rows[i]);
                if (store_step(st) < 0)
                        return store_db_fail(s, "machine seen");
        }
        return 0;
}

/* Updates each machine seen in the batch once (creating unknown MACs as
 * discovered), in the order of their first event. */
static int record_seen(struct store *s, const struct boot_event *evs, size_t n)
{
        size_t cap = 64;
        while (cap < 2 * n)
                cap *= 2;
        struct seen *tab = calloc(cap, sizeof(*tab));
        struct seen_row *rows = malloc(n * sizeof(*rows));
        if (!tab || !rows) {
                free(tab);
                free(rows);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
                struct seen *e = seen_find(tab, cap - 1, evs, &evs[i].mac);
                if (!e->used) {
                        *e = (struct seen){
                            .first = (uint32_t)i, .latest = (uint32_t)i, .used = true};
                        boot_fold_init(&e->fold);
                } else if (evs[i].time >= evs[e->latest].time) {
                        e->latest = (uint32_t)i;
                }
                int rank = boot_stage_rank(evs[i].stage);
                if (rank >= 0 && !e->ranked) {
                        e->ranked = true;
                        e->first_dhcp = rank == 0;
                }
                boot_fold_add(&e->fold, (int)i, evs[i].time, evs[i].stage, evs[i].outcome);
        }
        size_t n_rows = 0;
        for (size_t i = 0; i < n; i++) {
                const struct seen *e = seen_find(tab, cap - 1, evs, &evs[i].mac);
                if (e->first != i)
                        continue;
                struct seen_row *r = &rows[n_rows++];
                r->first = &evs[i];
                r->latest = &evs[e->latest];
                r->fail = e->fold.fail >= 0 ? &evs[e->fold.fail] : NULL;
                r->fail_rank = r->fail ? e->fold.fail_rank : e->fold.clear_rank;
                r->attempt = e->fold.mask | (e->fold.restarted ? ATTEMPT_RESTARTED : 0) |
                             (e->first_dhcp ? ATTEMPT_FIRST_DHCP : 0) |
                             (e->ranked ? (int64_t)(e->fold.prev_rank + 1) << 10 : 0);
                r->attempt_at = e->ranked ? e->fold.prev_time : 0;
                mac_format(&evs[i].mac, r->mac);
        }
        free(tab);
        int ret = seen_write(s, rows, n_rows);
        free(rows);
        return ret;
}

static void event_bind(struct store_stmt *st, int b, const struct boot_event *e, const char *mac)
{
        store_bind_int64(st, b + 1, e->time);
        store_bind_text(st, b + 2, mac);
        store_bind_text(st, b + 3, e->stage);
        store_bind_text(st, b + 4, e->detail);
        store_bind_text(st, b + 5, e->peer);
        store_bind_text(st, b + 6, server_of(e));
        store_bind_text(st, b + 7, e->outcome[0] ? e->outcome : BOOT_OK);
        if (e->xfer) {
                store_bind_int64(st, b + 8, e->bytes);
                store_bind_int64(st, b + 9, e->size);
                store_bind_int64(st, b + 10, e->duration_ms);
        }
}

/* Appends the events in order, CHUNK per statement. */
static int record_events(struct store *s, const struct boot_event *evs, size_t n)
{
        char macs[CHUNK][MAC_STR_LEN]; /* bound, not copied: alive until the step */
        size_t i = 0;
        while (i < n) {
                bool many = n - i >= CHUNK;
                struct store_stmt *st = store_prepare(s, many ? sql_events_many : sql_events_one);
                if (!st)
                        return -EIO;
                int rows = many ? CHUNK : 1;
                for (int r = 0; r < rows; r++, i++) {
                        mac_format(&evs[i].mac, macs[r]);
                        event_bind(st, r * EV_COLS, &evs[i], macs[r]);
                }
                if (store_step(st) < 0)
                        return store_db_fail(s, "event write");
        }
        return 0;
}

static int record_tx(struct store *s, struct boot_event *evs, size_t n, int64_t retention);

/* Drops the events whose MAC cannot be a machine's (mac_is_machine()): the
 * boot paths take any MAC a packet or URL carries, and none of broadcast,
 * all-zero or multicast becomes a discovered machine. */
static size_t drop_non_machines(struct boot_event *evs, size_t n)
{
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (mac_is_machine(&evs[i].mac))
                        evs[k++] = evs[i];
        return k;
}

int store_record_events(struct store *s, const struct boot_event *evs, size_t n, int64_t retention)
{
        if (n == 0)
                return 0;
        /* A copy the filters below can shorten. */
        struct boot_event *own = malloc(n * sizeof(*own));
        if (!own)
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        memcpy(own, evs, n * sizeof(*own));
        size_t k = drop_non_machines(own, n);
        int r = k ? record_tx(s, own, k, retention) : 0;
        free(own);
        return r;
}

/* In one transaction: the discovery limits (store_discovery.c) drop the
 * contacts of new MACs that may not become machines now, repeats fold into
 * one event, then the machines and events are written and trimmed. */
static int record_tx(struct store *s, struct boot_event *evs, size_t n, int64_t retention)
{
        int r = store_begin(s);
        if (r < 0)
                return r;
        pthread_once(&sql_once, build_sql);
        r = store_discovery_filter(s, evs, &n);
        if (r >= 0)
                r = store_events_fold(s, evs, &n);
        if (r >= 0 && n)
                r = record_seen(s, evs, n);
        if (r >= 0 && n)
                r = record_events(s, evs, n);
        if (r >= 0 && retention > 0) {
                struct store_stmt *st = store_prepare(s, SQL_EVENT_TRIM);
                if (!st) {
                        r = -EIO;
                } else {
                        store_bind_int64(st, 1, retention);
                        if (store_step(st) < 0)
                                r = store_db_fail(s, "event trim");
                }
        }
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

static const char SQL_EVENTS_AFTER[] =
    "SELECT id, time, mac, stage, detail, peer, server FROM event "
    "WHERE id > ?1 ORDER BY id LIMIT ?2";

/* One row of SQL_EVENTS_FIND's columns 0-10 (SQL_EVENTS_AFTER's 0-6). */
static void event_cols(struct store_stmt *st, struct boot_event *e)
{
        memset(e, 0, sizeof(*e));
        e->id = store_col_int64(st, 0);
        e->time = store_col_int64(st, 1);
        const char *text = store_col_text(st, 2);
        if (text)
                (void)mac_parse_str(text, &e->mac);
        store_col_copy(st, 3, e->stage, sizeof(e->stage));
        store_col_copy(st, 4, e->detail, sizeof(e->detail));
        store_col_copy(st, 5, e->peer, sizeof(e->peer));
        store_col_copy(st, 6, e->server, sizeof(e->server));
        store_col_copy(st, 7, e->outcome, sizeof(e->outcome));
        e->xfer = !store_col_null(st, 8);
        e->bytes = store_col_int64(st, 8);
        e->size = store_col_int64(st, 9);
        e->duration_ms = store_col_int64(st, 10);
}

/* Reads every row of st (SQL_EVENTS_AFTER) into a new array. */
static int events_read(struct store *s, struct store_stmt *st, struct boot_event **ret,
                       size_t *ret_n)
{
        struct boot_event *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct boot_event *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        free(v);
                        store_reset(st);
                        return store_fail(s, -ENOMEM, NULL, "out of memory");
                }
                v = nv;
                event_cols(st, &v[n++]);
        }
        store_reset(st);
        if (rc != STORE_DONE) {
                free(v);
                return store_db_fail(s, "event list");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int store_events_list(struct store *s, const struct mac *mac, int64_t since_ms, int64_t limit,
                      struct boot_event **ret, size_t *ret_n)
{
        struct event_filter f = {.mac = mac, .since_ms = since_ms, .limit = limit};
        struct event_row *rows;
        size_t n;
        int r = store_events_find(s, &f, &rows, &n);
        if (r < 0)
                return r;
        /* The rows without their host names, in place. */
        struct boot_event *v = (struct boot_event *)rows;
        for (size_t i = 0; i < n; i++) {
                free(rows[i].hostname);
                memmove(&v[i], &rows[i].e, sizeof(v[i]));
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int store_events_after(struct store *s, int64_t after_id, int64_t limit, struct boot_event **ret,
                       size_t *ret_n)
{
        if (after_id < 0)
                return store_events_list(s, NULL, 0, 1, ret, ret_n);
        struct store_stmt *st = store_prepare(s, SQL_EVENTS_AFTER);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, after_id);
        store_bind_int64(st, 2, limit > 0 ? limit : 100);
        return events_read(s, st, ret, ret_n);
}

/* Pages newest first by id (the primary key, so a page is an index range
 * however large the log).  ?6 is the search lower-cased with LIKE's
 * wildcards escaped, ?7 the same with '-' for ':' (a MAC typed either way). */
static const char SQL_EVENTS_FIND[] =
    "SELECT e.id, e.time, e.mac, e.stage, e.detail, e.peer, e.server, e.outcome, e.bytes, "
    "e.size, e.duration_ms, m.hostname "
    "FROM event e LEFT JOIN machine m ON m.mac = e.mac "
    "WHERE (CAST(?1 AS TEXT) IS NULL OR e.mac = ?1) AND e.time >= ?2 "
    "AND (CAST(?3 AS BIGINT) = 0 OR e.id < ?3) "
    "AND (CAST(?4 AS TEXT) IS NULL OR e.stage = ?4) "
    "AND (CAST(?5 AS BIGINT) = 0 OR e.outcome NOT IN ('', '" BOOT_OK "')) "
    "AND (CAST(?6 AS TEXT) IS NULL OR e.mac LIKE ?6 ESCAPE '\\' "
    "     OR e.mac LIKE CAST(?7 AS TEXT) ESCAPE '\\' OR lower(m.hostname) LIKE ?6 ESCAPE '\\') "
    "ORDER BY e.id DESC LIMIT ?8";

void event_rows_free(struct event_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(rows[i].hostname);
        free(rows);
}

/* "%q%" lower-cased, with LIKE's %, _ and the escape escaped; with_colons
 * turns '-' into ':' (the stored MAC form).  NULL when out of memory. */
static char *like_pattern(const char *q, bool with_colons)
{
        size_t len = strlen(q);
        char *p = malloc(2 * len + 3), *o = p;
        if (!p)
                return NULL;
        *o++ = '%';
        for (const char *c = q; *c; c++) {
                char ch = (char)tolower((unsigned char)*c);
                if (with_colons && ch == '-')
                        ch = ':';
                if (ch == '%' || ch == '_' || ch == '\\')
                        *o++ = '\\';
                *o++ = ch;
        }
        *o++ = '%';
        *o = '\0';
        return p;
}

int store_events_find(struct store *s, const struct event_filter *f, struct event_row **ret,
                      size_t *ret_n)
{
        char m[MAC_STR_LEN];
        char *like = NULL, *like_mac = NULL;
        if (f->q && *f->q) {
                like = like_pattern(f->q, false);
                like_mac = like_pattern(f->q, true);
                if (!like || !like_mac) {
                        free(like);
                        free(like_mac);
                        return store_fail(s, -ENOMEM, NULL, "out of memory");
                }
        }
        struct store_stmt *st = store_prepare(s, SQL_EVENTS_FIND);
        if (!st) {
                free(like);
                free(like_mac);
                return -EIO;
        }
        if (f->mac) {
                mac_format(f->mac, m);
                store_bind_text(st, 1, m);
        }
        store_bind_int64(st, 2, f->since_ms);
        store_bind_int64(st, 3, f->before_id > 0 ? f->before_id : 0);
        if (f->stage && *f->stage)
                store_bind_text(st, 4, f->stage);
        store_bind_int64(st, 5, f->failed ? 1 : 0);
        if (like) {
                store_bind_text(st, 6, like);
                store_bind_text(st, 7, like_mac);
        }
        store_bind_int64(st, 8, f->limit > 0 ? f->limit : 100);
        struct event_row *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct event_row *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv)
                        break;
                v = nv;
                event_cols(st, &v[n].e);
                const char *h = store_col_text(st, 11);
                v[n].hostname = h && *h ? strdup(h) : NULL;
                n++;
                if (h && *h && !v[n - 1].hostname)
                        break;
        }
        store_reset(st);
        free(like);
        free(like_mac);
        if (rc == STORE_ROW) {
                event_rows_free(v, n);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        if (rc != STORE_DONE) {
                event_rows_free(v, n);
                return store_db_fail(s, "event list");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
