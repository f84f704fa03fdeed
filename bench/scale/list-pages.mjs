// A list page in process: the engine over the store, pages of 1,000 keys under prefixes across the
// store (each prefix's first pages, following the cursor), timed one by one after a warm-up pass.
// Prints one JSON line: pages, keys, median, p99 and longest in ms.
// Usage: node bench/scale/list-pages.mjs <data dir> <namespace> <prefix>…
import { loadSrc } from "../lib/load-src.mjs";

const [dir, namespace, ...prefixes] = process.argv.slice(2);
const { Engine, ManualClock, openStore } = await loadSrc("bench/consistency-entry.ts");
const clock = new ManualClock(Date.now());
const db = openStore({ dataDir: dir, now: clock.now() });
const engine = new Engine({ db, dataDir: dir, clock });

function pass(timed) {
  const times = [];
  let keys = 0;
  for (const prefix of prefixes) {
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const t = performance.now();
      const result = engine.list("local", namespace, { prefix, cursor, limit: 1000 });
      if (timed) times.push(performance.now() - t);
      keys += result.keys.length;
      cursor = result.cursor;
      if (cursor === null) break;
    }
  }
  return { times, keys };
}

pass(false);
const { times, keys } = pass(true);
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
console.log(JSON.stringify({ pages: times.length, keys, medianMs: +at(0.5).toFixed(2), p99Ms: +at(0.99).toFixed(2), maxMs: +at(1).toFixed(2) }));
db.close();
