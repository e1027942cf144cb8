/* The inventory store: images, machines, boot events (and, in later schema
 * versions, leases and users).  The only place that knows SQL.
 *
 * One `struct store` is one database connection: use it from one thread at a
 * time (HTTP worker threads each open their own).  Every write is one
 * transaction.  Functions return 0 or a negative errno:
 *   -ENOENT  the named object does not exist
 *   -EEXIST  a unique value is taken (name, MAC, IPv4)
 *   -EBUSY   refused because other objects depend on it
 *   -EINVAL  a value failed validation
 *   -EIO     the database failed
 * and leave a one-line human explanation in store_errmsg() (plus the field
 * it concerns in store_errfield(), or NULL).  Outputs (ret_*) are written
 * only on success; the caller frees them with the matching *_free(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/boot_attempts.h"
#include "core/boot_event.h"
#include "core/boot_outcome.h"
#include "core/mac.h"

struct store;

/* Opens the database at `where` and migrates its schema to the current
 * version.  `where` is a file path (SQLite, created if needed: WAL mode,
 * foreign keys, busy timeout) or a libpq connection URI starting with
 * postgresql:// or postgres:// (PostgreSQL 11 or later; the database must
 * exist, its tables are created).  On failure prints one line naming the
 * database (without its password) to stderr. */
int store_open(const char *where, struct store **ret);
/* Whether `where` names a PostgreSQL database rather than a SQLite file. */
bool store_is_url(const char *where);
/* `where` as safe to log: a URI without its user-info part and with any
 * password parameter masked. */
void store_location_display(const char *where, char *buf, size_t cap);
/* "sqlite" or "postgresql". */
const char *store_backend_name(const struct store *s);
void store_close(struct store *s);
const char *store_errmsg(const struct store *s);
const char *store_errfield(const struct store *s);
int store_schema_version(struct store *s, int *ret);
/* Current schema version this build migrates to. */
int store_schema_latest(void);

/* Milliseconds since the Unix epoch (the store's time unit). */
int64_t store_now_ms(void);

/* ---- images ---- */

struct image {
        char *name;     /* [a-z0-9][a-z0-9._-]{0,62} */
        char *kernel;   /* path under the images root, or http(s) URL; may be "" with a script */
        char **initrds; /* ordered */
        size_t n_initrds;
        char *cmdline;
        char *script;      /* optional iPXE script template; NULL = kernel/initrd/boot */
        char *grub_script; /* optional GRUB configuration template; NULL = linux/initrd/boot */
        char *description;
        /* ARM64 machines (DHCP arch 11/19, GRUB's $grub_cpu, iPXE's
         * ${buildarch} "arm64") boot kernel_arm64 + initrds_arm64 instead
         * of kernel + initrds when kernel_arm64 is set (not "" / NULL):
         * one image serves x86-64 and arm64 machines. */
        char *kernel_arm64;
        char **initrds_arm64; /* ordered; only with kernel_arm64 */
        size_t n_initrds_arm64;
        int64_t created, updated; /* ms */
        int64_t machines;         /* machines assigned it (get and list) */
};

void image_done(struct image *img);
void image_list_free(struct image *imgs, size_t n);

/* Validates and inserts (create) or replaces (!create) the image. */
int store_image_put(struct store *s, const struct image *img, bool create);
int store_image_get(struct store *s, const char *name, struct image *ret);
int store_image_list(struct store *s, struct image **ret, size_t *ret_n);
/* Refused with -EBUSY naming the machines that use it, unless force, which
 * unassigns them in the same transaction. */
int store_image_remove(struct store *s, const char *name, bool force);

/* ---- machines ---- */

enum machine_state { MACHINE_DISCOVERED, MACHINE_ASSIGNED, MACHINE_UNASSIGNED };
const char *machine_state_name(enum machine_state st);
int machine_state_parse(const char *s, enum machine_state *ret);

