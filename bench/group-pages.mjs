// What one group of writes costs in process, without HTTP: the pages of WAL a group writes and the
// CPU time per write, for bench/server.sh's three write cases (bench/lib/group-writes.mjs: hot, a PUT
// of one key; new, a conditional PUT of a new key each; incr, an increment of one counter), GROUP
// writes per turn, as many connections would send them. After a warm-up the WAL is left to grow (no
// checkpoints), so its size counts every frame the groups wrote.
// Usage: node bench/group-pages.mjs [groups, default 2000] [writes per group, default 10]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupWrites, WRITE_CASES } from "./lib/group-writes.mjs";
import { loadSrc } from "./lib/load-src.mjs";

const GROUPS = Number(process.argv[2] ?? 2000);
const GROUP = Number(process.argv[3] ?? 10);
const WARM_UP_GROUPS = 200;
/** A WAL frame: a 24-byte header and a page of the store's 4,096 bytes. */
const FRAME_BYTES = 24 + 4096;

const src = await loadSrc("bench/group-commit-entry.ts");

for (const mode of WRITE_CASES) {
  const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-group-pages-"));
  const run = groupWrites(src, dir, mode);
  await run.groups(WARM_UP_GROUPS, GROUP);
  run.core.db.pragma("wal_checkpoint(TRUNCATE)");
  run.core.db.pragma("wal_autocheckpoint = 0");
  const before = process.cpuUsage();
  await run.groups(GROUPS, GROUP);
  const cpu = process.cpuUsage(before);
  const frames = statSync(join(dir, "kv.sqlite-wal")).size / FRAME_BYTES;
  run.core.close();
  rmSync(dir, { recursive: true, force: true });
  const perWrite = (cpu.user + cpu.system) / (GROUPS * GROUP);
  console.log(`${mode.padEnd(5)} ${(frames / GROUPS).toFixed(1)} pages of WAL per group of ${GROUP}; ${perWrite.toFixed(1)} µs of CPU per write`);
}
