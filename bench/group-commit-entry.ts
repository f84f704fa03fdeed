// What bench/group-commit.mjs drives: the engine and the API server's group commit over a real store.
export { ManualClock } from "../src/core/clock.js";
export { GroupCommit } from "../src/emulator/group-commit.js";
export { EmulatorCore, LocalBackend } from "../src/emulator/local-backend.js";
