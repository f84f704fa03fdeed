// `yourspace dev` against `wrangler dev` (Miniflare) and a floor, side by side in one run, each serving
// a handler that does one KV read of an 11-byte value and answers it (bench/dev/sides.mjs):
//   start:  spawn to the first answered request (the ready line, then a GET answered with the value),
//           in the same project each time; the first start of each side is not counted; sides alternate;
//   load:   autocannon 8 (bench/server/load.mjs), GET, 10 connections, loopback; req/s, and the CPU
//           time of every process of the server's group per request; sides alternate, order swapped
//           each round; with PIN=1 the servers run on CPU 1 and autocannon on CPU 0;
//   reload: saving new code to the first request that answers with it. yourspace: the server's own
//           reload signal, then one request, which must answer the new code (else the run fails);
//           wrangler: requests one after another until one answers the new code (its log says when a
//           reload starts, not when it ends).
// Peers are installed outside the project: `npm i --prefix $TMPDIR/yourspace-bench-peers wrangler@3
// autocannon@8` (PEERS=<dir> to use another install), never into package.json.
//
// Usage: node bench/dev.mjs [seconds per load run, default 10] [rounds, default 2]
// Environment: STARTS=5 counted starts per side, RELOADS=5 saves per side, WARMUP=3 seconds of load
// discarded before each side's rounds, PIN=1, SIDES=wrangler,floor,yourspace to leave some out (no-browser: yourspace
// dev --no-browser, to see what the KV browser it starts once ready costs; wrangler is installed only when it runs).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { groupTicks, killGroup, TICKS_PER_SECOND } from "./dev/processes.mjs";
import { sides, VALUE } from "./dev/sides.mjs";

const root = resolve(import.meta.dirname, "..");
const DURATION = Number(process.argv[2] ?? 10);
const ROUNDS = Number(process.argv[3] ?? 2);
const STARTS = Number(process.env.STARTS ?? 5);
const RELOADS = Number(process.env.RELOADS ?? 5);
const WARMUP = Number(process.env.WARMUP ?? 3);
const PIN = process.env.PIN !== "0" && availableParallelism() >= 2;
const peers = resolve(process.env.PEERS ?? join(tmpdir(), "yourspace-bench-peers"));

const all = sides({ root, peers });
const chosen = (process.env.SIDES ?? "wrangler,floor,yourspace").split(",").map((name) => {
  if (!all[name]) throw new Error(`unknown side ${name}: ${Object.keys(all).join(", ")}`);
  return { key: name, ...all[name] };
});
const withWrangler = chosen.some((side) => side.key === "wrangler");
installPeers();
const work = mkdtempSync(join(tmpdir(), "yourspace-bench-dev-"));
const running = new Set();
process.on("exit", () => {
  // Servers still running when the run fails: their groups would outlive it.
  for (const server of running) killGroup(server.pid);
  rmSync(work, { recursive: true, force: true });
});

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (x) => `${x.toFixed(0)} ms`;

try {
  console.log(
    `node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(1)} at the start${withWrangler ? `; wrangler ${wranglerVersion()}` : ""}`,
  );
  for (const side of chosen) side.project = await side.prepare(join(work, side.key));

  const starts = await measureStarts();
  const load = await measureLoad();
  const reloads = await measureReloads();
  report({ starts, load, reloads });
} finally {
  for (const server of running) await server.stop();
}

/** wrangler only when it is a side of this run; autocannon always, for the load runs. */
function installPeers() {
  const needed = ["autocannon@8", ...(withWrangler ? ["wrangler@3"] : [])].filter((spec) => !existsSync(join(peers, "node_modules", spec.split("@")[0])));
  if (needed.length === 0) return;
  console.log(`installing ${needed.join(" and ")} into ${peers}`);
  execFileSync("npm", ["i", "--prefix", peers, "--no-audit", "--no-fund", ...needed], { stdio: "inherit" });
}

function wranglerVersion() {
  return execFileSync(process.execPath, [join(peers, "node_modules/wrangler/bin/wrangler.js"), "--version"], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
}

async function launch(side, cpus) {
  const server = await side.start(side.project, cpus);
  running.add(server);
  return {
    ...server,
    url: `${server.ready}${side.path}`,
    stop: async () => {
      running.delete(server);
      await server.stop();
    },
  };
}

/** GET until the server answers (wrangler prints its ready line a moment before it accepts). */
async function firstAnswer(url) {
  for (;;) {
    try {
      const answer = await fetch(url);
      return { status: answer.status, body: await answer.text() };
    } catch (error) {
      if (error.cause?.code !== "ECONNREFUSED") throw error;
      await new Promise((wait) => setTimeout(wait, 2));
    }
  }
}

async function measureStarts() {
  const times = new Map(chosen.map((side) => [side.key, []]));
  for (let run = 0; run <= STARTS; run++) {
    for (const side of chosen) {
      const t0 = performance.now();
      const server = await launch(side);
      const answer = await firstAnswer(server.url);
      const took = performance.now() - t0;
      await server.stop();
      if (answer.status !== 200 || answer.body !== VALUE) throw new Error(`${side.name} answered ${answer.status} ${JSON.stringify(answer.body)} at start`);
      if (run > 0) times.get(side.key).push(took);
    }
  }
  for (const side of chosen) console.log(`start  ${side.name}: ${times.get(side.key).map(ms).join(", ")}`);
  return times;
}

/** One autocannon run against `url`, pinned to CPU 0 when the servers are pinned to CPU 1. */
function autocannon(url, seconds) {
  const options = JSON.stringify({ url, connections: 10, duration: seconds, method: "GET" });
  const args = [join(root, "bench/server/load.mjs"), join(peers, "node_modules", "autocannon"), options];
  const child = PIN ? spawn("taskset", ["-c", "0", process.execPath, ...args]) : spawn(process.execPath, args);
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.pipe(process.stderr);
  return new Promise((done, fail) => child.once("exit", (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`autocannon exited ${code}`)))));
}

