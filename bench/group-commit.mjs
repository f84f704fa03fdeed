// What one group of the API server's group commit costs, without HTTP: groups of N single-key PUTs
// (each a 64-byte value, as bench/server.sh sends), on a real store in the default profile, with the
// clock moving 1 ms per group. Reports the time per write and per group, and the WAL frames (pages
// written) per group by table, which is what a group's commit mostly costs.
// Usage: node bench/group-commit.mjs [writes per group, default 5] [groups, default 4000] [hot|spread]
//   hot: every write to one key (as bench/server.sh); spread: writes over 10,000 keys.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSrc } from "./lib/load-src.mjs";

const N = Number(process.argv[2] ?? 5);
const GROUPS = Number(process.argv[3] ?? 4000);
const SPREAD = process.argv[4] === "spread";
const { ManualClock, serverWrites, EmulatorCore, LocalBackend } = await loadSrc("bench/group-commit-entry.ts");

const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-group-"));
const clock = new ManualClock(Date.UTC(2027, 0, 1));
const core = EmulatorCore.open(dir, clock);
// As the server: audit records written out 256 at a time. No automatic checkpoint, so the WAL keeps
// every frame for counting (a checkpoint is not part of a group's cost here).
core.ledger.flushAt = 256;
core.db.pragma("wal_autocheckpoint = 0");
const writes = serverWrites(core);
const kv = new LocalBackend(core, "local", "token:bench", { kind: "embedded", description: "bench", site: "local" });
let n = 0;
const put = () => {
  const i = n++;
  const key = SPREAD ? `flags/${String(i % 10_000).padStart(5, "0")}` : "bench/small";
  return kv.putNow("default", key, { value: Buffer.from(`value-${String(i).padStart(12, "0")}-`.padEnd(64, "x")) });
};
const group = () => {
  clock.advance(1);
  return Promise.all(Array.from({ length: N }, () => writes.run(put)));
};

for (let i = 0; i < 500; i++) await group(); // a history to write into, and a warm JIT
const wal = join(dir, "kv.sqlite-wal");
const from = statSync(wal).size;
const t = process.hrtime.bigint();
for (let i = 0; i < GROUPS; i++) await group();
const ns = Number(process.hrtime.bigint() - t);

// Every frame is a 24-byte header and a page; the header starts with the page number.
const FRAME = 24 + core.db.pragma("page_size", { simple: true });
const bytes = readFileSync(wal);
const frames = new Map();
for (let at = from; at + FRAME <= bytes.length; at += FRAME) frames.set(bytes.readUInt32BE(at), (frames.get(bytes.readUInt32BE(at)) ?? 0) + 1);
core.db.pragma("wal_checkpoint(TRUNCATE)");
const owner = new Map(
  core.db
    .prepare("SELECT pageno, name FROM dbstat")
    .all()
    .map((r) => [r.pageno, r.name]),
);
const byTable = new Map();
let total = 0;
for (const [page, count] of frames) {
  const name = owner.get(page) ?? "(free)";
  byTable.set(name, (byTable.get(name) ?? 0) + count);
  total += count;
}
console.log(
  `${N} writes per group, ${GROUPS} groups, ${SPREAD ? "10,000 keys" : "one key"}: ${(ns / GROUPS / N / 1000).toFixed(1)} µs per write, ${(ns / GROUPS / 1000).toFixed(0)} µs per group`,
);
console.log(
  `WAL frames per group: ${(total / GROUPS).toFixed(2)} (by the table each page belongs to at the end; a page freed and reused counts under its last owner: ${[
    ...byTable,
  ]
    .sort((a, b) => b[1] - a[1])
    .map(([name, c]) => `${name} ${(c / GROUPS).toFixed(2)}`)
    .join(", ")})`,
);
core.close();
rmSync(dir, { recursive: true, force: true });
