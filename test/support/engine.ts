import { ManualClock } from "../../src/core/clock.js";
import { Engine } from "../../src/emulator/kv/engine.js";
import { openStore } from "../../src/emulator/store/store.js";
import { onTestFinished } from "vitest";
import { tempDir } from "./cli.js";

/** 2027-01-01T00:00:00Z: emulated time starts here in tests. */
export const T0 = Date.UTC(2027, 0, 1);

/** A real engine over a real SQLite store in a fresh directory, with a clock the test moves. */
export function freshEngine(dataDir = tempDir()) {
  const clock = new ManualClock(T0);
  const db = openStore({ dataDir, now: clock.now() });
  onTestFinished(() => {
    db.close();
  });
  return { engine: new Engine({ db, dataDir, clock }), clock, db, dataDir };
}
