// Two checkouts' group commit in one process, without HTTP: the engine and the API server's group
// commit of each checkout's src/ (bench/group-commit-entry.ts there), each over a store of its own,
// writing groups of N 64-byte PUTs to one key as bench/group-commit.mjs does. The two run in
// alternating blocks of groups, so whatever else the machine does hits both alike, and the ratio of
// their time per write shows a change of a few per cent that separate runs would hide (two runs of
// one checkout against itself give 0.99–1.01).
// Usage: node bench/group-commit-ab.mjs <checkout A> <checkout B> [writes per group, default 5] [groups per side, default 4000]
//   A checkout of an older commit: git worktree add /tmp/a <commit>, then ln -s "$PWD/node_modules" /tmp/a/.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [A, B] = process.argv.slice(2, 4).map((dir) => dir && resolve(dir));
if (!A || !B) {
  console.error("usage: node bench/group-commit-ab.mjs <checkout A> <checkout B> [writes per group] [groups per side]");
  process.exit(2);
}
const N = Number(process.argv[4] ?? 5);
const GROUPS = Number(process.argv[5] ?? 4000);
const BLOCK = 100;

async function side(checkout) {
  const { loadSrc } = await import(join(checkout, "bench/lib/load-src.mjs"));
  const { ManualClock, serverWrites, EmulatorCore, LocalBackend } = await loadSrc("bench/group-commit-entry.ts");
  const dir = mkdtempSync(join(tmpdir(), "yourspace-bench-ab-"));
  const clock = new ManualClock(Date.UTC(2027, 0, 1));
  const core = EmulatorCore.open(dir, clock);
  core.ledger.flushAt = 256; // as the server
  const writes = serverWrites(core);
  const kv = new LocalBackend(core, "local", "token:bench", { kind: "embedded", description: "bench", site: "local" });
  let n = 0;
  const put = () => kv.putNow("default", "bench/small", { value: Buffer.from(`value-${String(n++).padStart(12, "0")}-`.padEnd(64, "x")) });
  const group = () => {
    clock.advance(1);
    return Promise.all(Array.from({ length: N }, () => writes.run(put)));
  };
  return {
    group,
    ns: 0,
    close: () => {
      core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const a = await side(A);
const b = await side(B);
for (let i = 0; i < 500; i++) {
  await a.group(); // a history to write into, and a warm JIT
  await b.group();
}
for (let done = 0, round = 0; done < GROUPS; done += BLOCK, round++) {
  for (const s of round % 2 ? [b, a] : [a, b]) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < BLOCK; i++) await s.group();
    s.ns += Number(process.hrtime.bigint() - t);
  }
}
const perWrite = (s) => s.ns / Math.ceil(GROUPS / BLOCK) / BLOCK / N / 1000;
console.log(
  `A ${A}: ${perWrite(a).toFixed(2)} µs per write; B ${B}: ${perWrite(b).toFixed(2)} µs per write; B/A ${(perWrite(b) / perWrite(a)).toFixed(3)} (${N} writes per group, ${GROUPS} groups each)`,
);
a.close();
b.close();