struct machine {
        struct mac mac;
        char *hostname; /* NULL = none */
        char *image;    /* NULL = none */
        uint32_t ipv4;  /* host order; 0 = no reservation */
        char *notes;    /* never NULL after get */
        enum machine_state state;
        char *boot_file;  /* first-stage override ("snponly.efi"); NULL = by arch */
        bool netboot;     /* false: DHCP gives an address but no boot file */
        bool secure_boot; /* UEFI x86-64 PXE gets the signed chain (shimx64.efi), not iPXE */
        int64_t first_seen, last_seen; /* ms; 0 = never */
        char *last_stage;              /* NULL = never booted */
        int64_t last_stage_at;
        int64_t created;
        char *last_server; /* server of the latest contact (store_set_origin); NULL = none */
        /* ms when DHCP fell back from snponly.efi to ipxe.efi for this
         * machine (it never came back as iPXE); 0 = no fallback.  Set by
         * store_machine_set_fallback, cleared when the admin changes
         * boot_file. */
        int64_t snponly_fallback_at;
        /* Its current failure (core/boot_outcome.h): the failed step's
         * stage, outcome code and detail; fail_outcome NULL = not failing. */
        char *fail_stage, *fail_outcome, *fail_detail;
        int64_t fail_at; /* ms */
        /* The stages its latest attempt went through: BOOT_MASK_OK(rank)
         * and BOOT_MASK_FAILED(rank) bits (boot_outcome.h); 0 = unknown. */
        unsigned attempt_stages;
};

void machine_done(struct machine *m);
void machine_list_free(struct machine *ms, size_t n);

/* Inserts a machine the administrator names (state assigned/unassigned from
 * whether it has an image).  A machine already *discovered* is adopted: its
 * admin fields are set and its history kept.  -EEXIST if already managed. */
int store_machine_add(struct store *s, const struct machine *m);
/* Replaces the admin fields (hostname, image, ipv4, notes, boot_file,
 * netboot, secure_boot) of an existing machine; state follows the image. */
int store_machine_update(struct store *s, const struct machine *m);
int store_machine_get(struct store *s, const struct mac *mac, struct machine *ret);
int store_machine_remove(struct store *s, const struct mac *mac);
/* Records (at > 0) or clears (0) the snponly.efi -> ipxe.efi fallback;
 * -ENOENT when no row has this MAC. */
int store_machine_set_fallback(struct store *s, const struct mac *mac, int64_t at);
/* image NULL = unassign. */
int store_machine_assign(struct store *s, const struct mac *mac, const char *image);
/* Assigns every MAC (all or nothing). */
int store_machine_assign_many(struct store *s, const struct mac *macs, size_t n, const char *image);

/* Bulk adoption of discovered machines (store_adopt.c), in ONE
 * transaction: every machine gets the image, a host name from the pattern
 * (core/adopt_plan.h; names already used are skipped) and an address from
 * [ip_from, ip_to] (reserved or currently leased addresses are skipped).
 * Machines: macs (in that order), or with all, every discovered machine
 * matching text (oldest first_seen first).  Errors change nothing: -ENOSPC
 * the range has fewer free addresses than machines (ret->needed,
 * ret->ips_free say how many); -EEXIST a MAC already managed; -ENOENT an
 * unknown MAC or image; -EINVAL a bad pattern, range or count. */
#define STORE_ADOPT_MAX 10000 /* machines per call */

struct adopt_request {
        const struct mac *macs;
        size_t n;
        bool all;         /* instead of macs: every discovered machine ... */
        const char *text; /* ... matching this (as machine_filter.text); NULL = any */
        const char *image;
        const char *hostname_pattern; /* NULL: host names unchanged (none) */
        uint64_t start;               /* first number for {n} */
        uint32_t ip_from, ip_to;      /* host order, inclusive; 0: no addresses */
};

struct adopt_row {
        struct mac mac;
        char hostname[254]; /* "" = none */
        uint32_t ipv4;      /* 0 = none */
};

