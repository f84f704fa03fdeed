// What bench/consistency.mjs and bench/scale/*.mjs drive: the engine over a real SQLite store, on a manual clock.
export { ManualClock } from "../src/core/clock.js";
export { EmulatorControl } from "../src/emulator/control.js";
export { Engine } from "../src/emulator/kv/engine.js";
export { openStore } from "../src/emulator/store/store.js";
export { reclaimDeadRows } from "../src/emulator/kv/reclaim.js";
