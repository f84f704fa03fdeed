// The server's group commit, driven in process without HTTP, for bench/group-pages.mjs and
// bench/group-callgrind-drive.mjs: a store opened as the API server opens it, and groups of writes of
// one of bench/server.sh's write cases, one group per turn of the event loop, the clock moving 1 ms
// per group. hot: PUTs of one key (its PUT); new: PUTs with onlyIf absent of a new key each (its
// conditional PUT); incr: increments of one counter.
// `src`: bench/group-commit-entry.ts as loaded from the checkout being measured (bench/lib/load-src.mjs).

export const WRITE_CASES = ["hot", "new", "incr"];

export function groupWrites(src, dir, mode) {
  const { ManualClock, serverWrites, EmulatorCore, LocalBackend } = src;
  const clock = new ManualClock(Date.UTC(2027, 0, 1));
  const core = EmulatorCore.open(dir, clock);
  // As the server: audit records written out 256 at a time, the settings looked at once per turn; the
  // enterprise tier, so new keys meet no ceiling.
  core.ledger.flushAt = 256;
  core.engine.settings.oncePerTurn = true;
  core.db.prepare("UPDATE sites SET tier = 'enterprise'").run();
  const writes = serverWrites(core);
  const kv = new LocalBackend(core, "local", "token:bench", { kind: "embedded", description: "bench", site: "local" });
  let n = 0;
  const one = () => {
    const i = n++;
    if (mode === "incr") return kv.incrNow("default", "bench/counter", {});
    const value = Buffer.from(`value-${String(i).padStart(12, "0")}-`.padEnd(64, "x"));
    if (mode === "new") return kv.putNow("default", `bench/new-${i}`, { value }, { onlyIf: { version: null } });
    return kv.putNow("default", "bench/small", { value });
  };
  return {
    core,
    /** Runs `count` groups of `size` writes, each group in a turn of its own. */
    async groups(count, size) {
      for (let g = 0; g < count; g++) {
        clock.advance(1);
        await Promise.all(Array.from({ length: size }, () => writes.run(one)));
      }
    },
  };
}
