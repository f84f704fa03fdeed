// How long `yourspace dev` takes from spawn to its first answered request, for one or more checkouts
// in the same run (bench/dev.mjs measures it against wrangler; this compares builds): a project with
// one route whose function reads a key, `yourspace dev --port 0 --json --no-browser`, its ready line,
// then a GET answered with the value; then SIGINT. Runs alternate between the checkouts; the first
// round is not counted.
// Usage: node bench/dev-start.mjs [runs, default 12] [checkout ...]
//   Each checkout must be built (dist/cli.cjs); without any, this one.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const RUNS = Number(process.argv[2] ?? 12);
const checkouts = process.argv.length > 3 ? process.argv.slice(3).map((d) => resolve(d)) : [resolve(import.meta.dirname, "..")];

const project = mkdtempSync(join(tmpdir(), "yourspace-bench-dev-start-"));
mkdirSync(join(project, "functions"));
writeFileSync(
  join(project, "functions/read.js"),
  'import { kv } from "yourspace:edge";\n\nexport default async function handler() {\n  return new Response(await kv.get("bench/small"));\n}\n',
);
writeFileSync(join(project, "yourspace.jsonc"), JSON.stringify({ routes: [{ pattern: "/*", function: "functions/read.js", kv: "read-only" }] }));
execFileSync(process.execPath, [join(checkouts[0], "bin/yourspace"), "kv", "set", "bench/small", "hello-world", "--quiet"], { cwd: project });

/** Milliseconds from spawn to the first answered GET. */
async function once(checkout) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(checkout, "bin/yourspace"), "dev", "--port", "0", "--json", "--no-browser"], {
    cwd: project,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const exited = new Promise((done) => child.once("exit", done));
  const line = await new Promise((ready) => createInterface({ input: child.stdout }).once("line", ready));
  const answer = await fetch(`${JSON.parse(line).url}/`);
  if ((await answer.text()) !== "hello-world") throw new Error(`${checkout}: the first request was answered ${answer.status}`);
  const ms = performance.now() - t0;
  child.kill("SIGINT");
  await exited;
  return ms;
}

const times = new Map(checkouts.map((c) => [c, []]));
for (let round = 0; round <= RUNS; round++) {
  for (const checkout of checkouts) {
    const ms = await once(checkout);
    if (round > 0) times.get(checkout).push(ms);
  }
}
rmSync(project, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, ${RUNS} runs each, load average ${(await import("node:os")).loadavg()[0].toFixed(1)} at the end`);
for (const [checkout, xs] of times) console.log(`${checkout}: median ${median(xs).toFixed(1)} ms, fastest ${Math.min(...xs).toFixed(1)} ms`);
