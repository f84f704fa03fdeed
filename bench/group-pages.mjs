// What one group of writes costs in process, without HTTP: the pages of WAL a group writes and the
// CPU time per write, for the server's three write cases (bench/server.sh): hot, a PUT of one key;
// new, a conditional PUT (onlyIf absent) of a new key each; incr, an increment of one counter. The
// writes go through the server's group commit (serverWrites), GROUP of them per turn, as many
// connections would send them; after a warm-up the WAL is left to grow (no checkpoints), so its size
// counts every frame the groups wrote.
// Usage: node bench/group-pages.mjs [groups, default 2000] [writes per group, default 10]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSrc } from "./lib/load-src.mjs";

const GROUPS = Number(process.argv[2] ?? 2000);
const GROUP = Number(process.argv[3] ?? 10);
const WARM_UP_GROUPS = 200;
/** A WAL frame: a 24-byte header and a page of the store's 4,096 bytes. */
const FRAME_BYTES = 24 + 4096;

const { ManualClock, serverWrites, EmulatorCore, LocalBackend } = await loadSrc("bench/group-commit-entry.ts");

async function measure(mode) {
  const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-group-pages-"));
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
  const groups = async (count) => {
    for (let g = 0; g < count; g++) {
      clock.advance(1);
      await Promise.all(Array.from({ length: GROUP }, () => writes.run(one)));
    }
  };
  await groups(WARM_UP_GROUPS);
  core.db.pragma("wal_checkpoint(TRUNCATE)");
  core.db.pragma("wal_autocheckpoint = 0");
  const before = process.cpuUsage();
  await groups(GROUPS);
  const cpu = process.cpuUsage(before);
  const frames = statSync(join(dir, "kv.sqlite-wal")).size / FRAME_BYTES;
  core.close();
  rmSync(dir, { recursive: true, force: true });
  const perWrite = (cpu.user + cpu.system) / (GROUPS * GROUP);
  console.log(`${mode.padEnd(5)} ${(frames / GROUPS).toFixed(1)} pages of WAL per group of ${GROUP}; ${perWrite.toFixed(1)} µs of CPU per write`);
}

for (const mode of ["hot", "new", "incr"]) await measure(mode);
