// The scale bench's floor: raw better-sqlite3 on one table of the same rows, nothing else (no
// versions, usage, audit, validation or namespaces). The same page size and WAL mode as the store.
// Usage:
//   node bench/scale/floor.mjs load <import.ndjson> <file.sqlite>   insert every entry, 1,000 to a transaction
//   node bench/scale/floor.mjs scan <file.sqlite> <prefix>          every live row under the prefix, as NDJSON on stdout
//   node bench/scale/floor.mjs scan-sql <file.sqlite> <prefix>      the same lines, SQLite writing them 1,000 rows a query
//                                                                   (json_quote, group_concat), as `kv export` does
import { createReadStream, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";

const [command, a, b] = process.argv.slice(2);

function upperBound(prefix) {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) if (bytes[i] < 0xff) return Buffer.concat([bytes.subarray(0, i), Buffer.from([bytes[i] + 1])]);
  return Buffer.from([0xff, 0xff, 0xff, 0xff]);
}

if (command === "load") {
  const db = new Database(b);
  db.pragma("page_size = 4096");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER, metadata TEXT) STRICT, WITHOUT ROWID");
  const insert = db.prepare("INSERT OR REPLACE INTO kv (key, value, expires_at, metadata) VALUES (?, ?, ?, ?)");
  const now = Date.now();
  const batch = db.transaction((entries) => {
    for (const e of entries)
      insert.run(
        Buffer.from(e.key, "utf8"),
        Buffer.from(e.value, "utf8"),
        e.expiration_ttl === undefined ? null : now + e.expiration_ttl * 1000,
        e.metadata === undefined ? null : JSON.stringify(e.metadata),
      );
  });
  let entries = [];
  for await (const line of createInterface({ input: createReadStream(a), crlfDelay: Infinity })) {
    entries.push(JSON.parse(line));
    if (entries.length === 1000) {
      batch(entries);
      entries = [];
    }
  }
  batch(entries);
  db.close();
} else if (command === "scan") {
  const db = new Database(a, { readonly: true });
  const rows = db
    .prepare("SELECT key, value, expires_at, metadata FROM kv WHERE key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key")
    .iterate(Buffer.from(b, "utf8"), upperBound(b), Date.now());
  let out = "";
  for (const r of rows) {
    out += `${JSON.stringify({ key: r.key.toString("utf8"), value: r.value.toString("utf8"), expiration: r.expires_at, metadata: r.metadata && JSON.parse(r.metadata) })}\n`;
    if (out.length > 65536) {
      writeSync(1, out);
      out = "";
    }
  }
  writeSync(1, out);
} else if (command === "scan-sql") {
  // JavaScript handles one buffer per 1,000 rows: no row objects, strings or encoding per row.
  const db = new Database(a, { readonly: true });
  const page = (from) =>
    db.prepare(
      `SELECT CAST(group_concat(line, '') AS BLOB) AS text, count(*) AS n, max(key) AS last FROM (
         SELECT key, concat('{"key":', json_quote(CAST(key AS TEXT)), ',"value":', json_quote(CAST(value AS TEXT)),
           ',"expiration":', ifnull(expires_at, 'null'), ',"metadata":', ifnull(metadata, 'null'), '}', char(10)) AS line
         FROM kv WHERE key ${from} ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT 1000)`,
    );
  // The first page starts at the prefix itself, the next ones after the last key written.
  const [first, next] = [page(">="), page(">")];
  const now = Date.now();
  let after = null;
  for (;;) {
    const { text, n, last } = (after === null ? first : next).get(after ?? Buffer.from(b, "utf8"), upperBound(b), now);
    if (n > 0) writeSync(1, text);
    if (n < 1000) break;
    after = last;
  }
} else {
  console.error("usage: floor.mjs load <ndjson> <db> | scan <db> <prefix> | scan-sql <db> <prefix>");
  process.exit(2);
}
