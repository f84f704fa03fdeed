import type { Row } from "../store/rows.js";

/** How many bytes of keys, values and metadata the cache holds at most, and how many keys. */
const HEAD_CACHE_LIMITS = { maxBytes: 32 * 1024 * 1024, maxKeys: 50_000 };

/**
 * Home's rows, so a key read again and again (a flag every edge function looks at) is answered
 * without a read of the store. The caller decides when a row may be trusted: each get() names the
 * settings' stamp, which moves whenever another process commits, and the cache empties when it
 * moves. A writer either drops the key before it writes (a write that rolls back then costs one
 * read, never a stale answer) or sets the new row and drops it again if the write is undone. A key
 * with no row is cached too. The oldest rows go first when the cache is full.
 */
export class HeadCache {
  private readonly rows = new Map<string, Row | null>();
  private bytes = 0;
  private stamp = -1;
  /** Reads answered from the cache, and reads that went to the store. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly limits: { maxBytes: number; maxKeys: number } = HEAD_CACHE_LIMITS) {}

  get(ns: number, key: Buffer, stamp: number, read: () => Row | undefined): Row | undefined {
    if (stamp !== this.stamp) {
      this.clear();
      this.stamp = stamp;
    }
    const id = idOf(ns, key);
    const cached = this.rows.get(id);
    if (cached !== undefined) {
      this.stats.hits++;
      return cached ?? undefined;
    }
    this.stats.misses++;
    const row = read();
    this.rows.set(id, row ?? null);
    this.bytes += sizeOf(row);
    while (this.bytes > this.limits.maxBytes || this.rows.size > this.limits.maxKeys) this.evictOldest();
    return row;
  }

  /** Puts a row in as it now stands, for a writer that can take it out again if its write is undone. */
  set(ns: number, row: Row, stamp: number): void {
    if (stamp !== this.stamp) {
      this.clear();
      this.stamp = stamp;
    }
    // A written value may be a view of a larger buffer (the bytes of the request that carried it):
    // the cache keeps a copy of the value alone, so what it holds is what it counts.
    const value = row.value;
    if (value && value.byteLength !== value.buffer.byteLength) {
      const own = Buffer.allocUnsafeSlow(value.byteLength);
      value.copy(own);
      row = { ...row, value: own };
    }
    // The key's id made once, for the row it replaces and the new one: a write's hottest path.
    const id = idOf(ns, row.key);
    const replaced = this.rows.get(id);
    if (replaced !== undefined) {
      // Deleted first, so the key moves to the newest end of the map's order, as a new key.
      this.rows.delete(id);
      this.bytes -= sizeOf(replaced);
    }
    this.rows.set(id, row);
    this.bytes += sizeOf(row);
    while (this.bytes > this.limits.maxBytes || this.rows.size > this.limits.maxKeys) this.evictOldest();
  }

  drop(ns: number, key: Buffer): void {
    if (this.rows.size === 0) return;
    const id = idOf(ns, key);
    const row = this.rows.get(id);
    if (row === undefined) return;
    this.rows.delete(id);
    this.bytes -= sizeOf(row);
  }

  clear(): void {
    this.rows.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.rows.size;
  }

  private evictOldest(): void {
    const [id, row] = this.rows.entries().next().value as [string, Row | null];
    this.rows.delete(id);
    this.bytes -= sizeOf(row);
  }
}

/** Keys are bytes; latin1 maps each byte to one character, so distinct keys never share an id. */
function idOf(ns: number, key: Buffer): string {
  return `${ns}:${key.toString("latin1")}`;
}

function sizeOf(row: Row | null | undefined): number {
  return 64 + (row?.key.length ?? 0) + (row?.value?.length ?? 0) + (row?.metadata?.length ?? 0);
}
