/* The SQLite schema, as versioned migrations (PRAGMA user_version).
 *
 * Entry i takes the schema from version i to i+1.  Each runs in its own
 * transaction with the version bump, so a failure leaves the previous
 * version intact.  Never edit a migration that has shipped: add a new one
 * here AND in store_schema_pg.c (same version number). */
#include "store/store_internal.h"

static const struct store_migration migrations[] = {
    /* 0 -> 1: inventory (images, machines) and the boot event log. */
    {1, "CREATE TABLE image ("
        "  name TEXT PRIMARY KEY,"
        "  kernel TEXT NOT NULL DEFAULT '',"
        "  cmdline TEXT NOT NULL DEFAULT '',"
        "  script TEXT,"
        "  description TEXT NOT NULL DEFAULT '',"
        "  created INTEGER NOT NULL,"
        "  updated INTEGER NOT NULL);"
        "CREATE TABLE image_initrd ("
        "  image TEXT NOT NULL REFERENCES image(name) ON DELETE CASCADE ON UPDATE CASCADE,"
        "  pos INTEGER NOT NULL,"
        "  path TEXT NOT NULL,"
        "  PRIMARY KEY (image, pos));"
        "CREATE TABLE machine ("
        "  mac TEXT PRIMARY KEY,"
        "  hostname TEXT,"
        "  image TEXT REFERENCES image(name) ON UPDATE CASCADE,"
        "  ipv4 INTEGER UNIQUE,"
        "  notes TEXT NOT NULL DEFAULT '',"
        "  state TEXT NOT NULL CHECK (state IN ('discovered', 'assigned', 'unassigned')),"
        "  first_seen INTEGER,"
        "  last_seen INTEGER,"
        "  last_stage TEXT,"
        "  last_stage_at INTEGER,"
        "  created INTEGER NOT NULL);"
        "CREATE INDEX machine_image ON machine(image);"
        "CREATE TABLE event ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  time INTEGER NOT NULL,"
        "  mac TEXT NOT NULL,"
        "  stage TEXT NOT NULL,"
        "  detail TEXT NOT NULL DEFAULT '',"
        "  peer TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX event_mac_id ON event(mac, id);"},
    /* 1 -> 2: DHCP — per-machine boot file override, netboot switch, leases. */
    {2, "ALTER TABLE machine ADD COLUMN boot_file TEXT;"
        "ALTER TABLE machine ADD COLUMN netboot INTEGER NOT NULL DEFAULT 1;"
        "CREATE TABLE lease ("
        "  ip INTEGER PRIMARY KEY,"
        "  mac TEXT NOT NULL,"
        "  client_id BLOB,"
        "  subnet TEXT NOT NULL,"
        "  state TEXT NOT NULL CHECK (state IN"
        "    ('offered', 'bound', 'released', 'declined', 'expired')),"
        "  starts INTEGER NOT NULL,"
        "  ends INTEGER NOT NULL,"
        "  hostname TEXT);"
        "CREATE INDEX lease_mac ON lease(mac);"},
    /* 2 -> 3: web control system — users, API tokens, browser sessions. */
    {3, "CREATE TABLE user ("
        "  name TEXT PRIMARY KEY,"
        "  password_hash TEXT NOT NULL,"
        "  role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),"
        "  created INTEGER NOT NULL);"
        "CREATE TABLE token ("
        "  name TEXT PRIMARY KEY,"
        "  hash BLOB NOT NULL UNIQUE,"
        "  role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),"
        "  created INTEGER NOT NULL,"
        "  last_used INTEGER);"
        "CREATE TABLE session ("
        "  hash BLOB PRIMARY KEY,"
        "  user TEXT NOT NULL REFERENCES user(name) ON DELETE CASCADE,"
        "  csrf TEXT NOT NULL,"
        "  created INTEGER NOT NULL,"
        "  last_used INTEGER NOT NULL);"},
    /* 3 -> 4: the boot-script generation (store_generation.c).  One counter,
     * bumped by triggers whenever a column that a /boot/<mac>.ipxe script is
     * rendered from changes, whoever writes it (daemon, API, the CLI in
     * another process).  HTTP workers cache rendered scripts and compare this
     * value on every request.  Boot contacts (first/last seen, last stage)
     * and notes/state/boot_file do not bump it.  An insert bumps it only
     * when the new row differs from an unknown MAC, so machines discovered
     * by boot events do not flush the caches. */
    {4, "CREATE TABLE script_generation ("
        "  id INTEGER PRIMARY KEY CHECK (id = 1),"
        "  gen INTEGER NOT NULL);"
        "INSERT INTO script_generation (id, gen) VALUES (1, 1);"
        "CREATE TRIGGER machine_script_ins AFTER INSERT ON machine"
        "  WHEN NEW.image IS NOT NULL OR NEW.hostname IS NOT NULL OR NEW.ipv4 IS NOT NULL"
        "    OR NEW.netboot IS NOT 1"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
        "CREATE TRIGGER machine_script_upd AFTER UPDATE OF mac, hostname, image, ipv4, netboot"
        "  ON machine"
        "  WHEN OLD.mac IS NOT NEW.mac OR OLD.hostname IS NOT NEW.hostname"
        "    OR OLD.image IS NOT NEW.image OR OLD.ipv4 IS NOT NEW.ipv4"
        "    OR OLD.netboot IS NOT NEW.netboot"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
        "CREATE TRIGGER machine_script_del AFTER DELETE ON machine"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
        "CREATE TRIGGER image_script_ins AFTER INSERT ON image"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
        "CREATE TRIGGER image_script_upd AFTER UPDATE ON image"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
        "CREATE TRIGGER image_script_del AFTER DELETE ON image"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
        "CREATE TRIGGER initrd_script_ins AFTER INSERT ON image_initrd"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
        "CREATE TRIGGER initrd_script_upd AFTER UPDATE ON image_initrd"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
        "CREATE TRIGGER initrd_script_del AFTER DELETE ON image_initrd"
        "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"},

    /* 4 -> 5: several servers on one database: which one saw each event and
     * each machine last. */
    {5, "ALTER TABLE event ADD COLUMN server TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE machine ADD COLUMN last_server TEXT;"},

    /* 5 -> 6: lease.seq, the write order PostgreSQL keeps for servers that
     * follow each other's leases (store_lease_changes); a SQLite file has
     * one server, so it stays NULL here. */
    {6, "ALTER TABLE lease ADD COLUMN seq INTEGER;"},

    /* 6 -> 7: per-machine Secure Boot: UEFI x86-64 PXE gets shimx64.efi
     * (shim -> signed GRUB -> grub.cfg-01-<mac>) instead of iPXE.  The DHCP
     * snapshot sees the change through data_version; scripts do not
     * depend on it (no generation bump). */
    {7, "ALTER TABLE machine ADD COLUMN secure_boot INTEGER NOT NULL DEFAULT 0;"},

    /* 7 -> 8: when DHCP fell back from snponly.efi to ipxe.efi for a
     * machine that never came back as iPXE (0 = no fallback). */
    {8, "ALTER TABLE machine ADD COLUMN snponly_fallback_at INTEGER NOT NULL DEFAULT 0;"},

    /* 8 -> 9: the audit log (store_audit.c): every administrative change,
     * written in the change's transaction.  AUTOINCREMENT: ids only grow,
     * so trimming by id keeps the newest rows. */
    {9, "CREATE TABLE audit ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  time INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  action TEXT NOT NULL,"
        "  object TEXT NOT NULL,"
        "  before_json TEXT,"
        "  after_json TEXT);"
        "CREATE INDEX audit_time ON audit(time);"
        "CREATE INDEX audit_actor ON audit(actor, id);"},

    /* 9 -> 10: failures as data.  Each event's outcome ('ok' or a failure
     * code, boot_outcome.h) and, for transfers, bytes sent, file size and
     * duration (NULL = not a transfer).  A machine's current failure: set
     * by a failed boot step, cleared by a later successful step at the
     * same or a later stage (fail_rank, boot_outcome_rank()); NULL
     * fail_outcome = not failing.  attempt_stages: the stages the current
     * attempt went through, ok and failed (BOOT_MASK_*), its last step's
     * rank + 1 in bits 10-12 and time in attempt_at (the order recorded);
     * bits 29-30 carry store_event.c's flags, masked off when read. */
    {10, "ALTER TABLE event ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';"
         "ALTER TABLE event ADD COLUMN bytes INTEGER;"
         "ALTER TABLE event ADD COLUMN size INTEGER;"
         "ALTER TABLE event ADD COLUMN duration_ms INTEGER;"
         "ALTER TABLE machine ADD COLUMN fail_stage TEXT;"
         "ALTER TABLE machine ADD COLUMN fail_outcome TEXT;"
         "ALTER TABLE machine ADD COLUMN fail_detail TEXT;"
         "ALTER TABLE machine ADD COLUMN fail_at INTEGER NOT NULL DEFAULT 0;"
         "ALTER TABLE machine ADD COLUMN fail_rank INTEGER NOT NULL DEFAULT 0;"
         "ALTER TABLE machine ADD COLUMN attempt_stages INTEGER NOT NULL DEFAULT 0;"
         "ALTER TABLE machine ADD COLUMN attempt_at INTEGER NOT NULL DEFAULT 0;"},

    /* 10 -> 11: an
     * image's kernel and initrds for arm64 machines (struct image), so one
     * image serves x86-64 and arm64.  Scripts depend on them: their
     * writes move the script generation like the image's own. */
    {11, "ALTER TABLE image ADD COLUMN kernel_arm64 TEXT NOT NULL DEFAULT '';"
         "CREATE TABLE image_initrd_arm64 ("
         "  image TEXT NOT NULL REFERENCES image(name) ON DELETE CASCADE ON UPDATE CASCADE,"
         "  pos INTEGER NOT NULL,"
         "  path TEXT NOT NULL,"
         "  PRIMARY KEY (image, pos));"
         "CREATE TRIGGER initrd_arm64_script_ins AFTER INSERT ON image_initrd_arm64"
         "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
         "CREATE TRIGGER initrd_arm64_script_upd AFTER UPDATE ON image_initrd_arm64"
         "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"
         "CREATE TRIGGER initrd_arm64_script_del AFTER DELETE ON image_initrd_arm64"
         "  BEGIN UPDATE script_generation SET gen = gen + 1; END;"},

    /* 11 -> 12: an image's GRUB configuration template (struct image);
     * image_script_upd fires on any UPDATE of image, so it is covered. */
    {12, "ALTER TABLE image ADD COLUMN grub_script TEXT;"},

    /* 12 -> 13: the inventory version store_data_version() reads (as
     * PostgreSQL's since 4), instead of PRAGMA data_version, which moves at
     * every commit of another connection: once boot events are written on
     * their own connection, each event commit would have dropped the DHCP
     * snapshot.  Bumped by what that snapshot holds (managed machines:
     * every script-relevant change, through script_generation, plus state,
     * boot_file, notes, Secure Boot and the snponly fallback); never by
     * boot contacts nor by the insert of a discovered MAC. */
    {13, "CREATE TABLE inventory_version ("
         "  id INTEGER PRIMARY KEY CHECK (id = 1),"
         "  v INTEGER NOT NULL);"
         "INSERT INTO inventory_version (id, v) VALUES (1, 1);"
         "CREATE TRIGGER inventory_on_script AFTER UPDATE ON script_generation"
         "  BEGIN UPDATE inventory_version SET v = v + 1; END;"
         "CREATE TRIGGER machine_inventory_ins AFTER INSERT ON machine"
         "  WHEN NEW.state IS NOT 'discovered'"
         "  BEGIN UPDATE inventory_version SET v = v + 1; END;"
         "CREATE TRIGGER machine_inventory_upd"
         "  AFTER UPDATE OF state, boot_file, notes, secure_boot, snponly_fallback_at ON machine"
         "  WHEN OLD.state IS NOT NEW.state OR OLD.boot_file IS NOT NEW.boot_file"
         "    OR OLD.notes IS NOT NEW.notes OR OLD.secure_boot IS NOT NEW.secure_boot"
         "    OR OLD.snponly_fallback_at IS NOT NEW.snponly_fallback_at"
         "  BEGIN UPDATE inventory_version SET v = v + 1; END;"},
};

const struct store_schema store_sqlite_schema = {migrations,
                                                 sizeof(migrations) / sizeof(migrations[0])};
