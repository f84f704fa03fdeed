// How long `yourspace kv emulator start` takes to be ready, and how much memory it holds then, against
// the floor of bench/server.sh (bench/server/floor.mjs, a bare node:http + better-sqlite3 server) in
// the same run: from spawn to the first line on stdout (the JSON with the URL), each time in a new
// data directory, then SIGTERM. Runs alternate between the servers.
// Usage: node bench/server-start.mjs [runs, default 15] [checkout ...]
//   Each checkout must be built (dist/cli.cjs); without any, this one.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const RUNS = Number(process.argv[2] ?? 15);
const checkouts = process.argv.length > 3 ? process.argv.slice(3).map((d) => resolve(d)) : [root];

const servers = [
  { name: "floor (bench/server/floor.mjs)", args: (dir) => [join(root, "bench/server/floor.mjs"), dir] },
  ...checkouts.map((c) => ({
    name: `emulator (${c})`,
    args: (dir) => [join(c, "bin/yourspace"), "--data-dir", dir, "kv", "emulator", "start", "--port", "0", "--json"],
  })),
];

/** One start: milliseconds to the ready line, and the process's resident memory (VmRSS, KiB) then. */
async function once(server) {
  const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-start-"));
  const t0 = performance.now();
  const child = spawn(process.execPath, server.args(dir), { stdio: ["ignore", "pipe", "ignore"] });
  const exited = new Promise((done) => child.once("exit", done));
  await new Promise((ready, fail) => {
    child.stdout.once("data", ready);
    child.once("exit", () => fail(new Error(`${server.name} exited before it was ready`)));
  });
  const ms = performance.now() - t0;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]);
  child.kill("SIGTERM");
  await exited;
  rmSync(dir, { recursive: true, force: true });
  return { ms, rss };
}

const results = servers.map(() => []);
for (let run = 0; run < RUNS; run++) {
  for (const [i, server] of servers.entries()) results[i].push(await once(server));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`node ${process.version}, ${RUNS} starts of each, alternating`);
for (const [i, server] of servers.entries()) {
  const ms = results[i].map((r) => r.ms);
  const rss = results[i].map((r) => r.rss);
  console.log(
    `${server.name}: ready in ${median(ms).toFixed(0)} ms (median; fastest ${Math.min(...ms).toFixed(0)} ms), ${(median(rss) / 1024).toFixed(1)} MiB resident`,
  );
}
