import type { Statement } from "better-sqlite3";
import type { DeleteResult, Entry, KeyInfo, ListOptions, ListPage, NamespaceInfo, PutInput, WriteResult } from "../core/backend.js";
import type { Clock } from "../core/clock.js";
import { errors } from "../core/errors.js";
import { DEFAULT_NAMESPACE, HOME_REGION } from "../core/limits.js";
import { validateExpiresAt, validateKey, validateMetadata, validateNamespaceName, validateTtlSeconds, validateValue, type Metadata } from "../core/validate.js";
import { decodeCursor, encodeCursor, prefixUpperBound } from "./cursor.js";
import { translateSqliteError, type Database } from "./store.js";

export interface EngineOptions {
  db: Database;
  dataDir: string;
  clock: Clock;
  homeRegion?: string;
}

interface EntryRow {
  key: Buffer;
  version: number;
  value: Buffer | null;
  tombstone: number;
  expires_at: number | null;
  metadata: string | null;
}

interface KeyRow {
  key: Buffer;
  size: number;
  expires_at: number | null;
  metadata: string | null;
}

/** Versions are rendered as 20 hex digits, so they sort as strings in commit order. */
export const formatVersion = (v: number): string => v.toString(16).padStart(20, "0");

/**
 * The emulator's engine: the platform's semantics over one SQLite store, shared by every process that
 * opens the same data directory. Every write takes the store's write lock (BEGIN IMMEDIATE), draws its
 * version from home's counter and commits in the same transaction, so concurrent processes never lose
 * or duplicate a version.
 */
export class Engine {
  private readonly db: Database;
  private readonly clock: Clock;
  private readonly dataDir: string;
  readonly homeRegion: string;
  private readonly statements = new Map<string, Statement>();

  constructor(options: EngineOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.dataDir = options.dataDir;
    this.homeRegion = options.homeRegion ?? HOME_REGION;
  }

  get(site: string, namespace: string, key: string): Entry | null {
    const keyBytes = validateKey(key);
    return this.guard(() => {
      const ns = this.namespaceId(site, namespace);
      const row = this.stmt("SELECT key, version, value, tombstone, expires_at, metadata FROM entries WHERE ns = ? AND key = ?").get(ns, keyBytes) as EntryRow | undefined;
      if (!row || !this.isLive(row, this.clock.now())) return null;
      return {
        key,
        value: row.value ?? Buffer.alloc(0),
        metadata: parseStoredMetadata(row.metadata),
        expiresAt: row.expires_at,
        version: formatVersion(row.version),
      };
    });
  }

  put(site: string, namespace: string, key: string, input: PutInput): WriteResult {
    const keyBytes = validateKey(key);
    validateValue(input.value);
    const metadata = input.metadata === undefined ? null : JSON.stringify(validateMetadata(input.metadata));
    return this.write(() => {
      const ns = this.namespaceId(site, namespace);
      const now = this.clock.now();
      const expiresAt = this.resolveExpiry(input, now);
      const version = this.nextVersion();
      this.stmt(
        `INSERT INTO entries (ns, key, version, value, tombstone, expires_at, metadata, commit_t, origin)
         VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)
         ON CONFLICT (ns, key) DO UPDATE SET version = excluded.version, value = excluded.value, tombstone = 0,
           expires_at = excluded.expires_at, metadata = excluded.metadata, commit_t = excluded.commit_t, origin = excluded.origin`,
      ).run(ns, keyBytes, version, Buffer.from(input.value.buffer, input.value.byteOffset, input.value.byteLength), expiresAt, metadata, now, this.homeRegion);
      return { version: formatVersion(version) };
    });
  }

  delete(site: string, namespace: string, keys: readonly string[], options: { force: boolean }): DeleteResult {
    const keyBytes = keys.map(validateKey);
    return this.write(() => {
      const ns = this.namespaceId(site, namespace);
      const now = this.clock.now();
      const lookup = this.stmt("SELECT key, version, value, tombstone, expires_at, metadata FROM entries WHERE ns = ? AND key = ?");
      const deleted: string[] = [];
      const missing: string[] = [];
      const present: Buffer[] = [];
      keys.forEach((key, i) => {
        if (deleted.includes(key) || missing.includes(key)) return;
        const row = lookup.get(ns, keyBytes[i]) as EntryRow | undefined;
        if (row && this.isLive(row, now)) {
          deleted.push(key);
          present.push(keyBytes[i]!);
        } else missing.push(key);
      });
      if (missing.length > 0 && !options.force) throw errors.keysNotFound(missing, namespace);
      // A delete is a tombstone write with its own version, so a late older write cannot bring the key back.
      const tombstone = this.stmt(
        "UPDATE entries SET version = ?, value = NULL, tombstone = 1, expires_at = NULL, metadata = NULL, commit_t = ?, origin = ? WHERE ns = ? AND key = ?",
      );
      let last: number | null = null;
      for (const k of present) {
        last = this.nextVersion();
        tombstone.run(last, now, this.homeRegion, ns, k);
      }
      return { deleted, missing, version: last === null ? null : formatVersion(last) };
    });
  }

