// The floor for bench/server.sh: the least a Node server can do to answer the same requests as the
// platform API's value routes. node:http and better-sqlite3 (the project's own copy), one WAL table,
// no authentication, no router, no validation. GET reads a row; PUT upserts a row.
// Usage: node bench/server/floor.mjs <data-dir>   prints {"url": "http://127.0.0.1:<port>"} once listening.
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import Database from "better-sqlite3";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node bench/server/floor.mjs <data-dir>");
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const db = new Database(join(dir, "floor.sqlite"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL"); // as the emulator's store (src/emulator/store/store.ts)
db.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT, WITHOUT ROWID");
const readRow = db.prepare("SELECT value FROM kv WHERE key = ?").pluck();
const upsertRow = db.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
// A table brought in (bench/scale/floor.mjs's, with millions of rows) keeps its keys as BLOBs, which
// its STRICT table refuses to be given as text.
const blobKeys = db.prepare("SELECT type FROM pragma_table_info('kv') WHERE name = 'key'").pluck().get() === "BLOB";
const keyOf = blobKeys ? (key) => Buffer.from(key, "utf8") : (key) => key;
const read = { get: (key) => readRow.get(keyOf(key)) };
const upsert = { run: (key, value) => upsertRow.run(keyOf(key), value) };

const MARK = "/values/";

const server = createServer((req, res) => {
  const url = req.url ?? "/";
  const at = url.indexOf(MARK);
  const end = url.indexOf("?");
  const key = at < 0 ? "" : decodeURIComponent(url.slice(at + MARK.length, end < 0 ? undefined : end));
  if (req.method === "GET") {
    const value = read.get(key);
    if (value === undefined) {
      res.writeHead(404, { "content-length": 0 });
      res.end();
    } else {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": value.length });
      res.end(value);
    }
    return;
  }
  if (req.method === "PUT") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      upsert.run(key, Buffer.concat(chunks));
      const body = '{"ok":true}';
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
    return;
  }
  res.writeHead(405, { "content-length": 0 });
  res.end();
});

server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }));
});

const stop = () => server.close(() => (db.close(), process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
