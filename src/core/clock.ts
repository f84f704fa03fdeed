/** Where the emulator reads time from. The core never calls Date.now itself, so tests can move time by hand. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

// biome-ignore lint/plugin/no-wall-clock: the one reading of the machine's clock, injected wherever time is needed
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(t: number): void {
    this.t = t;
  }
}
