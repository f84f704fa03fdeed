import type { Database } from "../store/sqlite.js";

/** Pages of WAL between two checkpoints during bulk work: 64 MiB of 4 KiB pages. */
const BULK_CHECKPOINT_PAGES = 16_384;

/**
 * The store's settings for the work at hand: ordinary work (a read or a write of a few pages) or
 * bulk work (an import's batches, an export's pages, a removal's steps). Bulk work starts each step
 * with bulk(); the settings stay so until an ordinary read calls ordinary(), so a run of bulk steps
 * changes nothing between them. Turned off and on around each of an import's batches, the mapping
 * alone cost the import a quarter of its CPU: the file was unmapped and mapped again each time.
 *
 * - The memory mapping (openStore sizes it) lets a read of a few pages, an edge read above all, skip
 *   a system call per page. Bulk work reads each page once: mapped, every page it touched would stay
 *   resident in this process, however large the store.
 * - SQLite checkpoints the WAL into the store every 1,000 pages by default, and each checkpoint
 *   syncs both files. An import of millions of keys writes gigabytes of pages: checkpointing every
 *   64 MiB instead took a quarter off its wall time (2M keys), and copies a page written again and
 *   again (an index's last page, the site's usage) once per checkpoint rather than once per 4 MiB.
 */
export class StoreMode {
  private readonly ordinaryMapping: number;
  private readonly ordinaryCheckpoint: number;
  private isBulk = false;

  constructor(private readonly db: Database) {
    this.ordinaryMapping = db.pragma("mmap_size", { simple: true }) as number;
    this.ordinaryCheckpoint = db.pragma("wal_autocheckpoint", { simple: true }) as number;
  }

  /** Before each step of bulk work. */
  bulk(): void {
    if (this.isBulk) return;
    if (this.ordinaryMapping > 0) this.db.pragma("mmap_size = 0");
    if (this.ordinaryCheckpoint > 0) this.db.pragma(`wal_autocheckpoint = ${BULK_CHECKPOINT_PAGES}`);
    this.isBulk = true;
  }

  /** Before an ordinary read. */
  ordinary(): void {
    if (!this.isBulk) return;
    if (this.ordinaryMapping > 0) this.db.pragma(`mmap_size = ${this.ordinaryMapping}`);
    if (this.ordinaryCheckpoint > 0) this.db.pragma(`wal_autocheckpoint = ${this.ordinaryCheckpoint}`);
    this.isBulk = false;
  }
}
