// Drives a checkout's group commit in process, for bench/group-callgrind.sh: GROUPS groups of 5
// single-key writes of one case (bench/lib/group-writes.mjs: hot, new or incr).
// Usage: node bench/group-callgrind-drive.mjs <checkout> <groups> <hot|new|incr>
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { groupWrites, WRITE_CASES } from "./lib/group-writes.mjs";

const [checkout, groups, mode] = process.argv.slice(2);
if (!checkout || !groups || !WRITE_CASES.includes(mode)) {
  console.error("usage: node bench/group-callgrind-drive.mjs <checkout> <groups> <hot|new|incr>");
  process.exit(2);
}
const { loadSrc } = await import(join(resolve(checkout), "bench/lib/load-src.mjs"));
const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-group-cg-"));
const run = groupWrites(await loadSrc("bench/group-commit-entry.ts"), dir, mode);
await run.groups(Number(groups), 5);
run.core.close();
rmSync(dir, { recursive: true, force: true });
