// Memory of `yourspace kv emulator start` under a flood of made-up bearer tokens: the RSS of the
// server's process before and after N requests, each with a different bogus token of SIZE characters.
//
// Usage: node bench/token-flood.mjs [N, default 10000] [SIZE, default 15000]
// Environment: BIN=path/to/bin/yourspace to measure another build (default: this tree's, built first
// with npm run build); CONNECTIONS (default 10).
// Prints one JSON line: RSS before and after in MiB, and the statuses the requests got.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Pool } from "undici";

const N = Number(process.argv[2] ?? 10_000);
const SIZE = Number(process.argv[3] ?? 15_000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const BIN = process.env.BIN ?? new URL("../bin/yourspace", import.meta.url).pathname;

const dataDir = mkdtempSync(join(tmpdir(), "yourspace-token-flood-"));
const child = spawn(process.execPath, [BIN, "kv", "emulator", "start", "--port", "0", "--json", "--data-dir", dataDir], {
  stdio: ["ignore", "pipe", "inherit"],
});
const ready = await new Promise((resolve, reject) => {
  child.once("exit", (code) => reject(new Error(`the emulator exited with ${code}`)));
  createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line)));
});

const rssMiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

const pool = new Pool(ready.apiUrl, { connections: CONNECTIONS, pipelining: 1 });
// Warm the server up with its own token, so "before" is a server that has served requests.
for (let i = 0; i < 1_000; i++)
  await (await pool.request({ method: "GET", path: "/v1/whoami", headers: { authorization: `Bearer ${ready.token}` } })).body.text();
await settle();
const before = rssMiB();

const statuses = {};
let next = 0;
const padding = "x".repeat(Math.max(0, SIZE - 12));
async function worker() {
  while (next < N) {
    const i = next++;
    const token = `${String(i).padStart(12, "0")}${padding}`;
    try {
      const res = await pool.request({ method: "GET", path: "/v1/whoami", headers: { authorization: `Bearer ${token}` } });
      await res.body.text();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    } catch (e) {
      statuses[e.code ?? "error"] = (statuses[e.code ?? "error"] ?? 0) + 1;
    }
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: CONNECTIONS }, worker));
const seconds = (performance.now() - started) / 1000;
await settle();
const after = rssMiB();

await pool.close();
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));
rmSync(dataDir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    requests: N,
    tokenChars: SIZE,
    rssBeforeMiB: Math.round(before),
    rssAfterMiB: Math.round(after),
    grewMiB: Math.round(after - before),
    seconds: Number(seconds.toFixed(1)),
    statuses,
  }),
);
