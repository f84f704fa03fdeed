// How long one bulk write holds `yourspace kv emulator start`, seen from another site: the latency of
// that site's reads while bulk writes run back to back, against the same reads on an idle server.
//
// Usage: node bench/bulk-latency.mjs [ENTRIES per request, default 1000] [VALUE bytes, default 100] [REQUESTS, default 20]
// Environment: BIN=path/to/bin/yourspace to measure another build (default: this tree's, built first
// with npm run build).
// Prints one JSON line: read latency percentiles (ms) idle and under load, bulk request times, and
// entries written per second.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Pool } from "undici";

const ENTRIES = Number(process.argv[2] ?? 1_000);
const VALUE = Number(process.argv[3] ?? 100);
const REQUESTS = Number(process.argv[4] ?? 20);
const BIN = process.env.BIN ?? new URL("../bin/yourspace", import.meta.url).pathname;

const dataDir = mkdtempSync(join(tmpdir(), "yourspace-bulk-latency-"));
const child = spawn(process.execPath, [BIN, "kv", "emulator", "start", "--port", "0", "--json", "--data-dir", dataDir], {
  stdio: ["ignore", "pipe", "ignore"],
});
const { apiUrl, token } = await new Promise((resolve, reject) => {
  child.once("exit", (code) => reject(new Error(`the emulator exited with ${code}`)));
  createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line)));
});
const other = execFileSync(process.execPath, [BIN, "kv", "emulator", "token", "create", "--site", "other", "--data-dir", dataDir, "--quiet"], {
  encoding: "utf8",
}).trim();

const writer = new Pool(apiUrl, { connections: 1 });
const reader = new Pool(apiUrl, { connections: 1 });
const call = async (pool, method, path, auth, body) => {
  const res = await pool.request({
    method,
    path,
    headers: {
      authorization: `Bearer ${auth}`,
      ...(body && { "content-type": typeof body === "string" && body.startsWith("{") ? "application/json" : "application/octet-stream" }),
    },
    body,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
  return text;
};
// No ceiling gets in the way of the writes.
await call(writer, "PATCH", "/v1/sites/local", token, JSON.stringify({ tier: "enterprise" }));
await call(reader, "PUT", "/v1/sites/other/namespaces/default/values/flag", other, "on");

// Bodies made before anything is timed, so that building them does not hold this process's loop.
const value = "v".repeat(VALUE);
const bodies = Array.from({ length: REQUESTS }, (_, r) =>
  JSON.stringify({ entries: Array.from({ length: ENTRIES }, (_, i) => ({ key: `bulk/${String(r).padStart(4, "0")}/${String(i).padStart(6, "0")}`, value })) }),
);

const read = async () => {
  const started = performance.now();
  await call(reader, "GET", "/v1/sites/other/namespaces/default/values/flag", other);
  return performance.now() - started;
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: Number(percentile(sorted, 50).toFixed(2)),
    p99: Number(percentile(sorted, 99).toFixed(2)),
    max: Number(sorted.at(-1).toFixed(2)),
  };
};

for (let i = 0; i < 300; i++) await read();
const idle = [];
for (let i = 0; i < 1_000; i++) idle.push(await read());

const loaded = [];
const bulk = [];
let writing = true;
const started = performance.now();
const writes = (async () => {
  for (const body of bodies) {
    const t = performance.now();
    await call(writer, "POST", "/v1/sites/local/namespaces/default/bulk/put", token, body);
    bulk.push(performance.now() - t);
  }
  writing = false;
})();
while (writing) loaded.push(await read());
await writes;
const seconds = (performance.now() - started) / 1000;

await Promise.all([writer.close(), reader.close()]);
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));
rmSync(dataDir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    entriesPerRequest: ENTRIES,
    valueBytes: VALUE,
    bodyMiB: Number((bodies[0].length / 1_048_576).toFixed(2)),
    readIdleMs: summary(idle),
    readDuringBulkMs: summary(loaded),
    bulkRequestMs: summary(bulk),
    entriesPerSecond: Math.round((ENTRIES * REQUESTS) / seconds),
  }),
);
