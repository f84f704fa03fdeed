import type { Statement } from "better-sqlite3";
import type { GroupCommit } from "../emulator/group-commit.js";
import type { Database } from "../emulator/store.js";

/** What a write answers: recorded under its Idempotency-Key and given again to a retry. */
export interface StoredReply {
  status: number;
  json?: unknown;
}

/** A write to run once: synchronous, joining the group commit (`grouped`), or a whole operation of its own (`alone`). */
export type OnceWrite<R extends StoredReply> = { grouped: () => R; aborted: (error: unknown) => void } | { alone: () => Promise<R> };

/** How long an answer is kept for a retry, at least: retries come within minutes. */
export const KEEP_MS = 86_400_000;
/** Expired answers are deleted once per this many recorded writes. */
export const PRUNE_EVERY = 1000;

/**
 * Writes sent with an Idempotency-Key are done once per site and key: a retry gets the first answer
 * (status and body) and changes nothing. A retry that arrives while the first is still in flight
 * waits for it. A write that failed recorded nothing, so its retry runs again. A grouped write's
 * answer is recorded in the same transaction as the write itself: both are stored, or neither.
 */
export class IdempotentWrites {
  private readonly select: Statement;
  private readonly insert: Statement;
  private readonly prune: Statement;
  private readonly inFlight = new Map<string, Promise<StoredReply>>();
  private recorded = 0;

  constructor(
    db: Database,
    private readonly writes: GroupCommit,
    /** The emulated time, having looked for another process's change to the clock. */
    private readonly now: () => number,
  ) {
    this.select = db.prepare("SELECT status, body FROM idempotency WHERE site = ? AND key = ?");
    this.insert = db.prepare("INSERT OR REPLACE INTO idempotency (site, key, status, body, created_at) VALUES (?, ?, ?, ?, ?)");
    // By the index on created_at: only the expired rows are read.
    this.prune = db.prepare("DELETE FROM idempotency WHERE created_at < ?");
  }

  /** Runs `write` once for (site, key); without a key, simply runs it. */
  run<R extends StoredReply>(site: string, key: string | undefined, write: OnceWrite<R>): Promise<R | StoredReply> {
    if (key === undefined || key === "") return "grouped" in write ? this.writes.run(write.grouped, write.aborted) : write.alone();
    return this.once(site, key, write);
  }

  private async once<R extends StoredReply>(site: string, key: string, write: OnceWrite<R>): Promise<R | StoredReply> {
    const id = `${site}\u0000${key}`;
    for (let first = this.inFlight.get(id); first; first = this.inFlight.get(id)) {
      try {
        return await first;
      } catch {
        // The first attempt failed and recorded nothing: this one runs, unless another retry already does.
      }
    }
    const seen = this.select.get(site, key) as { status: number; body: string } | undefined;
    if (seen) return { status: seen.status, json: JSON.parse(seen.body) };
    const running =
      "grouped" in write
        ? this.writes.run(() => this.record(site, key, write.grouped()), write.aborted)
        : write.alone().then((reply) => this.record(site, key, reply));
    this.inFlight.set(id, running);
    try {
      return await running;
    } finally {
      this.inFlight.delete(id);
    }
  }

  private record<R extends StoredReply>(site: string, key: string, reply: R): R {
    const now = this.now();
    this.insert.run(site, key, reply.status, JSON.stringify(reply.json ?? null), now);
    // Pruned now and then, not on every write.
    if (++this.recorded % PRUNE_EVERY === 0) this.prune.run(now - KEEP_MS);
    return reply;
  }
}
