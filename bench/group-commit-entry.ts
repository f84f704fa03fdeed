// What bench/group-commit.mjs and bench/idempotency.mjs drive: the engine and the API server's group
// commit over a real store, and its idempotent writes.
export { serverWrites } from "../src/server/group-commit.js";
export { IdempotentWrites } from "../src/server/idempotency.js";
export { ManualClock } from "../src/core/clock.js";
export { EmulatorCore, LocalBackend } from "../src/emulator/index.js";
