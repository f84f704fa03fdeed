// Reports for bench/server.sh.
//   node summary.mjs line <results/case.server.round> <case> <server> <round>   one run; exits 1 if any request failed
//   node summary.mjs summary <results-dir> <rounds> <clock ticks per second>    the table, ratios and targets
//   node summary.mjs side <results-dir> <rounds> <clock ticks per second>       the side-by-side runs
import { readFileSync } from "node:fs";

const [mode, ...args] = process.argv.slice(2);
const read = (base) => JSON.parse(readFileSync(`${base}.json`, "utf8"));

if (mode === "line") {
  const [base, name, server, round] = args;
  const r = read(base);
  const bad = r.non2xx + r.errors + r.timeouts + (r.requests.total === 0 ? 1 : 0);
  console.log(
    `  ${name.padEnd(9)} ${server.padEnd(6)} round ${round}: ${String(Math.round(r.requests.average)).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  max ${r.latency.max} ms` +
      (bad ? `  FAILED: ${r.requests.total} requests answered, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts` : ""),
  );
  process.exit(bad ? 1 : 0);
}

if (mode === "summary") {
  const [dir, rounds, hz] = args;
  const load = (name, server) => {
    const runs = [];
    for (let i = 1; i <= Number(rounds); i++) {
      const base = `${dir}/${name}.${server}.${i}`;
      runs.push({ r: read(base), ticks: Number(readFileSync(`${base}.cpu`, "utf8")) });
    }
    const requests = runs.reduce((s, x) => s + x.r.requests.total, 0);
    const seconds = runs.reduce((s, x) => s + x.ticks, 0) / Number(hz);
    return {
      perRound: runs.map((x) => x.r.requests.average),
      rps: runs.reduce((s, x) => s + x.r.requests.average, 0) / runs.length,
      p50: Math.max(...runs.map((x) => x.r.latency.p50)),
      p99: Math.max(...runs.map((x) => x.r.latency.p99)),
      cpuUs: (seconds * 1e6) / requests,
    };
  };
  const row = (label, x) =>
    `${label.padEnd(27)} ${String(Math.round(x.rps)).padStart(7)} req/s   p50 ${x.p50} ms   p99 ${String(x.p99).padStart(2)} ms   server CPU ${x.cpuUs.toFixed(0).padStart(4)} µs/request`;
  const verdict = (ok) => (ok ? "met" : "MISSED");
  const get = { floor: load("get", "floor"), ours: load("get", "ours") };
  const put = { floor: load("put", "floor"), ours: load("put", "ours") };
  const idem = load("put-idem", "ours");
  const ifAbsent = load("put-if-absent", "ours");
  const incr = load("incr", "ours");
  console.log(
    "req/s: mean over rounds; p50 and p99: worst round (autocannon measures whole ms); server CPU: user+system time of the server process / requests",
  );
  console.log(row("GET floor", get.floor));
  console.log(row("GET emulator", get.ours));
  console.log(row("PUT floor", put.floor));
  console.log(row("PUT emulator", put.ours));
  console.log(row("PUT emulator, idempotency key", idem));
  console.log(row("PUT emulator, If-None-Match *", ifAbsent));
  console.log(row("incr emulator", incr));
  const g = get.ours.rps / get.floor.rps;
  const p = put.ours.rps / put.floor.rps;
  const cpu = (o, f) => `(CPU per request ${(o.cpuUs / f.cpuUs).toFixed(1)}x the floor's)`;
  // Each round runs the floor and the emulator back to back, so a round's own ratio is spared the
  // machine's slower drifts: shown beside the verdict, which stays on the means.
  const paired = (o, f) => `per round ${o.perRound.map((x, i) => (x / f.perRound[i]).toFixed(2)).join(" ")}`;
  console.log(
    `GET ours/floor ${g.toFixed(2)}x: target >= 0.80x ${verdict(g >= 0.8)}; p99 ${get.ours.p99} ms: target <= 2 ms ${verdict(get.ours.p99 <= 2)} ${cpu(get.ours, get.floor)}; ${paired(get.ours, get.floor)}`,
  );
  console.log(`PUT ours/floor ${p.toFixed(2)}x: target >= 0.60x ${verdict(p >= 0.6)} ${cpu(put.ours, put.floor)}; ${paired(put.ours, put.floor)}`);
  console.log(`PUT with Idempotency-Key ours/floor ${(idem.rps / put.floor.rps).toFixed(2)}x (no target) ${cpu(idem, put.floor)}`);
  // Judged against the floor's plain PUT: neither has a floor of its own, and neither may cost much more than a write.
  for (const [label, x] of [
    ["conditional PUT (If-None-Match *)", ifAbsent],
    ["incr", incr],
  ]) {
    const r = x.rps / put.floor.rps;
    console.log(`${label} ours/floor PUT ${r.toFixed(2)}x: target >= 0.60x ${verdict(r >= 0.6)} ${cpu(x, put.floor)}; ${paired(x, put.floor)}`);
  }
  process.exit(0);
}

if (mode === "side") {
  const [dir, rounds, hz] = args;
  console.log(
    "side by side (both servers loaded at once, sharing one CPU): req/s, and server CPU per request; floor/emulator CPU is the emulator's share of the floor's efficiency (no target)",
  );
  for (const name of ["get", "put"]) {
    const ratios = [];
    for (let i = 1; i <= Number(rounds); i++) {
      const base = `${dir}/side.${name}.${i}`;
      const ours = JSON.parse(readFileSync(`${base}.ours.json`, "utf8"));
      const floor = JSON.parse(readFileSync(`${base}.floor.json`, "utf8"));
      const [oursTicks, floorTicks] = readFileSync(`${base}.cpu`, "utf8").trim().split(" ").map(Number);
      const us = (ticks, r) => ((ticks / Number(hz)) * 1e6) / r.requests.total;
      const [o, f] = [us(oursTicks, ours), us(floorTicks, floor)];
      ratios.push(f / o);
      console.log(
        `  ${name.toUpperCase().padEnd(3)} round ${i}: floor ${String(Math.round(floor.requests.average)).padStart(6)} req/s ${f.toFixed(1).padStart(5)} µs/request, emulator ${String(Math.round(ours.requests.average)).padStart(6)} req/s ${o.toFixed(1).padStart(5)} µs/request: floor/emulator CPU ${(f / o).toFixed(2)}`,
      );
    }
    console.log(`${name.toUpperCase()} side by side, floor/emulator CPU per request: ${ratios.map((r) => r.toFixed(2)).join(" ")}`);
  }
  process.exit(0);
}

console.error("usage: summary.mjs line <base> <case> <server> <round> | summary <dir> <rounds> <hz> | side <dir> <rounds> <hz>");
process.exit(2);
