import type { Database } from "../store/sqlite.js";

/**
 * The store's memory mapping (openStore sizes it): a read of a few pages, an edge read above all,
 * goes through it without a system call per page. Bulk work (an import's batches, an export's
 * pages, a removal's steps) reads each page once and turns it off: mapped, every page it touched
 * would stay resident in this process, however large the store. It stays off until an ordinary read
 * turns it on again, so a run of bulk steps leaves it off between them. Turned off and on around
 * each of an import's batches, the file was unmapped and mapped again each time: a quarter of the
 * import's CPU.
 */
export class StoreMapping {
  /** The size openStore gave the mapping; 0 when the store is not mapped at all. */
  private readonly size: number;
  private mapped: boolean;

  constructor(private readonly db: Database) {
    this.size = db.pragma("mmap_size", { simple: true }) as number;
    this.mapped = this.size > 0;
  }

  /** Before each step of bulk work. */
  suspend(): void {
    if (!this.mapped) return;
    this.db.pragma("mmap_size = 0");
    this.mapped = false;
  }

  /** Before an ordinary read. */
  resume(): void {
    if (this.mapped || this.size === 0) return;
    this.db.pragma(`mmap_size = ${this.size}`);
    this.mapped = true;
  }
}
