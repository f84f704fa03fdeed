import { DEFAULT_NAMESPACE, DEFAULT_SITE } from "../../core/limits.js";
import type { Database } from "./sqlite.js";

/**
 * The schema follows the consistency model (../docs/consistency.md): home assigns a version to every
 * write, deletes are tombstones, expiry is absolute, and each record keeps its commit time and the
 * region it was written in, so regional visibility can be derived from stored state rather than timers.
 *
 * Keys are stored as BLOBs of UTF-8 so that SQLite's memcmp ordering is UTF-8 byte order.
 */
/**
 * The columns of a stored record: home's newest version of a key (entries), a superseded one (versions)
 * and an edge's cached copy (cache_entries) are the same record. Frozen: migrations that have run on
 * users' stores were written with this text, so a record that needs another column gets a new
 * migration that adds it, never an edit here.
 */
const RECORD_COLUMNS = `ns         INTEGER NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    key        BLOB NOT NULL,
    version    INTEGER NOT NULL,
    value      BLOB,
    tombstone  INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER,
    metadata   TEXT,
    commit_t   INTEGER NOT NULL,
    origin     TEXT NOT NULL`;
const RECORD_COLUMN_NAMES = "ns, key, version, value, tombstone, expires_at, metadata, commit_t, origin";

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  INSERT INTO counters (name, value) VALUES ('home_seq', 0), ('record_seq', 0);

  -- Sites and their tokens. A token belongs to exactly one site; only its SHA-256 is stored.
  CREATE TABLE sites (
    name       TEXT PRIMARY KEY,
    tier       TEXT NOT NULL DEFAULT 'free',
    created_at INTEGER NOT NULL,
    settings   TEXT NOT NULL DEFAULT '{}'
  ) STRICT;

  CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,
    site        TEXT NOT NULL REFERENCES sites (name) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('site', 'scoped', 'route')),
    access      TEXT NOT NULL CHECK (access IN ('read-only', 'read-write')),
    namespaces  TEXT,
    route       TEXT,
    expires_at  INTEGER,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
  ) STRICT;

  -- Route bindings: a route's function reaches a namespace, read-only or read-write, as a variable.
  CREATE TABLE bindings (
    site       TEXT NOT NULL REFERENCES sites (name) ON DELETE CASCADE,
    route      TEXT NOT NULL,
    variable   TEXT NOT NULL,
    namespace  TEXT NOT NULL,
    access     TEXT NOT NULL CHECK (access IN ('read-only', 'read-write')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site, route, variable)
  ) STRICT;

  -- Who read or wrote which key: names only, never values. Pruned to the site's retention.
  CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    site      TEXT NOT NULL,
    t         INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    namespace TEXT NOT NULL,
    key       TEXT,
    region    TEXT NOT NULL,
    outcome   TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_by_site_time ON audit (site, t);

  -- Metering per site and billing period (a calendar month, UTC).
  CREATE TABLE meters (
    site          TEXT NOT NULL,
    period        TEXT NOT NULL,
    reads         INTEGER NOT NULL DEFAULT 0,
    writes        INTEGER NOT NULL DEFAULT 0,
    egress_bytes  INTEGER NOT NULL DEFAULT 0,
    byte_ms       REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (site, period)
  ) STRICT;

  -- What a site stores now (keys and bytes of keys, values and metadata), kept with every write,
  -- and when it last changed, for storage over time.
  CREATE TABLE usage (
    site       TEXT PRIMARY KEY,
    keys       INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    changed_at INTEGER NOT NULL
  ) STRICT;

  -- Results of writes sent with an Idempotency-Key, so a retried request is answered, not repeated.
  CREATE TABLE idempotency (
    site       TEXT NOT NULL,
    key        TEXT NOT NULL,
    status     INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site, key)
  ) STRICT, WITHOUT ROWID;

  -- Emulator settings as JSON: 'model' (profile and regions), 'clock', 'record'.
  CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  CREATE TABLE namespaces (
    id         INTEGER PRIMARY KEY,
    site       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (site, name)
  ) STRICT;

  -- Home's authoritative map: the newest version of every key, tombstones included.
  CREATE TABLE entries (
    ${RECORD_COLUMNS},
    PRIMARY KEY (ns, key)
  ) STRICT, WITHOUT ROWID;
  -- Versions only grow, so this index is appended to: recent writes, for propagation status and caches.
  CREATE INDEX entries_by_version ON entries (version);

  -- A key's history while some edge may still serve an older version than home's: superseded
  -- versions, dropped once a newer one has reached every edge (and, from the second migration on,
  -- when each was superseded, and a copy of home's version).
  CREATE TABLE versions (
    ${RECORD_COLUMNS},
    PRIMARY KEY (ns, key, version)
  ) STRICT, WITHOUT ROWID;

  -- Read-repair: region holds at least this version of the key.
  CREATE TABLE floors (
    region  TEXT NOT NULL,
    ns      INTEGER NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    key     BLOB NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (region, ns, key)
  ) STRICT, WITHOUT ROWID;

  -- Faults on an edge's link to home: [start_t, end_t), end_t NULL while the fault lasts.
  CREATE TABLE faults (
    id      INTEGER PRIMARY KEY,
    region  TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('partition', 'pause')),
    start_t INTEGER NOT NULL,
    end_t   INTEGER
  ) STRICT;

  -- 'settle': every version up to seq reached the region by time t.
  CREATE TABLE settled (region TEXT PRIMARY KEY, seq INTEGER NOT NULL, t INTEGER NOT NULL) STRICT;

  -- Cache profiles: an edge's cached copy of a key (version 0: a cached miss) ...
  CREATE TABLE cache_entries (
    region     TEXT NOT NULL,
    ${RECORD_COLUMNS},
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (region, ns, key)
  ) STRICT, WITHOUT ROWID;

  -- ... and its cached list pages, keyed by (prefix, cursor, limit).
  CREATE TABLE list_cache (
    region     TEXT NOT NULL,
    ns         INTEGER NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    page_key   TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    page       TEXT NOT NULL,
    PRIMARY KEY (region, ns, page_key)
  ) STRICT, WITHOUT ROWID;
  `,
  // A key's history is kept whole while it has one: superseded versions carry when they were
  // superseded, and home's version is kept beside them (superseded_t NULL, its value left in
  // entries), so an edge reads one table.
  `
  ALTER TABLE versions ADD COLUMN superseded_t INTEGER;
  UPDATE versions AS v SET superseded_t = coalesce(
    (SELECT n.commit_t FROM versions n WHERE n.ns = v.ns AND n.key = v.key AND n.version > v.version ORDER BY n.version LIMIT 1),
    (SELECT h.commit_t FROM entries h WHERE h.ns = v.ns AND h.key = v.key));
  INSERT INTO versions (${RECORD_COLUMN_NAMES})
    SELECT ns, key, version, NULL, tombstone, expires_at, metadata, commit_t, origin FROM entries e
    WHERE EXISTS (SELECT 1 FROM versions v WHERE v.ns = e.ns AND v.key = e.key);
  `,
  // Identical reads gathered in one flush are one audit record: how many, from its time on.
  `
  ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
  `,
  // 4: answers to idempotent writes are pruned by age (src/server/idempotency.ts) every 1,000 writes.
  // Without an index, each pruning scans the whole table, which grows by a random key per write. Times
  // only grow, so this index is appended to: a group of writes adds to its last page.
  `
  CREATE INDEX idempotency_by_time ON idempotency (created_at);
  `,
  // 5: a cached entry lives as long as the read that fetched it asked (Cloudflare's cacheTtl), not as
  // long as a later read would like: its TTL is kept with it (NULL: until invalidated). Entries already
  // in a store being migrated get a TTL of 0, so their next read refetches them: that only ever brings
  // a newer version.
  `
  ALTER TABLE cache_entries ADD COLUMN ttl_ms INTEGER;
  UPDATE cache_entries SET ttl_ms = 0;
  `,
  // 6: home's rows move from a WITHOUT ROWID table into a rowid table with a unique index on (ns, key).
  // A WITHOUT ROWID table keeps its rows in an index's pages, where a row longer than about 1 KB (of a
  // 4 KiB page) spills to overflow pages, so values of a few KB left half the table's pages unused: a
  // store of such values was 2.1× the bytes it held. A rowid table's leaf takes a row of up to about
  // 4 KB whole; the unique index holds only (ns, key, rowid). Every query reads the same columns as
  // before, by the same (ns, key); an update of a key's row leaves its index entry alone. Rows are
  // copied in key order, so the rowids of a namespace follow its keys, as a scan in key order reads them.
  `
  CREATE TABLE entries_by_rowid (
    ${RECORD_COLUMNS}
  ) STRICT;
  INSERT INTO entries_by_rowid (${RECORD_COLUMN_NAMES})
    SELECT ${RECORD_COLUMN_NAMES} FROM entries ORDER BY ns, key;
  DROP TABLE entries;
  ALTER TABLE entries_by_rowid RENAME TO entries;
  CREATE UNIQUE INDEX entries_by_key ON entries (ns, key);
  CREATE INDEX entries_by_version ON entries (version);
  `,
  // 7: each namespace keeps how many keys it stores (rows that are not tombstones: expired keys count
  // until they are reclaimed or replaced, as the site's usage counts them), kept by every write
  // (namespace-keys.ts), so listing the namespaces reads a row each instead of counting every entry.
  `
  ALTER TABLE namespaces ADD COLUMN stored_keys INTEGER NOT NULL DEFAULT 0;
  UPDATE namespaces SET stored_keys = (SELECT count(*) FROM entries e WHERE e.ns = namespaces.id AND e.tombstone = 0);
  `,
  // 8: home's dead rows (deleted keys, and keys with an expiry) by when they died, so that writes can
  // reclaim those every edge has had (src/emulator/kv/reclaim.ts) without scanning the rest. Partial:
  // keys without a TTL, most of a store, are not in it.
  `
  CREATE INDEX entries_by_death ON entries ((CASE WHEN tombstone = 1 THEN commit_t ELSE expires_at END))
    WHERE (tombstone = 1 OR expires_at IS NOT NULL);
  `,
];

/**
 * Brings a store to the newest schema, in one write transaction, with the default site and namespace.
 * `onUpgrade` is told first when a store made by an earlier version is to be migrated: on a store of
 * millions of keys that takes seconds, the write lock held all along.
 */
export function migrate(db: Database, now: number, onUpgrade?: (from: number, to: number) => void): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current >= MIGRATIONS.length) return;
  if (current > 0) onUpgrade?.(current, MIGRATIONS.length);
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const version = db.pragma("user_version", { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.prepare("INSERT OR IGNORE INTO sites (name, created_at) VALUES (?, ?)").run(DEFAULT_SITE, now);
    db.prepare("INSERT OR IGNORE INTO namespaces (site, name, created_at) VALUES (?, ?, ?)").run(DEFAULT_SITE, DEFAULT_NAMESPACE, now);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
