/* The rows the store keeps a key's versions in, and how they are read. */

/** A stored version of a key, as in `entries` and `versions`. */
export interface Row {
  key: Buffer;
  version: number;
  value: Buffer | null;
  tombstone: number;
  expires_at: number | null;
  metadata: string | null;
  commit_t: number;
  origin: string;
}

export interface CacheRow extends Row {
  fetched_at: number;
  /** How long the entry is served, from fetched_at; null: until invalidated. */
  ttl_ms: number | null;
}

export const ROW_COLUMNS = "key, version, value, tombstone, expires_at, metadata, commit_t, origin";
/** For point reads, where the caller has the key: every Buffer SQLite hands back costs an allocation. */
export const VALUE_COLUMNS = "version, value, tombstone, expires_at, metadata, commit_t, origin";

/**
 * A row read with VALUE_COLUMNS as an array (a raw statement), as a Row: better-sqlite3 builds an
 * array faster than an object with named properties, and a literal here costs next to nothing.
 */
export function rowOf(values: readonly unknown[], key: Buffer): Row {
  return {
    key,
    version: values[0] as number,
    value: values[1] as Buffer | null,
    tombstone: values[2] as number,
    expires_at: values[3] as number | null,
    metadata: values[4] as string | null,
    commit_t: values[5] as number,
    origin: values[6] as string,
  };
}

/** Puts back the key a point read left out. */
export function withKey<T extends Omit<Row, "key">>(row: T | undefined, key: Buffer): (T & { key: Buffer }) | undefined {
  if (row) (row as T & { key: Buffer }).key = key;
  return row as (T & { key: Buffer }) | undefined;
}
