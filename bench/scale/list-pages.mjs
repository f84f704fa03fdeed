// A list page in process: the engine over the store, pages of 1,000 keys under prefixes across the
// store (each prefix's first pages, following the cursor), timed one by one after a warm-up pass, in
// wall time and in this process's CPU time (which other work on the machine disturbs far less).
// Prints one JSON line: pages, keys, and the median, p99 and longest of each, in ms.
// Usage: node bench/scale/list-pages.mjs <data dir> <namespace> <prefix>…
import { loadSrc } from "../lib/load-src.mjs";

const [dir, namespace, ...prefixes] = process.argv.slice(2);
const { Engine, ManualClock, openStore } = await loadSrc("bench/consistency-entry.ts");
const clock = new ManualClock(Date.now());
const db = openStore({ dataDir: dir, now: clock.now() });
const engine = new Engine({ db, dataDir: dir, clock });

function pass(timed) {
  const times = [];
  const cpu = [];
  let keys = 0;
  for (const prefix of prefixes) {
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const t = performance.now();
      const c = process.cpuUsage();
      const result = engine.list("local", namespace, { prefix, cursor, limit: 1000 });
      const used = process.cpuUsage(c);
      if (timed) times.push(performance.now() - t);
      if (timed) cpu.push((used.user + used.system) / 1000);
      keys += result.keys.length;
      cursor = result.cursor;
      if (cursor === null) break;
    }
  }
  return { times, cpu, keys };
}

pass(false);
const { times, cpu, keys } = pass(true);
const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return { median: at(0.5), p99: at(0.99), max: at(1) };
};
console.log(JSON.stringify({ pages: times.length, keys, wallMs: stats(times), cpuMs: stats(cpu) }));
db.close();
