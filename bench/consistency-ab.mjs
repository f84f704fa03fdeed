// Two checkouts' reads in one process, as bench/consistency.mjs makes and times them: each checkout's
// engine (its bench/consistency-entry.ts) over a store of its own, with blocks of home reads and
// eventual edge reads alternating between the two, so whatever else the machine does hits both alike.
// Separate runs of bench/consistency.mjs on a busy machine differ by more than a change would.
// Usage: node bench/consistency-ab.mjs <checkout A> <checkout B> [keys, default 30000] [rounds, default 25]
//   A checkout of an older commit: git worktree add /tmp/a <commit>, then ln -s "$PWD/node_modules" /tmp/a/.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [A, B] = process.argv.slice(2, 4).map((dir) => dir && resolve(dir));
if (!A || !B) {
  console.error("usage: node bench/consistency-ab.mjs <checkout A> <checkout B> [keys] [rounds]");
  process.exit(2);
}
const KEYS = Number(process.argv[4] ?? 30_000);
const ROUNDS = Number(process.argv[5] ?? 25);
const READS = 10_000;
const key = (i) => `flags/${String(i).padStart(6, "0")}`;

async function open(checkout) {
  const { loadSrc } = await import(pathToFileURL(join(checkout, "bench/lib/load-src.mjs")).href);
  const { Engine, EmulatorControl, ManualClock, openStore } = await loadSrc("bench/consistency-entry.ts");
  const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-consistency-ab-"));
  const clock = new ManualClock(Date.UTC(2027, 0, 1));
  const db = openStore({ dataDir: dir, now: clock.now() });
  const engine = new Engine({ db, dataDir: dir, clock });
  new EmulatorControl(engine).configure({ profile: "yourspace" });
  // As bench/consistency.mjs: version 1 everywhere, versions 2..10 within one Δ, so the edge lacks them.
  db.transaction(() => {
    for (let i = 0; i < KEYS; i++) engine.put("local", "default", key(i), { value: Buffer.from(`v1-${i}`) });
  })();
  clock.advance(1_000);
  db.transaction(() => {
    for (let v = 2; v <= 10; v++) for (let i = 0; i < KEYS; i++) engine.put("local", "default", key(i), { value: Buffer.from(`v${v}-${i}`) });
  })();
  return { checkout, engine, db, dir, home: [], edge: [] };
}

const sides = [await open(A), await open(B)];
const order = Array.from({ length: READS }, (_, i) => (i * 7919) % KEYS);
function time(side, options) {
  const start = performance.now();
  for (const i of order) side.engine.get("local", "default", key(i), options);
  return ((performance.now() - start) * 1000) / READS;
}
const home = { region: "iad", consistency: "eventual" };
const edge = { region: "sin", consistency: "eventual" };
for (let round = 0; round < ROUNDS; round++) {
  // Each round swaps which checkout goes first.
  for (const side of round % 2 ? sides : [...sides].reverse()) {
    side.home.push(time(side, home));
    side.edge.push(time(side, edge));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${KEYS.toLocaleString()} keys x 10 versions, ${ROUNDS} rounds of ${READS.toLocaleString()} reads; medians`);
for (const side of sides) {
  const [h, e] = [median(side.home), median(side.edge)];
  console.log(`${side.checkout}: home ${h.toFixed(2)} µs, eventual edge ${e.toFixed(2)} µs, edge / home ${(e / h).toFixed(2)}x`);
  side.db.close();
  rmSync(side.dir, { recursive: true, force: true });
}
