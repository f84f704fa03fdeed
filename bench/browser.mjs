// How long the KV browser takes to show the first page of keys of a 1M-key namespace, against the
// floor in the same run: the API request for that same page, sent straight to the emulator's server,
// and the same request through the browser host's proxy.
//   - Seeds a data directory once with `kv import` of a generated file (bench/make-import-file.mjs) and
//     keeps it under $TMPDIR, so later runs skip the seeding (delete it, or set BENCH_RESEED=1, to redo).
//   - `kv emulator start --json` on it; the page's host is the one it prints (`browserUrl`), or, while
//     the command does not start one, startBrowserHost (src/browser/host/host.ts) in this process.
//   - Headless Chromium (Debian's, through playwright-core) signs in once with the one-time URL, then
//     opens `/kv/#ns=default` in a new tab N times: each time from navigation start to the moment the
//     page sets `document.body.dataset.keysReady` (a MutationObserver records the page's own clock, and
//     says so in a console message). Nothing of Playwright's runs in the page until then: a
//     waitForFunction would have Playwright evaluate its own script (some 100 ms of the page's main
//     thread, seen in a Chromium trace) in the middle of the page's start.
//   - The floor: the exact keys request the page made (its path and query, captured), N times each,
//     straight to the API and through the host's proxy, with undici.
//   - BENCH_TRACE=1: each open is traced (Chromium's tracing), and the page's renderer main thread's
//     CPU time until keysReady is given besides (bench/lib/renderer-cpu.mjs): the page's own work,
//     which a busy machine stretches far less than its wall time. Tracing slows the page somewhat.
// Usage: [BENCH_TRACE=1] node bench/browser.mjs [opens, default 20] [keys, default 1000000]
// The functions given to the page (READY_PROBE, evaluate) run in the browser.
/* global window, document, MutationObserver */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { request } from "undici";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./lib/chromium.mjs";
import { loadSrc } from "./lib/load-src.mjs";
import { rendererCpu, TRACE_CATEGORIES } from "./lib/renderer-cpu.mjs";

const root = resolve(import.meta.dirname, "..");
const OPENS = Number(process.argv[2] ?? 20);
const KEYS = Number(process.argv[3] ?? 1_000_000);
const TARGET_MS = 300;
const TRACE = process.env.BENCH_TRACE === "1";
const ys = join(root, "bin/yourspace");
const pageDir = join(root, "dist/browser");
const env = { ...process.env, YOURSPACE_CONFIG_DIR: mkdtempSync(join(tmpdir(), "yourspace-bench-browser-config-")) };

if (!existsSync(join(root, "dist/cli.cjs"))) spawnSync(process.execPath, [join(root, "scripts/build.mjs")], { stdio: "inherit" });
if (!existsSync(join(pageDir, "index.html"))) {
  console.error(`The page is not built: ${pageDir}/index.html is missing (node scripts/build.mjs builds it once the page exists).`);
  process.exit(1);
}

