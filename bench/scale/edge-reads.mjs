// An eventual read in an edge region against a home read, on the scale bench's big store: keys
// spread over the store each get `versions` new versions within one Δ, so no edge has seen them and
// an edge serves each key's settled version from the key's history (consistency model §1.11), while
// home serves the newest. Timed in process, in this process's CPU time and wall time, the two reads
// alternating, after a warm-up pass. It writes to the store: give it a copy.
// Prints one JSON line: keys, versions, pending versions stored, µs per read of each, and the ratio.
// Usage: node bench/scale/edge-reads.mjs <data dir (a copy)> <namespace> [keys, 10000] [versions, 10]
import { loadSrc } from "../lib/load-src.mjs";
import { alternate } from "../lib/alternate.mjs";

const [dir, namespace, keysText = "10000", versionsText = "10"] = process.argv.slice(2);
const KEYS = Number(keysText);
const VERSIONS = Number(versionsText);
const { Engine, EmulatorControl, ManualClock, openStore } = await loadSrc("bench/consistency-entry.ts");
const clock = new ManualClock(Date.now());
const db = openStore({ dataDir: dir, now: clock.now() });
const engine = new Engine({ db, dataDir: dir, clock });
const control = new EmulatorControl(engine);
control.configure({ profile: "yourspace" });
const home = { region: engine.homeRegion, consistency: "eventual" };
const edgeRegion = control.status().regions.find((r) => r.role === "edge")?.region;
if (edgeRegion === undefined) throw new Error("the yourspace profile has no edge region");
const edge = { region: edgeRegion, consistency: "eventual" };

// Keys across the whole store: the first keys of pages taken at evenly spaced points of the key space,
// found by listing from cursors (the engine's own pages), so no scan of 5M rows is needed.
const PREFIXES = ["cache/page/", "carts/", "feeds/", "flags/", "media/thumb/", "orders/2026/", "profiles/", "sessions/", "users/"];
const keys = [];
const perPrefix = Math.ceil(KEYS / PREFIXES.length);
for (const prefix of PREFIXES) {
  let cursor = null;
  let taken = 0;
  while (taken < perPrefix) {
    const page = engine.list("local", namespace, { prefix, cursor, limit: 1000 });
    // Every 10th key of a page: the keys land on different pages of the store.
    for (let i = 0; i < page.keys.length && taken < perPrefix; i += 10, taken++) keys.push(page.keys[i].key);
    cursor = page.cursor;
    if (cursor === null) break;
  }
}
keys.length = Math.min(keys.length, KEYS);

// Versions 2..N+1 of each key within one Δ: pending in every edge.
const started = performance.now();
db.transaction(() => {
  for (let v = 1; v <= VERSIONS; v++) for (const key of keys) engine.put("local", namespace, key, { value: Buffer.from(`pending-${v}-${key}`) });
})();
const seededMs = performance.now() - started;

// What each side serves: home the newest version, the edge the version from before the writes.
const sample = keys[keys.length >> 1];
const atHome = engine.get("local", namespace, sample, home);
const atEdge = engine.get("local", namespace, sample, edge);
if (atHome.entry?.value.toString() !== `pending-${VERSIONS}-${sample}`) throw new Error(`home did not serve the newest version of ${sample}`);
if (atEdge.entry === undefined || atEdge.entry.value.toString().startsWith("pending-") || atEdge.read.servedFrom !== "replica")
  throw new Error(`the edge did not serve the settled version of ${sample} from its replica`);

const order = Array.from({ length: keys.length }, (_, i) => keys[(i * 7919) % keys.length]);
function run(options) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  for (const key of order) engine.get("local", namespace, key, options);
  const used = process.cpuUsage(cpu);
  return { wallUs: ((performance.now() - wall) * 1000) / order.length, cpuUs: (used.user + used.system) / order.length };
}
const [homeRuns, edgeRuns] = alternate(
  () => run(home),
  () => run(edge),
);
const median = (runs, field) => runs.map((r) => r[field]).sort((a, b) => a - b)[runs.length >> 1];
const pending = db.prepare("SELECT count(*) FROM versions").pluck().get();
const result = {
  keys: keys.length,
  versions: VERSIONS,
  storedVersions: pending,
  seededMs: Math.round(seededMs),
  homeRegion: home.region,
  edgeRegion,
  homeUs: { cpu: +median(homeRuns, "cpuUs").toFixed(2), wall: +median(homeRuns, "wallUs").toFixed(2) },
  edgeUs: { cpu: +median(edgeRuns, "cpuUs").toFixed(2), wall: +median(edgeRuns, "wallUs").toFixed(2) },
};
result.ratio = { cpu: +(result.edgeUs.cpu / result.homeUs.cpu).toFixed(2), wall: +(result.edgeUs.wall / result.homeUs.wall).toFixed(2) };
console.log(JSON.stringify(result));
db.close();