async function measureLoad() {
  const servers = new Map();
  for (const side of chosen) servers.set(side.key, await launch(side, PIN ? "1" : undefined));
  const runs = new Map(chosen.map((side) => [side.key, []]));
  try {
    for (const side of chosen) if (WARMUP > 0) await autocannon(servers.get(side.key).url, WARMUP);
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? chosen : [...chosen].reverse();
      for (const side of order) {
        const server = servers.get(side.key);
        const before = groupTicks(server.pid);
        const result = await autocannon(server.url, DURATION);
        const ticks = groupTicks(server.pid) - before;
        const failed = result.non2xx + result.errors + result.timeouts;
        if (failed > 0 || result.requests.total === 0) throw new Error(`${side.name}: ${failed} of ${result.requests.total} requests failed`);
        const cpuUs = ((ticks / TICKS_PER_SECOND) * 1e6) / result.requests.total;
        runs.get(side.key).push({ rps: result.requests.average, p99: result.latency.p99, cpuUs });
        console.log(
          `load   ${side.name} round ${round}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ${cpuUs.toFixed(0)} µs CPU per request`,
        );
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  return runs;
}

/** Saves new code RELOADS times and times each save to the first request answered by the new code. */
async function measureReloads() {
  const times = new Map();
  for (const side of chosen) {
    if (!side.rewrite) continue;
    const server = await launch(side);
    const took = [];
    const failedReloads = [];
    try {
      await firstAnswer(server.url);
      for (let n = 1; n <= RELOADS; n++) {
        // Saves 300 ms apart, as a person's are: each run times one reload, not a burst of saves.
        await new Promise((wait) => setTimeout(wait, 300));
        const body = `reload-${n}`;
        // A save written in place can be seen half-written: a reload that fails is counted, and the
        // time runs on to the reload that puts the new code in place.
        const signal = side.reloadEvent
          ? server.next((line) => {
              const event = side.reloadEvent(line);
              if (event && !event.ok) failedReloads.push(event.error?.message ?? line);
              return event?.ok;
            })
          : undefined;
        const t0 = performance.now();
        side.rewrite(side.project, body);
        if (signal) {
          // A save the server never reloads is reported, and ends this side's reloads: a late signal
          // for it would be taken for the next save's.
          const missed = await withinSeconds(10, signal, "missed").then(
            () => false,
            () => true,
          );
          if (missed) {
            console.log(`reload ${side.name}: save ${n} gave no reload signal within 10 s; the remaining saves are not run`);
            break;
          }
          const answer = await firstAnswer(server.url);
          if (answer.body !== body) throw new Error(`${side.name} signalled a reload, then answered ${JSON.stringify(answer.body)}, not ${body}`);
        } else {
          const served = async () => {
            while ((await firstAnswer(server.url)).body !== body);
          };
          await withinSeconds(30, served(), `${side.name} did not serve the new code within 30 s of a save`);
        }
        took.push(performance.now() - t0);
      }
    } finally {
      await server.stop();
    }
    console.log(`reload ${side.name}: ${took.map(ms).join(", ")}`);
    for (const failure of failedReloads) console.log(`reload ${side.name}: a reload failed before the new code was in place: ${failure}`);
    if (took.length > 0) times.set(side.key, took);
  }
  return times;
}

/** `promise`, or a failure saying `what` once `seconds` pass: a server that misses a save fails the run rather than hanging it. */
function withinSeconds(seconds, promise, what) {
  let timer;
  const late = new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(what)), seconds * 1000)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function report({ starts, load, reloads }) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const figures = new Map(
    chosen.map((side) => {
      const runs = load.get(side.key);
      return [side.key, { start: median(starts.get(side.key)), rps: mean(runs.map((r) => r.rps)), cpuUs: mean(runs.map((r) => r.cpuUs)) }];
    }),
  );
  console.log(`\nload average ${loadavg()[0].toFixed(1)} at the end; start and reload: medians; req/s and CPU: means over ${ROUNDS} rounds of ${DURATION} s`);
  for (const side of chosen) {
    const f = figures.get(side.key);
    const reload = reloads.has(side.key) ? `, reload ${ms(median(reloads.get(side.key)))}` : "";
    console.log(
      `${side.name.padEnd(36)} start ${ms(f.start).padStart(7)}, ${String(Math.round(f.rps)).padStart(6)} req/s, ${f.cpuUs.toFixed(0).padStart(4)} µs CPU/request${reload}`,
    );
  }
  const [w, fl, y] = ["wrangler", "floor", "yourspace"].map((key) => figures.get(key));
  if (!y) return;
  const verdict = (ok) => (ok ? "met" : "MISSED");
  if (w) {
    const start = y.start / w.start;
    const rps = y.rps / w.rps;
    console.log(`start yourspace/wrangler ${start.toFixed(3)}: target <= 0.2 ${verdict(start <= 0.2)}`);
    console.log(`req/s yourspace/wrangler ${rps.toFixed(2)}x: target >= 2x ${verdict(rps >= 2)}`);
  }
  if (fl) {
    const rps = y.rps / fl.rps;
    console.log(
      `req/s yourspace/floor ${rps.toFixed(2)}x: target >= 0.5x ${verdict(rps >= 0.5)}; CPU per request ${(y.cpuUs / fl.cpuUs).toFixed(1)}x the floor's`,
    );
  }
  if (reloads.has("yourspace")) {
    const reload = median(reloads.get("yourspace"));
    console.log(`reload yourspace ${ms(reload)}: target <= 150 ms ${verdict(reload <= 150)}`);
  }
}
