// Expired keys in bulk, on a copy of a seeded store (bench/scale.sh's, or any `kv import` of
// bench/scale/make-data.mjs's file, where one key in 10 has a TTL of 1–30 days): the clock moves 31
// days on, so every one of them has expired; then list pages across the store are timed (they step
// over the expired keys), the dead rows are reclaimed by sweeps of 256 (src/emulator/kv/reclaim.ts,
// the sweep a write runs when home's version counter passes a multiple of 128) until none is left,
// each timed, and the list pages are timed again. It writes to the store: give it a copy.
// Prints one JSON line: expired keys, sweeps, CPU per sweep (median, p99, max, ms), the write lock a
// sweep holds, and list pages (CPU ms, median and max) before and after.
// Usage: node bench/scale/expired.mjs <data dir (a copy)> <namespace>
import { loadSrc } from "../lib/load-src.mjs";

const [dir, namespace] = process.argv.slice(2);
const { Engine, ManualClock, openStore, reclaimDeadRows } = await loadSrc("bench/consistency-entry.ts");
const DAY = 86_400_000;
const clock = new ManualClock(Date.now() + 31 * DAY);
const db = openStore({ dataDir: dir, now: clock.now() });
const engine = new Engine({ db, dataDir: dir, clock });
const now = engine.now();
const PREFIXES = ["cache/page/", "carts/", "feeds/", "flags/", "media/thumb/", "orders/2026/", "profiles/", "sessions/", "users/"];

const cpuMs = (fn) => {
  const start = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(start);
  return [(used.user + used.system) / 1000, result];
};
const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return { median: at(0.5), p99: at(0.99), max: at(1) };
};
function listPages() {
  const times = [];
  let keys = 0;
  for (const prefix of PREFIXES) {
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const [ms, result] = cpuMs(() => engine.list("local", namespace, { prefix, cursor, limit: 1000 }));
      times.push(ms);
      keys += result.keys.length;
      cursor = result.cursor;
      if (cursor === null) break;
    }
  }
  return { pages: times.length, keys, cpuMs: stats(times) };
}

const expired = db.prepare("SELECT count(*) FROM entries WHERE tombstone = 0 AND expires_at <= ?").pluck().get(now);
listPages(); // warm
const before = listPages();
const sweeps = [];
const held = [];
for (;;) {
  const t = performance.now();
  const [ms, reclaimed] = cpuMs(() => db.transaction(() => reclaimDeadRows(engine, now, 256)).immediate());
  held.push(performance.now() - t);
  if (reclaimed === 0) break;
  sweeps.push(ms);
}
const left = db.prepare("SELECT count(*) FROM entries WHERE tombstone = 0 AND expires_at <= ?").pluck().get(now);
const after = listPages();
console.log(
  JSON.stringify({ expired, left, sweeps: sweeps.length, sweepCpuMs: stats(sweeps), sweepHeldMs: stats(held), listBefore: before, listAfter: after }),
);
db.close();
