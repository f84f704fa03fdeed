// Where a store's bytes go: each table's and index's pages on disk (SQLite's dbstat), the bytes of
// rows in them, and what is unused, against the bytes of keys, values and metadata the store holds
// (what `kv usage` counts). Checkpoints the WAL first, so the file is the whole store.
// Usage: node bench/scale/pages.mjs <data dir>
import { join } from "node:path";
import { statSync } from "node:fs";
import Database from "better-sqlite3";

const [dir] = process.argv.slice(2);
const file = join(dir, "kv.sqlite");
const db = new Database(file);
db.pragma("wal_checkpoint(TRUNCATE)");
const held = db.prepare("SELECT sum(bytes) FROM usage").pluck().get() ?? 0;
const pageSize = db.pragma("page_size", { simple: true });
const rows = db
  .prepare(
    `SELECT name, count(*) AS pages, sum(pgsize) AS bytes, sum(payload) AS payload, sum(unused) AS unused,
       sum(pagetype = 'overflow') AS overflow FROM dbstat GROUP BY name ORDER BY bytes DESC`,
  )
  .all();
const size = statSync(file).size;
const mb = (n) => (n / 1e6).toFixed(1);
console.log(`${file}: ${mb(size)} MB on ${pageSize}-byte pages, ${mb(held)} MB of keys, values and metadata held: ${(size / held).toFixed(2)}×`);
console.log("| table or index | MB | share of the file | × held | payload MB | unused MB | overflow pages |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows.filter((r) => r.bytes >= size / 1000))
  console.log(
    `| ${r.name} | ${mb(r.bytes)} | ${((100 * r.bytes) / size).toFixed(1)}% | ${(r.bytes / held).toFixed(3)} | ${mb(r.payload)} | ${mb(r.unused)} | ${r.overflow} |`,
  );
db.close();
