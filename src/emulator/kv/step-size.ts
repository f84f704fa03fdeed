/** The longest a step of a removal should hold the write lock, ms: another writer waits that long at most, and 200 ms is the bound promised. */
const TARGET_MS = 40;
const MIN_ROWS = 64;
const MAX_ROWS = 16_384;

/**
 * How many rows the next step of a long removal (a prefix, a namespace) takes: halved after a step
 * that held the write lock longer than TARGET_MS, doubled after one that held it under half that.
 * A step's time is its CPU on a quiet machine and more on a busy one (the process waits for a core
 * while it holds the lock), so the size follows the load rather than a guess made on one machine.
 */
export class StepSize {
  constructor(private rows = 1_000) {}

  get next(): number {
    return this.rows;
  }

  took(heldMs: number): void {
    if (heldMs > TARGET_MS) this.rows = Math.max(MIN_ROWS, Math.floor(this.rows / 2));
    else if (heldMs < TARGET_MS / 2) this.rows = Math.min(MAX_ROWS, this.rows * 2);
  }
}

/**
 * Waits, between two steps, as long as the last held the write lock: a writer in another process
 * that was waiting for it (SQLite's busy handler retries after sleeps of up to 100 ms) then finds it
 * free as often as not, instead of only in the instant between two steps.
 */
export function makeWay(heldMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(TARGET_MS, Math.max(1, heldMs))));
}