struct adopt_result {
        struct adopt_row *rows; /* malloc'ed; free() */
        size_t n;
        size_t needed, ips_free; /* -ENOSPC: machines, free addresses in the range */
        size_t names_skipped, ips_skipped;
};

int store_discovered_adopt(struct store *s, const struct adopt_request *req,
                           struct adopt_result *ret);

/* List order: one column (empty values last in either direction), then MAC. */
enum machine_sort {
        MACHINE_SORT_MAC,
        MACHINE_SORT_HOSTNAME,
        MACHINE_SORT_IMAGE,
        MACHINE_SORT_IP,
        MACHINE_SORT_STATE,
        MACHINE_SORT_FIRST_SEEN,
        MACHINE_SORT_LAST_SEEN,
        MACHINE_SORT_LAST_BOOT, /* last_stage_at */
        MACHINE_SORT_CREATED,
        MACHINE_SORT_N
};
/* "hostname" or "-hostname" (descending): 0, or -EINVAL for an unknown column. */
int machine_sort_parse(const char *s, enum machine_sort *ret, bool *ret_desc);

struct machine_filter {
        int state;             /* -1 = any, else enum machine_state */
        const char *image;     /* NULL = any */
        const char *text;      /* substring of MAC, hostname, notes, image; NULL = any */
        bool failing;          /* only machines whose last boot step failed */
        int64_t offset, limit; /* limit <= 0: no limit */
        enum machine_sort sort;
        bool desc;
};

int store_machine_list(struct store *s, const struct machine_filter *f, struct machine **ret,
                       size_t *ret_n, int64_t *ret_total);

/* ---- boot events ---- */

/* struct boot_event: core/boot_event.h (pure modules read it too). */

/* Names this process in what it records (events, a machine's last server),
 * so a list from a shared database says which server saw what.  Call once,
 * before any thread records; NULL or "" = the host name. */
void store_set_origin(const char *name);
const char *store_origin(void);

/* Records a batch of contacts in one transaction: appends each event,
 * creates unknown MACs as *discovered*, updates last_seen, last_server and
 * (when the event is a boot stage) last_stage and its failure state
 * (boot_outcome.h: a failed step sets it, a later success at the same or a
 * later stage clears it), then trims events beyond `retention`. */
int store_record_events(struct store *s, const struct boot_event *evs, size_t n, int64_t retention);

/* Bounds on what boot contacts make the store keep ([boot] discovered_*):
 * at most `max` discovered machines; a peer address creates at most
 * `per_address_burst` of them at once, then `per_address_per_min` a
 * minute; discovered machines not seen for `expire_s` (0: never) are
 * removed (checked once a minute).  A contact refused by a limit records
 * nothing (it still boots as an unknown machine would); each refusal counts
 * in bootherd_discovered_total{outcome="refused-limit"|"refused-rate"} and
 * is logged (at most a line per 10 s per limit).  Whether set or not, a
 * "script" event with detail "no image" or "script error" that repeats its
 * MAC's previous event (a waiting machine's retry loop) replaces it rather
 * than adding one.  Set it on the connection that records boot events. */
struct store_discovery {
        int64_t max;
        int64_t per_address_burst, per_address_per_min;
        int64_t expire_s;
};
void store_set_discovery(struct store *s, const struct store_discovery *d);

/* Newest first.  mac NULL = all; since_ms 0 = no bound; limit <= 0 = 100. */
int store_events_list(struct store *s, const struct mac *mac, int64_t since_ms, int64_t limit,
                      struct boot_event **ret, size_t *ret_n);
/* The event log's page for the API and UI: newest first, every bound
 * optional.  A page ends at `limit`; the next one is before_id = the last
 * row's id (ids only grow, so pages never shift as events arrive). */
