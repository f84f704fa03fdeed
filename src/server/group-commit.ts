import { GroupCommit, translateSqliteError, type EmulatorCore } from "../emulator/index.js";

/**
 * The group commit that the server's single-key writes (a value's PUT and DELETE, with their
 * idempotency records) join: one transaction for the writes of one turn of the event loop. A write
 * runs alone while the engine records a history, so that each is recorded as its own commit. Audit
 * records gathered for a write that is rolled back are rewound with it.
 */
export function serverWrites(core: EmulatorCore): GroupCommit {
  return new GroupCommit(core.db, {
    alone: () => core.engine.recording,
    within: (run) => core.engine.settings.pinned(run, true),
    translate: (e) => translateSqliteError(e, core.dataDir),
    mark: () => core.ledger.mark(),
    rewind: (mark) => core.ledger.rewind(mark),
    keep: () => core.ledger.keep(),
    gathering: core.engine.gathering,
  });
}
