// Another process on the store while a long command runs: every 20 ms it reads one key and takes the
// write lock (BEGIN IMMEDIATE, then ROLLBACK), and times how long each waited. On SIGTERM it prints
// one JSON line: the count, the longest and the 99th percentile of each, in ms.
// Usage: node bench/scale/lock-probe.mjs <data dir> <namespace> <key>   (prints "ready" once it has looked once)
import { join } from "node:path";
import Database from "better-sqlite3";

const [dir, namespace, key] = process.argv.slice(2);
const db = new Database(join(dir, "kv.sqlite"), { timeout: 120_000 });
// By (ns, key), the primary key: the key alone would scan the table.
const read = db.prepare("SELECT length(value) FROM entries WHERE ns = (SELECT id FROM namespaces WHERE name = ?) AND key = ?").pluck();
const begin = db.prepare("BEGIN IMMEDIATE");
const rollback = db.prepare("ROLLBACK");
const reads = [];
const locks = [];
let stopping = false;

function probe() {
  let t = performance.now();
  read.get(namespace, Buffer.from(key, "utf8"));
  reads.push(performance.now() - t);
  t = performance.now();
  begin.run();
  locks.push(performance.now() - t);
  rollback.run();
}

function summary(times) {
  const sorted = [...times].sort((x, y) => x - y);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { n: sorted.length, maxMs: Number(at(1).toFixed(1)), p99Ms: Number(at(0.99).toFixed(1)) };
}

process.on("SIGTERM", () => {
  stopping = true;
});
probe();
console.log("ready");
while (!stopping) {
  probe();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(JSON.stringify({ read: summary(reads), writeLock: summary(locks) }));
db.close();