struct event_filter {
        const struct mac *mac; /* exact; NULL = any */
        const char *q;         /* part of the MAC (':' or '-') or host name, any case; NULL = any */
        const char *stage;     /* exact ("dhcp", "kernel", ...); NULL = any */
        bool failed;           /* only failed steps (boot_outcome_failed()) */
        int64_t since_ms;      /* 0 = no bound */
        int64_t before_id;     /* 0 = from the newest */
        int64_t limit;         /* <= 0: 100 */
};
struct event_row {
        struct boot_event e;
        char *hostname; /* the machine's now; NULL = none */
};
void event_rows_free(struct event_row *rows, size_t n);
int store_events_find(struct store *s, const struct event_filter *f, struct event_row **ret,
                      size_t *ret_n);
/* Oldest first: the events with an id above after_id, at most limit (the
 * live stream's watcher reads new events by id).  after_id < 0: the newest
 * event alone (its id is where a watcher starts). */
int store_events_after(struct store *s, int64_t after_id, int64_t limit, struct boot_event **ret,
                       size_t *ret_n);

/* A machine's `want` newest boot attempts (core/boot_attempts.h; at most
 * STORE_ATTEMPTS_MAX), newest first (store_attempts.c).  Reads its newest
 * events, and more while they hold no more than `want` attempts (the oldest
 * attempt read may lack its start) and older events remain, up to
 * STORE_ATTEMPT_EVENTS_MAX events.  *ret_more: the machine has older events
 * than those of the attempts returned (at the cap, the oldest attempt may
 * be cut short).  *ret points into *ret_evs: boot_attempts_free(ret), then
 * free(*ret_evs). */
#define STORE_ATTEMPTS_MAX       100
#define STORE_ATTEMPT_EVENTS_MAX 10000
int store_attempts_list(struct store *s, const struct mac *mac, size_t want,
                        struct boot_event **ret_evs, struct boot_attempts *ret, bool *ret_more);

/* ---- users, API tokens, browser sessions (store_auth.c) ----
 * Secrets never reach the store in the clear: passwords arrive as argon2id
 * strings (crypto_pwhash_str), tokens and session ids as 32-byte hashes. */

#define STORE_SECRET_HASH_LEN 32
#define STORE_CSRF_LEN        64 /* hex characters */

enum auth_role { AUTH_ROLE_VIEWER, AUTH_ROLE_ADMIN };
const char *auth_role_name(enum auth_role r);
int auth_role_parse(const char *s, enum auth_role *ret);

struct user {
        char *name;          /* [a-z_][a-z0-9_.-]{0,31} */
        char *password_hash; /* only from store_user_get() */
        enum auth_role role;
        int64_t created;
};

void user_done(struct user *u);
void user_list_free(struct user *us, size_t n);

/* -EEXIST when the name is taken, -EINVAL for a bad name. */
int store_user_add(struct store *s, const char *name, const char *password_hash,
                   enum auth_role role);
/* Replaces the password hash and ends the user's sessions. */
int store_user_set_password(struct store *s, const char *name, const char *password_hash);
int store_user_get(struct store *s, const char *name, struct user *ret);
int store_user_list(struct store *s, struct user **ret, size_t *ret_n);
/* Removes the user and (by cascade) their sessions.  -EBUSY when it is the
 * last admin (nobody could administer the server any more). */
int store_user_remove(struct store *s, const char *name);
/* Changes the role; ends the user's sessions (they log in again with the
 * new role).  -EBUSY when it would demote the last admin. */
int store_user_set_role(struct store *s, const char *name, enum auth_role role);
int store_user_count(struct store *s, int64_t *ret);

struct api_token {
        char *name;
        enum auth_role role;
        int64_t created, last_used; /* ms; last_used 0 = never */
};

void api_token_list_free(struct api_token *ts, size_t n);

int store_token_add(struct store *s, const char *name, const uint8_t hash[STORE_SECRET_HASH_LEN],
                    enum auth_role role);
int store_token_list(struct store *s, struct api_token **ret, size_t *ret_n);
int store_token_remove(struct store *s, const char *name);
/* Finds the token with this hash; records last_used = now (at most once a
 * minute per token, so a busy script does not turn reads into writes).
 * -ENOENT when no token matches. */
