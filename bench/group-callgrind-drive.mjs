// Drives a checkout's group commit in process, for bench/group-callgrind.sh: GROUPS groups of 5
// single-key writes, the clock moving 1 ms per group. hot: PUTs of one key (as bench/server.sh's
// PUT); new: PUTs with If-None-Match (onlyIf absent) of a new key each (its conditional PUT); incr:
// increments of one counter.
// Usage: node bench/group-callgrind-drive.mjs <checkout> <groups> <hot|new|incr>
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [checkout, groups, mode] = process.argv.slice(2);
if (!checkout || !groups || !["hot", "new", "incr"].includes(mode)) {
  console.error("usage: node bench/group-callgrind-drive.mjs <checkout> <groups> <hot|new|incr>");
  process.exit(2);
}
const { loadSrc } = await import(join(resolve(checkout), "bench/lib/load-src.mjs"));
const { ManualClock, serverWrites, EmulatorCore, LocalBackend } = await loadSrc("bench/group-commit-entry.ts");
const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-group-cg-"));
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
for (let g = 0; g < Number(groups); g++) {
  clock.advance(1);
  await Promise.all(Array.from({ length: 5 }, () => writes.run(one)));
}
core.close();
rmSync(dir, { recursive: true, force: true });