/** Runs the CLI to the end; fails the bench, with its stderr, if it fails. */
function cli(args) {
  const r = spawnSync(process.execPath, [ys, ...args], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`yourspace ${args.join(" ")} exited ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return r.stdout;
}

/** The seeded data directory: made once per key count, then reused. */
function seeded() {
  const dataDir = join(tmpdir(), `yourspace-bench-browser-${KEYS}`);
  const done = join(dataDir, ".seeded");
  if (existsSync(done) && !process.env.BENCH_RESEED) return dataDir;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const file = join(tmpdir(), `yourspace-bench-browser-${KEYS}.ndjson`);
  console.error(`Seeding ${KEYS.toLocaleString("en-US")} keys into ${dataDir} (once) …`);
  spawnSync(process.execPath, [join(root, "bench/make-import-file.mjs"), String(KEYS), file], { stdio: "inherit" });
  // A namespace of 1M keys is beyond the free tier's ceilings.
  cli(["--data-dir", dataDir, "kv", "site", "--tier", "enterprise", "--quiet"]);
  const t = performance.now();
  const summary = JSON.parse(cli(["--data-dir", dataDir, "kv", "import", file, "--json"]));
  if (summary.created !== KEYS) throw new Error(`the import created ${summary.created} keys, not ${KEYS}`);
  console.error(`Seeded in ${((performance.now() - t) / 1000).toFixed(1)} s.`);
  rmSync(file, { force: true });
  spawnSync("touch", [done]);
  return dataDir;
}

/** `kv emulator start --json`: resolves to its first line, parsed, and the child. */
async function startEmulator(dataDir) {
  const child = spawn(process.execPath, [ys, "--data-dir", dataDir, "kv", "emulator", "start", "--port", "0", "--json"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((ready, fail) => {
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) ready(text.slice(0, text.indexOf("\n")));
    });
    child.once("exit", (code) => fail(new Error(`kv emulator start exited ${code} before it was ready`)));
  });
  return { started: JSON.parse(line), child };
}

/** The host the command printed, or one started here with the same API and token. */
async function browserHost(started, dataDir) {
  if (started.browserUrl) return { url: started.browserUrl, origin: new URL(started.browserUrl).origin, stop: async () => {}, own: false };
  const { startBrowserHost } = await loadSrc("src/browser/host/host.ts");
  const host = await startBrowserHost({
    apiUrl: started.apiUrl,
    token: started.token,
    pageDir,
    describe: { target: { kind: "emulator", dataDir, apiUrl: started.apiUrl }, site: started.site, emulator: true },
  });
  return { url: host.url, origin: host.origin, stop: () => host.stop(), own: true };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.9) - 1)];
const fmt = (xs) =>
  `median ${median(xs).toFixed(0)} ms, p90 ${p90(xs).toFixed(0)} ms (fastest ${Math.min(...xs).toFixed(0)}, slowest ${Math.max(...xs).toFixed(0)})`;

/** The console message the probe sends when the page is ready. */
const READY_MESSAGE = "yourspace-bench: keysReady";

/** Records, in the page's own clock (from navigation start), when keysReady is first set, and says so on the console. */
const READY_PROBE = (message) => {
  const record = () => {
    if (document.body?.dataset.keysReady === undefined || window.__keysReadyAt !== undefined) return;
    window.__keysReadyAt = performance.now();
    console.debug(message);
  };
  new MutationObserver(record).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-keys-ready"], childList: true });
};

/** Resolves when the tab's probe says the keys are shown (a console message: nothing runs in the page for it). */
function readySignal(tab) {
  return tab.waitForEvent("console", { predicate: (m) => m.text() === READY_MESSAGE, timeout: 30_000 });
}

/** Sends one GET and reads its whole answer; milliseconds. */
async function timedGet(url, headers) {
  const t = performance.now();
  const res = await request(url, { headers });
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  return performance.now() - t;
}

const dataDir = seeded();
const loadStart = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const { started, child } = await startEmulator(dataDir);
const host = await browserHost(started, dataDir);
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_ARGS,
});
try {
  const context = await browser.newContext();
  await context.addInitScript(READY_PROBE, READY_MESSAGE);
  // Signs in: the one-time secret becomes the session cookie, and the page loads once (warm-up).
  const first = await context.newPage();
  let keysRequest = null;
  first.on("request", (r) => {
    const url = new URL(r.url());
    if (keysRequest === null && url.pathname.endsWith("/namespaces/default/keys")) keysRequest = url;
  });
  await first.goto(host.url);
  // The sign-in answer opens the page itself (a refresh); the next navigation waits for that one.
  await first.waitForURL(`${host.origin}/kv/`);
  const firstReady = readySignal(first);
  await first.goto(`${host.origin}/kv/#ns=default`);
  await firstReady;
  const shown = await first.evaluate(() => document.body.dataset.keysReady);
  await first.close();
  if (keysRequest === null) throw new Error("the page showed keys without a keys request the bench could see");

  const page = [];
  const wall = [];
  const documentIn = [];
  const cpuTotal = [];
  const cpuScript = [];
  const cpuLayout = [];
  const bundleIn = [];
  const keysSent = [];
  const keysAnswered = [];
  const rendered = [];
  /** The page's other API requests begun before the keys were shown: how long each took. */
  const others = {};
  for (let i = 0; i < OPENS; i++) {
    const tab = await context.newPage();
    // The tab's renderer is started first: the figure is the page's, not the browser's start of a process.
    await tab.goto(`${host.origin}/kv/session`);
    const ready = readySignal(tab);
    if (TRACE) await browser.startTracing(tab, { categories: TRACE_CATEGORIES });
    const t = performance.now();
    await tab.goto(`${host.origin}/kv/#ns=default`);
    await ready;
    wall.push(performance.now() - t);
    const trace = TRACE ? (await browser.stopTracing()).toString("utf8") : null;
    const timing = await tab.evaluate(() => {
      // Where the time went, in the page's clock: the keys request's start and end (Resource Timing).
      const entries = performance.getEntriesByType("resource");
      const keys = entries.find((e) => /\/namespaces\/default\/keys/.test(e.name));
      const bundle = entries.find((e) => e.name.endsWith("/kv/app.js"));
      const nav = performance.getEntriesByType("navigation")[0];
      const api = entries.filter((e) => e.name.includes("/kv/api/") && e.startTime <= window.__keysReadyAt);
      return {
        ready: window.__keysReadyAt,
        document: nav?.responseEnd ?? NaN,
        bundle: bundle?.responseEnd ?? NaN,
        sent: keys?.startTime ?? NaN,
        answered: keys?.responseEnd ?? NaN,
        others: api.filter((e) => e !== keys).map((e) => [new URL(e.name).pathname.replace(/^.*\/kv\/api/, ""), e.responseEnd - e.startTime]),
      };
    });
    for (const [path, ms] of timing.others) (others[path] ??= []).push(ms);
    page.push(timing.ready);
    if (trace !== null) {
      const used = rendererCpu(trace, "/kv/app.js", timing.ready);
      cpuTotal.push(used.total);
      cpuScript.push(used.script);
      cpuLayout.push(used.styleAndLayout);
    }
    documentIn.push(timing.document);
    bundleIn.push(timing.bundle);
    keysSent.push(timing.sent);
    keysAnswered.push(timing.answered - timing.sent);
    rendered.push(timing.ready - timing.answered);
    await tab.close();
  }

  // The same first page, as the page asked for it: straight to the API, and through the host's proxy.
  const apiPath = keysRequest.pathname.slice(keysRequest.pathname.indexOf("/v1/")) + keysRequest.search;
  const cookie = (await context.cookies(`${host.origin}/kv/`)).map((c) => `${c.name}=${c.value}`).join("; ");
  const direct = [];
  const proxied = [];
  const namespaces = [];
  const bearer = { authorization: `Bearer ${started.token}` };
  for (let i = 0; i < OPENS; i++) {
    direct.push(await timedGet(`${started.apiUrl}${apiPath}`, bearer));
    proxied.push(await timedGet(keysRequest.href, { cookie }));
    // The page's request for the namespaces, each with its stored keys (a count kept by the writes since migration 7).
    namespaces.push(await timedGet(`${started.apiUrl}${apiPath.slice(0, apiPath.indexOf("/namespaces/") + "/namespaces".length)}`, bearer));
  }
  const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim() || "?";
  const chromiumVersion = browser.version();
  console.log(
    `${KEYS.toLocaleString("en-US")} keys in namespace default; ${OPENS} opens; node ${process.version}, Chromium ${chromiumVersion}, commit ${commit}; ` +
      `host ${host.own ? "started by the bench (startBrowserHost)" : "printed by kv emulator start"}; load average ${loadStart} at the start, ` +
      `${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} at the end`,
  );
  console.log(`the page's keys request: GET ${apiPath} (${shown} rows shown)`);
  console.log(`page, navigation start → keysReady (the page's clock): ${fmt(page)}`);
  console.log(`page, goto → keysReady seen by the bench:            ${fmt(wall)}`);
  if (TRACE) {
    console.log(`(traced) the renderer main thread's CPU until keysReady:  ${fmt(cpuTotal)}`);
    console.log(`  of which script:                                   ${fmt(cpuScript)}`);
    console.log(`  of which style and layout:                         ${fmt(cpuLayout)}`);
  }
  console.log(`  navigation start → the document (HTML) in:          ${fmt(documentIn)}`);
  console.log(`  navigation start → the bundle (app.js) in:          ${fmt(bundleIn)}`);
  console.log(`  of which: navigation start → keys request sent:     ${fmt(keysSent)}`);
  console.log(`            keys request sent → answered:             ${fmt(keysAnswered)}`);
  console.log(`            keys answered → keysReady:                 ${fmt(rendered)}`);
  for (const [path, ms] of Object.entries(others)) console.log(`  alongside: GET ${path} took ${fmt(ms)} (${ms.length} of ${OPENS} opens)`);
  console.log(`floor, the same GET straight to the API:              ${fmt(direct)}`);
  console.log(`floor, the same GET through the host's proxy:         ${fmt(proxied)}`);
  console.log(`for scale, GET …/namespaces (stored keys) alone:        ${fmt(namespaces)}`);
  console.log(`target: first page ≤ ${TARGET_MS} ms: ${median(page) <= TARGET_MS && p90(page) <= TARGET_MS ? "met" : "NOT met"} (median and p90)`);
} finally {
  await browser.close();
  await host.stop();
  child.kill("SIGTERM");
  rmSync(env.YOURSPACE_CONFIG_DIR, { recursive: true, force: true });
}
