// What bench/group-commit.mjs and bench/idempotency.mjs drive: the engine and the API server's group
// commit over a real store, and its idempotent writes.
import { GroupCommit } from "../src/emulator/store/group-commit.js";
import type { EmulatorCore } from "../src/emulator/local-backend.js";

export { IdempotentWrites } from "../src/server/idempotency.js";
export { ManualClock } from "../src/core/clock.js";
export { EmulatorCore, LocalBackend } from "../src/emulator/local-backend.js";

/** The group commit as the API server sets it up (src/server/server.ts), never writing alone; errors as thrown. */
export function serverWrites(core: EmulatorCore): GroupCommit {
  return new GroupCommit(core.db, {
    alone: () => false,
    within: (run) => core.engine.settings.pinned(run, true),
    translate: (e) => e,
    mark: () => core.ledger.mark(),
    rewind: (mark) => core.ledger.rewind(mark),
    keep: () => core.ledger.keep(),
    gathering: core.engine.gathering,
  });
}