int store_token_lookup(struct store *s, const uint8_t hash[STORE_SECRET_HASH_LEN], int64_t now,
                       struct api_token *ret);

struct auth_session {
        char *user;
        enum auth_role role;
        char csrf[STORE_CSRF_LEN + 1];
        int64_t created, last_used;
};

void auth_session_done(struct auth_session *ss);

int store_session_add(struct store *s, const uint8_t hash[STORE_SECRET_HASH_LEN], const char *user,
                      const char *csrf, int64_t now);
/* Finds a live session: not idle for more than idle_ms and not older than
 * max_ms.  Touches last_used (at most every few seconds).  An expired
 * session is deleted and reported as -ENOENT. */
int store_session_lookup(struct store *s, const uint8_t hash[STORE_SECRET_HASH_LEN], int64_t now,
                         int64_t idle_ms, int64_t max_ms, struct auth_session *ret);
int store_session_remove(struct store *s, const uint8_t hash[STORE_SECRET_HASH_LEN]);
/* Deletes every expired session; returns the number removed. */
int store_session_purge(struct store *s, int64_t now, int64_t idle_ms, int64_t max_ms);

/* ---- the audit log (store_audit.c) ----
 * Who changed what: every write of images, machines (also adoption and
 * bulk assignment, one row per machine), users and API tokens made on a
 * connection with an actor appends one row in the write's own transaction
 * (the change and its record commit or fail together).  Boot contacts,
 * leases and sessions are not administrative changes: not recorded. */

/* The actor this connection's writes are recorded as: "alice" (a UI/API
 * session), "token:deploy" (an API token), "cli:root" (the CLI).  NULL or
 * "" = not recorded (the daemon's own writes).  At most 63 bytes. */
void store_set_actor(struct store *s, const char *actor);
/* Rows kept (the newest; older ones are deleted as rows are added),
 * process-wide; [auth] audit_retention.  Default 100000. */
void store_set_audit_retention(int64_t keep);

/* Records a change made outside the database (a file uploaded under the
 * images root) as `action` on `object` (before/after: compact JSON
 * objects, NULL = none).  The row is written first, inside a transaction
 * that commits only if change(arg) then returns 0: a change that fails
 * (its negative errno is returned) is not recorded, and a record that
 * cannot be written stops the change before it runs.  Should the commit
 * itself fail after the change, STORE_AUDIT_UNRECORDED says so (the
 * change stands; the caller logs it).  Without an actor only change()
 * runs. */
#define STORE_AUDIT_UNRECORDED (-10000)
int store_audit_external(struct store *s, const char *action, const char *object,
                         const char *before_json, const char *after_json, int (*change)(void *arg),
                         void *arg);

struct audit_entry {
        int64_t id, time; /* time: ms */
        char *actor, *action, *object;
        char *before, *after; /* compact JSON objects; NULL = none (created / deleted) */
};

void audit_list_free(struct audit_entry *es, size_t n);

struct audit_filter {
        int64_t since_ms;      /* 0 = no bound */
        const char *actor;     /* exact; NULL = any */
        const char *object;    /* exact; NULL = any */
        int64_t offset, limit; /* limit <= 0: 100 */
};

/* Newest first; *ret_total (may be NULL) counts every match. */
int store_audit_list(struct store *s, const struct audit_filter *f, struct audit_entry **ret,
                     size_t *ret_n, int64_t *ret_total);

/* ---- leases, read side for the API and /metrics (store_lease_list.c) ---- */

struct lease_row {
        uint32_t ip; /* host order */
        struct mac mac;
        char subnet[48];
        char state[12];       /* offered, bound, released, declined, expired */
        int64_t starts, ends; /* ms */
        char *hostname;       /* NULL = none */
};

void lease_row_list_free(struct lease_row *ls, size_t n);

/* Leases ordered by address.  mac NULL = all; state NULL = any; limit <= 0
 * = no limit. */
int store_lease_rows(struct store *s, const struct mac *mac, const char *state, int64_t offset,
                     int64_t limit, struct lease_row **ret, size_t *ret_n, int64_t *ret_total);

