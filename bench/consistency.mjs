// Read cost in an edge region against a home read, on a store of 100,000 keys with about ten
// unsettled versions per key (consistency model §1.11: an edge's view is derived from stored versions).
// Usage: node bench/consistency.mjs [keys] [versionsPerKey] [settled]
//   settled: move the clock past Δ before reading, so every edge holds the newest version (read from
//   the copy of home's version kept in each key's history) instead of the first.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSrc } from "./lib/load-src.mjs";
import { alternate } from "./lib/alternate.mjs";

const KEYS = Number(process.argv[2] ?? 100_000);
const VERSIONS = Number(process.argv[3] ?? 10);
const SETTLED = process.argv[4] === "settled";
const { Engine, EmulatorControl, ManualClock, openStore } = await loadSrc("bench/consistency-entry.ts");

const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-consistency-"));
const clock = new ManualClock(Date.UTC(2027, 0, 1));
const db = openStore({ dataDir: dir, now: clock.now() });
const engine = new Engine({ db, dataDir: dir, clock });
new EmulatorControl(engine).configure({ profile: "yourspace" });
const key = (i) => `flags/${String(i).padStart(6, "0")}`;

const t = performance.now();
// Version 1 of every key reaches every region; versions 2..N are written within one Δ, so none has.
db.transaction(() => {
  for (let i = 0; i < KEYS; i++) engine.put("local", "default", key(i), { value: Buffer.from(`v1-${i}`) });
})();
clock.advance(1_000);
db.transaction(() => {
  for (let v = 2; v <= VERSIONS; v++) for (let i = 0; i < KEYS; i++) engine.put("local", "default", key(i), { value: Buffer.from(`v${v}-${i}`) });
})();
const rows = db.prepare("SELECT count(*) FROM versions").pluck().get();
console.log(
  `seeded ${KEYS.toLocaleString()} keys x ${VERSIONS} versions (${rows.toLocaleString()} stored versions) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

if (SETTLED) clock.advance(1_000);
const READS = 50_000;
const order = Array.from({ length: READS }, (_, i) => (i * 7919) % KEYS);
function run(options) {
  const start = performance.now();
  for (const i of order) engine.get("local", "default", key(i), options);
  return ((performance.now() - start) * 1000) / READS;
}
const home = { region: "iad", consistency: "eventual" };
const edge = { region: "sin", consistency: "eventual" };
// Check what the edge serves: the settled first version, not the unsettled newer ones (or, settled, the newest).
const sample = engine.get("local", "default", key(1), edge);
if (sample.entry.value.toString() !== (SETTLED ? `v${VERSIONS}-1` : "v1-1") || sample.read.servedFrom !== "replica")
  throw new Error("edge read did not serve the expected version");

const [homeRuns, edgeRuns] = alternate(
  () => run(home),
  () => run(edge),
);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const h = median(homeRuns);
const e = median(edgeRuns);
console.log(`home read (iad):           ${h.toFixed(2)} µs/read (median of 7 x ${READS.toLocaleString()})`);
console.log(`eventual edge read (sin):  ${e.toFixed(2)} µs/read`);
console.log(`edge / home:               ${(e / h).toFixed(2)}x`);
db.close();
rmSync(dir, { recursive: true, force: true });
