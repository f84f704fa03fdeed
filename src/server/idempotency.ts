import type { Statement } from "better-sqlite3";
import { errors } from "../core/errors.js";
import type { Database, GroupCommit } from "../emulator/index.js";

/** What a write answers: recorded under its Idempotency-Key and given again to a retry. */
export interface StoredReply {
  status: number;
  json?: unknown;
}

/** A write to run once: synchronous, joining the group commit (`grouped`), or a whole operation of its own (`alone`). */
export type OnceWrite<R extends StoredReply> = { grouped: () => R; aborted: (error: unknown) => void } | { alone: () => Promise<R> };

/**
 * Whose key it is and what it was sent with. A key belongs to one token: another token, even of the
 * same site, cannot read the answer stored under it (it may not reach what that write touched).
 * `request` is a fingerprint of the request (method, path and query, metadata, body): a key sent
 * again with another request is refused rather than answered.
 */
export interface WriteScope {
  site: string;
  token: string;
  request: string;
}

/** How long an answer is kept for a retry, at least: retries come within minutes. */
export const KEEP_MS = 86_400_000;
/** Expired answers are deleted once per this many recorded writes. */
export const PRUNE_EVERY = 1000;

/** A stored answer, with the fingerprint of the request that it answered. */
interface Recorded {
  request: string;
  answer: StoredReply;
}

/**
 * Writes sent with an Idempotency-Key are done once per token and key: a retry of the same request
 * gets the first answer (status and body) and changes nothing; the key sent with a different request
 * is refused (IDEMPOTENCY_KEY_REUSED). A retry that arrives while the first is still in flight waits
 * for it. A write that failed recorded nothing, so its retry runs again. A grouped write's answer is
 * recorded in the same transaction as the write itself: both are stored, or neither.
 */
export class IdempotentWrites {
  private readonly select: Statement;
  private readonly insert: Statement;
  private readonly prune: Statement;
  private readonly inFlight = new Map<string, { request: string; answer: Promise<StoredReply> }>();
  private recorded = 0;

  constructor(
    db: Database,
    private readonly writes: GroupCommit,
    /** The emulated time, having looked for another process's change to the clock. */
    private readonly now: () => number,
  ) {
    this.select = db.prepare("SELECT body FROM idempotency WHERE site = ? AND key = ?").pluck();
    this.insert = db.prepare("INSERT OR REPLACE INTO idempotency (site, key, status, body, created_at) VALUES (?, ?, ?, ?, ?)");
    // By the index on created_at: only the expired rows are read.
    this.prune = db.prepare("DELETE FROM idempotency WHERE created_at < ?");
  }

  /** Runs `write` once for (token, key); without a key, simply runs it. */
  run<R extends StoredReply>(scope: WriteScope, key: string | undefined, write: OnceWrite<R>): Promise<R | StoredReply> {
    if (key === undefined || key === "") return "grouped" in write ? this.writes.run(write.grouped, write.aborted) : write.alone();
    return this.once(scope, key, write);
  }

  private async once<R extends StoredReply>(scope: WriteScope, key: string, write: OnceWrite<R>): Promise<R | StoredReply> {
    // Stored per token: the token id (hex) ends at the first ':'.
    const stored = `${scope.token}:${key}`;
    const id = `${scope.site}\u0000${stored}`;
    for (let first = this.inFlight.get(id); first; first = this.inFlight.get(id)) {
      if (first.request !== scope.request) throw errors.idempotencyKeyReused(key);
      try {
        return await first.answer;
      } catch {
        // The first attempt failed and recorded nothing: this one runs, unless another retry already does.
      }
    }
    const seen = this.select.get(scope.site, stored) as string | undefined;
    if (seen !== undefined) {
      const recorded = JSON.parse(seen) as Recorded;
      if (recorded.request !== scope.request) throw errors.idempotencyKeyReused(key);
      return recorded.answer;
    }
    const answer =
      "grouped" in write
        ? this.writes.run(() => this.record(scope, stored, write.grouped()), write.aborted)
        : write.alone().then((reply) => this.record(scope, stored, reply));
    this.inFlight.set(id, { request: scope.request, answer });
    try {
      return await answer;
    } finally {
      this.inFlight.delete(id);
    }
  }

  private record<R extends StoredReply>(scope: WriteScope, stored: string, reply: R): R {
    const now = this.now();
    const recorded: Recorded = { request: scope.request, answer: { status: reply.status, json: reply.json ?? null } };
    this.insert.run(scope.site, stored, reply.status, JSON.stringify(recorded), now);
    // Pruned now and then, not on every write.
    if (++this.recorded % PRUNE_EVERY === 0) this.prune.run(now - KEEP_MS);
    return reply;
  }
}