struct lease_subnet_count {
        char subnet[48];
        int64_t in_use; /* bound and not yet ended at `now` */
};

int store_lease_in_use(struct store *s, int64_t now, struct lease_subnet_count **ret,
                       size_t *ret_n);

/* Machines per state, for the dashboard and /metrics. */
int store_machine_counts(struct store *s, int64_t ret_by_state[3]);

/* Ends any read left open by cached statements (call when a connection goes
 * idle, e.g. after each HTTP request), so the next write sees fresh data
 * instead of failing on a stale snapshot. */
void store_idle(struct store *s);

/* ---- DHCP leases (store_lease.c) ---- */

enum lease_state { LEASE_OFFERED, LEASE_BOUND, LEASE_RELEASED, LEASE_DECLINED, LEASE_EXPIRED };
const char *lease_state_name(enum lease_state st);
int lease_state_parse(const char *s, enum lease_state *ret);

#define LEASE_CLIENT_ID_MAX 64
#define LEASE_SUBNET_MAX    64
#define LEASE_HOSTNAME_MAX  64

/* One address's lease.  Fixed size: no allocations per row. */
struct lease {
        uint32_t ip; /* host order; the key */
        struct mac mac;
        uint8_t client_id[LEASE_CLIENT_ID_MAX]; /* how the client is known (option 61 or MAC) */
        size_t client_id_len;
        char subnet[LEASE_SUBNET_MAX]; /* "" = the [dhcp] subnet, else [subnet NAME] */
        enum lease_state state;
        int64_t starts, ends; /* ms since the epoch */
        char hostname[LEASE_HOSTNAME_MAX];
};

/* Every lease, ordered by address. */
int store_lease_list(struct store *s, struct lease **ret, size_t *ret_n);
int store_lease_get(struct store *s, uint32_t ip, struct lease *ret);
/* Inserts or replaces the leases (by address) in ONE transaction: the DHCP
 * server commits a loop turn's ACKs together, then sends them. */
int store_lease_put_many(struct store *s, const struct lease *ls, size_t n);
/* Several servers on one database: writes the leases in ONE transaction,
 * each only where the database still lets this client have the address,
 * so an address is never one client's at one server and another's at a
 * second.  A lease is written when the row is absent, is the same MAC's,
 * is released or expired, or ended at or before now (what dhcp_alloc
 * calls free); an EXPIRED record only marks a row of the same MAC that
 * has indeed ended (another server may have just renewed it).
 * ret_claimed[i] tells which were written; a client whose lease was not
 * must not be ACKed (NAK it: it starts over).  0 or -errno for the
 * transaction itself. */
int store_lease_claim_many(struct store *s, const struct lease *ls, size_t n, int64_t now,
                           bool *ret_claimed);
/* Leases written since *cursor by any server (PostgreSQL: a sequence
 * number per write; SQLite, a single server's file: none), at most `max`,
 * in write order, for a DHCP server to keep its view of the others'
 * bindings.  Advances *cursor (0 = from the start).  Writes that commit
 * out of sequence order within a short window are returned again on the
 * next call rather than missed: applying a lease twice is harmless. */
int store_lease_changes(struct store *s, int64_t *cursor, size_t max, struct lease **ret,
                        size_t *ret_n);
int store_lease_delete(struct store *s, uint32_t ip);
/* The MAC of the machine whose reservation (machine.ipv4) is ip; -ENOENT if
 * none. */
int store_lease_reservation(struct store *s, uint32_t ip, struct mac *ret_mac);
/* full: synchronous=FULL (every commit fsynced: survives power loss);
 * otherwise NORMAL (survives a process crash).  Applies to this handle
 * (PostgreSQL: to its lease commits, synchronous_commit on / off; its
 * other writes keep the server's setting). */
