import type { Clock } from "../../core/clock.js";
import type { Settings } from "../settings.js";

/**
 * The engine's clock: the data directory's manual clock, or the base (system) clock plus the offset
 * the manual clock left when real time was turned back on. It never runs backwards, not even when
 * the system clock is stepped back, and no process runs at a time before one another has stored.
 */
export class EmulatedTime {
  /** The latest emulated time this process has used. */
  private latest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly settings: Settings,
    private readonly baseClock: Clock,
  ) {}

  /**
   * Emulated time, never less than the latest time any process has stored (Settings.floor) or this
   * process has seen. As of the last look at the settings: an operation that writes or is recorded
   * looks again inside its transaction (KvContext.run), so its time and its place in the history
   * are read together.
   */
  now(): number {
    const clock = this.settings.clock;
    const base = clock?.mode === "manual" ? clock.now : this.baseClock.now() + (clock?.offsetMs ?? 0);
    const t = Math.max(base, this.settings.floor, this.latest);
    this.latest = t;
    return t;
  }

  /** The emulated time, after looking for changes another process made (a manual clock advanced). */
  freshNow(): number {
    this.settings.refresh();
    return this.now();
  }

  /** The base clock's time (the system clock, unless a test gives another), without offset or floor. */
  systemNow(): number {
    return this.baseClock.now();
  }

  /** Stores the latest time this process has used, in the caller's write transaction (see now()). */
  keepTime(): void {
    this.settings.raiseFloor(this.latest);
  }
}
