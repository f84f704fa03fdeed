// What bench/group-commit.mjs and bench/idempotency.mjs drive: the engine and the API server's group
// commit over a real store, and its idempotent writes.
export { IdempotentWrites } from "../src/api/idempotency.js";
export { ManualClock } from "../src/core/clock.js";
export { GroupCommit } from "../src/emulator/group-commit.js";
export { EmulatorCore, LocalBackend } from "../src/emulator/local-backend.js";