int store_set_fsync(struct store *s, bool full);
/* The inventory version: moves whenever a managed machine or an image
 * changes, through any connection or server (schema triggers; not at boot
 * contacts nor discovered MACs): lets the DHCP snapshot know when to start
 * over. */
int store_data_version(struct store *s, int64_t *ret);
/* ---- leases: lookup by address (TFTP/HTTP peer -> MAC) ---- */

/* The MAC holding an offered or bound lease on ip_host_order.  -ENOENT when
 * no such lease exists (proxyDHCP mode has none). */
int store_lease_find_mac(struct store *s, uint32_t ip_host_order, struct mac *ret);

/* ---- read snapshots ---- */

/* Runs the reads that follow, until store_read_end(), in one read
 * transaction: they see one consistent state of the database and pay
 * SQLite's per-transaction cost (WAL snapshot, shared-memory locks: fcntl
 * calls) once instead of once per statement.  For hot read paths such as
 * the per-MAC boot script.  No writes in between (they would fail).  On
 * failure the reads simply run one transaction each.  store_read_end() is
 * a no-op without a snapshot. */
int store_read_begin(struct store *s);
void store_read_end(struct store *s);

/* ---- boot-script generation (store_generation.c) ---- */

/* A number that changes whenever something a /boot/<mac>.ipxe script is
 * rendered from changes: a machine's image, hostname, IPv4, netboot switch
 * or existence (beyond discovery), or any image or initrd; by any writer,
 * in this process or another (the CLI).  Boot contacts do not change it.
 * One indexed read; callers compare it with the value their cached scripts
 * were rendered under.  A backend shared by several servers must bump it
 * in the same transaction as the change (SQLite: triggers, schema v4). */
int store_script_generation(struct store *s, int64_t *ret);

/* ---- WAL checkpoints off the event loop (store_checkpoint.c) ---- */

struct store_checkpointer;
/* Takes the WAL checkpoints of s (the event loop's connection) off its
 * thread: turns s's automatic checkpoint off and starts a thread with its
 * own connection to path that runs a PASSIVE checkpoint each time s's
 * commits have grown the WAL by 1000 frames, and every second (for the
 * frames other connections wrote); past 4096 frames a FULL checkpoint
 * (a few ms of writer lock) lets the WAL start over, so it stays bounded.
 * Once nothing has been written for a second, a WAL of 1000 frames or more
 * is truncated to 0 bytes (and every restart cuts the file back to 24 MiB,
 * STORE_WAL_KEEP_BYTES), so the -wal file shrinks back after a burst.
 * s must outlive the checkpointer.  Durability is unchanged: commits are
 * durable in the WAL, checkpoints only move them into the database file. */
int store_checkpointer_start(struct store *s, const char *path, struct store_checkpointer **ret);
/* Stops the thread and gives s its automatic checkpoint back.  NULL is fine. */
void store_checkpointer_stop(struct store_checkpointer *c);
/* Checkpoints run so far (tests, metrics); *ret_full (if not NULL): how
 * many of them were followed by a FULL one to bound the WAL. */
uint64_t store_checkpointer_runs(const struct store_checkpointer *c, uint64_t *ret_full);

/* ---- moving a site (store_copy.c) ---- */

struct store_copy_counts {
        int64_t images, initrds, machines, leases, users, tokens, events;
        int64_t initrds_arm64;
        int64_t audit; /* audit log entries (all of them) */
};

/* Copies the inventory of src into dst, which must hold none yet (-EEXIST
 * otherwise, naming what it holds): images and their initrds, machines
 * with their history, leases, users, API tokens, the audit log, and the
 * newest `events` boot events (browser sessions are not copied: users log in again).  One
 * transaction on dst; then compares each table's rows on both sides (-EIO
 * naming the first that differs).  Either backend on either side, e.g. a
 * SQLite file into an empty PostgreSQL database.  ret (may be NULL) gets
 * what was copied.  The error, also a failed read of src, is explained in
 * store_errmsg(dst). */
int store_copy(struct store *src, struct store *dst, int64_t events, struct store_copy_counts *ret);
