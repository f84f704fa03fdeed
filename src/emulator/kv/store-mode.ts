import type { Database } from "../store/sqlite.js";

/**
 * The store's memory mapping (openStore sizes it) and WAL checkpoints, as ordinary work and bulk work
 * need them. Mapping: on for ordinary work and off for bulk work. A read
 * of a few pages, an edge read above all, goes through the mapping without a system call per page.
 * Bulk work (an import's batches, an export's pages, a removal's steps) reads each page once: mapped,
 * every page it touched would stay resident in this process, however large the store. Bulk work
 * calls bulk() before each step, and the mapping stays off until an ordinary read calls ordinary():
 * turned off and on again around each of an import's batches, the file would be unmapped and mapped
 * once a batch, which cost a 2M-key import a fifth of its CPU.
 *
 * Checkpoints: SQLite's default (every 1,000 pages, 4 MiB) for ordinary work, every 64 MiB for bulk
 * work. Each checkpoint syncs the WAL and the store file to disk, and bulk work writes gigabytes: a
 * 5M-key import waited for thousands of syncs, 10 s of its 93 (it took 82 s with the store in memory,
 * where a sync costs nothing). A checkpoint copies what the WAL holds, so the WAL is at most 64 MiB
 * larger while bulk work runs, and the next ordinary read brings the default back.
 */
const BULK_CHECKPOINT_PAGES = 16_384;

export class StoreMode {
  private readonly ordinaryMapping: number;
  private readonly ordinaryCheckpointPages: number;
  private isBulk = false;

  constructor(private readonly db: Database) {
    this.ordinaryMapping = db.pragma("mmap_size", { simple: true }) as number;
    this.ordinaryCheckpointPages = db.pragma("wal_autocheckpoint", { simple: true }) as number;
  }

  /** Before each step of bulk work. */
  bulk(): void {
    if (this.isBulk) return;
    if (this.ordinaryMapping > 0) this.db.pragma("mmap_size = 0");
    this.db.pragma(`wal_autocheckpoint = ${BULK_CHECKPOINT_PAGES}`);
    this.isBulk = true;
  }

  /** Before an ordinary read. */
  ordinary(): void {
    if (!this.isBulk) return;
    if (this.ordinaryMapping > 0) this.db.pragma(`mmap_size = ${this.ordinaryMapping}`);
    this.db.pragma(`wal_autocheckpoint = ${this.ordinaryCheckpointPages}`);
    this.isBulk = false;
  }
}
