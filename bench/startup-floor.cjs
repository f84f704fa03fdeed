// The least a `kv get` on an embedded store does, the floor beside it in bench/startup.sh: load
// better-sqlite3, open a WAL database, read one row, record the read in a second table (as the
// emulator meters and audits every read), close (SQLite checkpoints the WAL), print the value.
// bench/startup.sh bundles it with better-sqlite3's JavaScript, as the CLI's bundle holds it, so
// the floor does not pay for resolving and reading a dozen files the CLI never reads. As the CLI, it
// loads the addon itself (process.dlopen, no module lookup) and writes to its descriptor, making no
// stream (src/emulator/store/store-file.ts, src/terminal/standard-output.ts).
// Usage: node startup-floor.cjs <database file (made, with its row, when missing)> <better_sqlite3.node>
"use strict";
const { existsSync, writeSync } = require("node:fs");
const Database = require("better-sqlite3");

const [file, addon] = process.argv.slice(2);
const fresh = !existsSync(file);
const binding = { exports: {} };
process.dlopen(binding, addon);
const db = new Database(file, { nativeBinding: binding.exports });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
if (fresh) {
  db.exec("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL); CREATE TABLE reads (id INTEGER PRIMARY KEY, key TEXT NOT NULL, t INTEGER NOT NULL)");
  db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)").run("flags/homepage-v2", Buffer.from("on"));
}
const row = db.prepare("SELECT value FROM kv WHERE key = ?").get("flags/homepage-v2");
db.prepare("INSERT INTO reads (key, t) VALUES (?, ?)").run("flags/homepage-v2", Date.now());
db.close();
writeSync(1, row.value);
