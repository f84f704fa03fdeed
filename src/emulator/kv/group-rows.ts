import type { Statement } from "better-sqlite3";
import { ROW_COLUMNS, type Row } from "../store/rows.js";

/** Rows to a statement at most: a statement's own cost is most of what writing a small row costs. */
const ROWS_PER_STATEMENT = 32;

/** One column list for both tables: a row of `entries`, then (versions) when it was superseded. */
const ENTRY_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
const VERSION_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/** Built once per row count: a statement's text is its cache key. */
const upsertEntries = (rows: number) => `INSERT INTO entries (ns, ${ROW_COLUMNS}) VALUES ${Array(rows).fill(ENTRY_VALUES).join(", ")}
  ON CONFLICT (ns, key) DO UPDATE SET version = excluded.version, value = excluded.value, tombstone = excluded.tombstone,
    expires_at = excluded.expires_at, metadata = excluded.metadata, commit_t = excluded.commit_t, origin = excluded.origin`;
const upsertVersions = (rows: number) => `INSERT INTO versions (ns, ${ROW_COLUMNS}, superseded_t) VALUES ${Array(rows).fill(VERSION_VALUES).join(", ")}
  ON CONFLICT (ns, key, version) DO UPDATE SET superseded_t = excluded.superseded_t, value = excluded.value`;
/**
 * A key home held before the group: its row updated where it is (the upsert would first draw a new
 * rowid and probe the unique index before finding the row).
 */
export const UPDATE_ENTRY = `UPDATE entries SET version = ?, value = ?, tombstone = ?, expires_at = ?, metadata = ?, commit_t = ?, origin = ?
  WHERE ns = ? AND key = ?`;

/** A key's id in the maps below: latin1 maps each byte to one character, so distinct keys never share one. */
function idOf(ns: number, key: Buffer): string {
  return `${ns}:${key.toString("latin1")}`;
}

/** Whether a history row's values (see GroupRows.version) are of this key. */
function isOf(values: unknown[], ns: number, key: Buffer): boolean {
  return values[0] === ns && key.equals(values[1] as Buffer);
}

/**
 * The rows a group of writes (group.ts) stores: home's row of each key written, the key's history
 * of versions (compaction.ts, supersede) and the namespaces' stored keys, held in memory and written
 * out in a few statements before anything reads them from the store (flush()), instead of two or
 * three statements for every write. A key written again in the group keeps only its newest row in
 * `entries`, and each of its versions once in `versions`, as the statements one write at a time
 * would have left them. The group holds the write lock all along, so no other process reads the
 * store in between; in this process, a read of home's row inside a group looks here first (row()),
 * and whatever else reads `entries` or `versions` inside a group (home's version counter, a sweep,
 * a compaction, an edge's view) flushes first.
 */
export class GroupRows {
  /** Home's newest row of each key written, and whether `entries` held a row of it before the group. */
  private readonly entries = new Map<string, { ns: number; row: Row; held: boolean }>();
  /**
   * The history's rows (the values of upsertVersions' columns), by version: home draws each version
   * once, so a version is one key's, and a number is a cheaper key than the key's bytes. A row whose
   * version is another key's row's already (never drawn so; only a store written otherwise could
   * hold one) goes by key and version instead.
   */
  private readonly versions = new Map<number, unknown[]>();
  private readonly sharedVersions = new Map<string, unknown[]>();
  /** Stored keys to add, by namespace. */
  private readonly keys = new Map<number, number>();

  constructor(private readonly stmt: (sql: string) => Statement) {}

  /** Home's row of a key as written; `held`: `entries` has a row of the key (before this group). */
  entry(ns: number, row: Row, held: boolean): void {
    const id = idOf(ns, row.key);
    const earlier = this.entries.get(id);
    this.entries.set(id, { ns, row, held: earlier ? earlier.held : held });
  }

  /** Home's newest row of a key, if the group wrote it and holds the row still. */
  row(ns: number, key: Buffer): Row | undefined {
    return this.entries.size === 0 ? undefined : this.entries.get(idOf(ns, key))?.row;
  }

  /** A version of the key's history: superseded at `supersededAt`, with its value; or (null) home's newest, whose value stays in `entries`. */
  version(ns: number, row: Row, supersededAt: number | null): void {
    const value = supersededAt === null ? null : row.value;
    const values = [ns, row.key, row.version, value, row.tombstone, row.expires_at, row.metadata, row.commit_t, row.origin, supersededAt];
    const held = this.versions.get(row.version);
    if (held === undefined || isOf(held, ns, row.key)) this.versions.set(row.version, values);
    else this.sharedVersions.set(`${idOf(ns, row.key)}:${row.version}`, values);
  }

  /** Forgets the history rows held of a key: its history is being deleted. */
  forgetVersions(ns: number, key: Buffer): void {
    for (const [version, values] of this.versions) if (isOf(values, ns, key)) this.versions.delete(version);
    for (const [id, values] of this.sharedVersions) if (isOf(values, ns, key)) this.sharedVersions.delete(id);
  }

  addKeys(ns: number, keys: number): void {
    this.keys.set(ns, (this.keys.get(ns) ?? 0) + keys);
  }

  get empty(): boolean {
    return this.entries.size === 0 && this.versions.size === 0 && this.sharedVersions.size === 0 && this.keys.size === 0;
  }

  /** Writes out what is held, in the group's transaction. */
  flush(): void {
    if (this.empty) return;
    const fresh: unknown[] = [];
    for (const { ns, row, held } of this.entries.values()) {
      const updated =
        held &&
        this.stmt(UPDATE_ENTRY).run(row.version, row.value, row.tombstone, row.expires_at, row.metadata, row.commit_t, row.origin, ns, row.key).changes === 1;
      if (!updated) fresh.push(ns, row.key, row.version, row.value, row.tombstone, row.expires_at, row.metadata, row.commit_t, row.origin);
    }
    this.insert(fresh, 9, this.entryInserts, upsertEntries);
    const history: unknown[] = [];
    // Pushed one by one: spread into push(), a long list would overflow the stack.
    for (const values of this.versions.values()) for (const value of values) history.push(value);
    for (const values of this.sharedVersions.values()) for (const value of values) history.push(value);
    this.insert(history, 10, this.versionInserts, upsertVersions);
    for (const [ns, keys] of this.keys) if (keys !== 0) this.stmt("UPDATE namespaces SET stored_keys = stored_keys + ? WHERE id = ?").run(keys, ns);
    this.clear();
  }

  /** Forgets what is held: the group's transaction failed, or the write that held it was undone. */
  clear(): void {
    this.entries.clear();
    this.versions.clear();
    this.sharedVersions.clear();
    this.keys.clear();
  }

  /** The multi-row inserts, by row count: prepared once, never their text built again. */
  private readonly entryInserts = new Map<number, Statement>();
  private readonly versionInserts = new Map<number, Statement>();

  /** `values`: rows of `columns` values each, inserted ROWS_PER_STATEMENT at a time. */
  private insert(values: unknown[], columns: number, prepared: Map<number, Statement>, sql: (rows: number) => string): void {
    const rows = values.length / columns;
    for (let at = 0; at < rows; at += ROWS_PER_STATEMENT) {
      const count = Math.min(ROWS_PER_STATEMENT, rows - at);
      let statement = prepared.get(count);
      if (!statement) prepared.set(count, (statement = this.stmt(sql(count))));
      // As arguments, not one array: better-sqlite3 reads an array's items one property lookup at a time.
      statement.run(...values.slice(at * columns, (at + count) * columns));
    }
  }
}
