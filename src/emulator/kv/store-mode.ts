import type { Database } from "../store/sqlite.js";

/**
 * The store's memory mapping (openStore sizes it), on for ordinary work and off for bulk work. A read
 * of a few pages, an edge read above all, goes through the mapping without a system call per page.
 * Bulk work (an import's batches, an export's pages, a removal's steps) reads each page once: mapped,
 * every page it touched would stay resident in this process, however large the store. Bulk work
 * calls bulk() before each step, and the mapping stays off until an ordinary read calls ordinary():
 * turned off and on again around each of an import's batches, the file would be unmapped and mapped
 * once a batch, which cost a 2M-key import a fifth of its CPU.
 */
export class StoreMode {
  private readonly ordinaryMapping: number;
  private isBulk = false;

  constructor(private readonly db: Database) {
    this.ordinaryMapping = db.pragma("mmap_size", { simple: true }) as number;
  }

  /** Before each step of bulk work. */
  bulk(): void {
    if (this.isBulk) return;
    if (this.ordinaryMapping > 0) this.db.pragma("mmap_size = 0");
    this.isBulk = true;
  }

  /** Before an ordinary read. */
  ordinary(): void {
    if (!this.isBulk) return;
    if (this.ordinaryMapping > 0) this.db.pragma(`mmap_size = ${this.ordinaryMapping}`);
    this.isBulk = false;
  }
}
