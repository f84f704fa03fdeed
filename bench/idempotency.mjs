// What a PUT with an Idempotency-Key (as the CLI sends every write) costs as the server's table of
// answers grows, without HTTP: groups of 5 PUTs, each with a fresh key, through the API server's group
// commit and IdempotentWrites, on a real store. Measured with the table holding 0, 100k, 200k and
// 300k answers, on a store as it is (pruning by the index on created_at) and, in the same run, on one
// without that index (the layout before migration 4: every prune a scan of the whole table). Besides
// the time per write, it times the prune itself (once per 1,000 writes) with nothing yet expired.
// Usage: node bench/idempotency.mjs [writes measured at each size, default 20000]
import { mkdtempSync, rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSrc } from "./lib/load-src.mjs";

const WRITES = Number(process.argv[2] ?? 20_000);
const SIZES = [0, 100_000, 200_000, 300_000];
const { IdempotentWrites, ManualClock, serverWrites, EmulatorCore, LocalBackend } = await loadSrc("bench/group-commit-entry.ts");

async function measure(indexed) {
  const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-idem-"));
  const clock = new ManualClock(Date.UTC(2027, 0, 1));
  const core = EmulatorCore.open(dir, clock);
  core.ledger.flushAt = 256;
  if (!indexed) core.db.exec("DROP INDEX idempotency_by_time");
  const writes = serverWrites(core);
  const once = new IdempotentWrites(core.db, writes, () => core.engine.freshNow());
  const kv = new LocalBackend(core, "local", "token:bench", { kind: "embedded", description: "bench", site: "local" });
  let n = 0;
  const put = () => {
    const i = n++;
    return once.run({ site: "local", token: "bench", request: "" }, randomUUID(), {
      grouped: () => ({
        status: 200,
        json: kv.putNow("default", "bench/small", { value: Buffer.from(`value-${String(i).padStart(12, "0")}-`.padEnd(64, "x")) }),
      }),
      aborted: () => {},
    });
  };
  const group = () => {
    clock.advance(1);
    return Promise.all(Array.from({ length: 5 }, put));
  };
  // Answers kept from earlier writes, all younger than a day (none is pruned), as the server's own.
  const fill = core.db.prepare("INSERT INTO idempotency (site, key, status, body, created_at) VALUES ('local', ?, 200, '{}', ?)");
  // The statement IdempotentWrites prunes with.
  const prune = core.db.prepare("DELETE FROM idempotency WHERE created_at < ?");
  const results = [];
  for (let i = 0; i < 200; i++) await group(); // a warm JIT
  for (const size of SIZES) {
    const have = core.db.prepare("SELECT count(*) FROM idempotency").pluck().get();
    core.db.transaction(() => {
      for (let i = have; i < size; i++) fill.run(randomUUID(), clock.now());
    })();
    core.db.pragma("wal_checkpoint(TRUNCATE)");
    const t = process.hrtime.bigint();
    for (let i = 0; i < WRITES / 5; i++) await group();
    const perWrite = Number(process.hrtime.bigint() - t) / WRITES / 1000;
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) prune.run(clock.now() - 86_400_000);
    results.push({ perWrite, pruneMs: Number(process.hrtime.bigint() - t1) / 10 / 1e6 });
  }
  core.close();
  rmSync(dir, { recursive: true, force: true });
  return results;
}

const indexed = await measure(true);
const scanned = await measure(false);
const row = (label, values, f) => console.log(`${label.padEnd(30)}${values.map((v) => f(v).padStart(10)).join("")}`);
console.log(`groups of 5 idempotent PUTs, ${WRITES} writes at each size`);
row("answers kept before the run", SIZES, String);
row("µs per write, indexed (now)", indexed, (v) => v.perWrite.toFixed(1));
row("µs per write, no index", scanned, (v) => v.perWrite.toFixed(1));
row("ms per prune, indexed (now)", indexed, (v) => v.pruneMs.toFixed(3));
row("ms per prune, no index", scanned, (v) => v.pruneMs.toFixed(3));