  list(site: string, namespace: string, options: ListOptions): ListPage {
    const prefix = Buffer.from(options.prefix, "utf8");
    const after = options.cursor ? decodeCursor(options.cursor, options.prefix) : null;
    return this.guard(() => {
      const ns = this.namespaceId(site, namespace);
      const lower = after ? Buffer.from(after, "utf8") : prefix;
      const rows = this.stmt(
        `SELECT key, length(value) AS size, expires_at, metadata FROM entries
         WHERE ns = ? AND key ${after ? ">" : ">="} ? AND key < ? AND tombstone = 0 AND (expires_at IS NULL OR expires_at > ?)
         ORDER BY key LIMIT ?`,
      ).all(ns, lower, prefixUpperBound(prefix), this.clock.now(), options.limit + 1) as KeyRow[];
      const more = rows.length > options.limit;
      const keys: KeyInfo[] = rows.slice(0, options.limit).map((r) => ({
        key: r.key.toString("utf8"),
        size: r.size,
        expiresAt: r.expires_at,
        metadata: parseStoredMetadata(r.metadata),
      }));
      return { keys, cursor: more ? encodeCursor(options.prefix, keys[keys.length - 1]!.key) : null };
    });
  }

  createNamespace(site: string, name: string): NamespaceInfo {
    validateNamespaceName(name);
    return this.write(() => {
      const now = this.clock.now();
      const result = this.stmt("INSERT OR IGNORE INTO namespaces (site, name, created_at) VALUES (?, ?, ?)").run(site, name, now);
      if (result.changes === 0) throw errors.namespaceExists(name);
      return { name, createdAt: now, keys: 0 };
    });
  }

  listNamespaces(site: string): NamespaceInfo[] {
    return this.guard(() => {
      const rows = this.stmt(
        `SELECT n.name, n.created_at AS createdAt,
           (SELECT count(*) FROM entries e WHERE e.ns = n.id AND e.tombstone = 0 AND (e.expires_at IS NULL OR e.expires_at > ?)) AS keys
         FROM namespaces n WHERE n.site = ? ORDER BY n.name`,
      ).all(this.clock.now(), site) as NamespaceInfo[];
      return rows;
    });
  }

  removeNamespace(site: string, name: string): void {
    if (name === DEFAULT_NAMESPACE) throw errors.namespaceProtected(name);
    this.write(() => {
      const result = this.stmt("DELETE FROM namespaces WHERE site = ? AND name = ?").run(site, name);
      if (result.changes === 0) throw errors.namespaceNotFound(name);
    });
  }

  private namespaceId(site: string, name: string): number {
    const row = this.stmt("SELECT id FROM namespaces WHERE site = ? AND name = ?").get(site, name) as { id: number } | undefined;
    if (!row) throw errors.namespaceNotFound(name);
    return row.id;
  }

  private nextVersion(): number {
    const row = this.stmt("UPDATE counters SET value = value + 1 WHERE name = 'home_seq' RETURNING value").get() as { value: number };
    return row.value;
  }

  private resolveExpiry(input: PutInput, now: number): number | null {
    if (input.ttlSeconds !== undefined) return now + validateTtlSeconds(input.ttlSeconds) * 1000;
    if (input.expiresAt !== undefined) return validateExpiresAt(input.expiresAt, now);
    return null;
  }

  private isLive(row: Pick<EntryRow, "tombstone" | "expires_at">, now: number): boolean {
    return row.tombstone === 0 && (row.expires_at === null || row.expires_at > now);
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs a write in one immediate transaction: the write lock is taken before anything is read. */
  private write<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn).immediate());
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw translateSqliteError(e, this.dataDir);
    }
  }
}

function parseStoredMetadata(text: string | null): Metadata | null {
  return text === null ? null : (JSON.parse(text) as Metadata);
}
