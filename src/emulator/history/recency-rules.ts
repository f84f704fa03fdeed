import type { Findings } from "./findings.js";
import type { HistoryState } from "./history-state.js";
import type { HistoryOp } from "./recorder.js";
import type { Observation } from "./violations.js";

/**
 * G3, G4, G5 and G7: how recent a version an observed (key, version) must be, given what the region
 * wrote (read-your-writes), what it read before (monotonic reads), what has surely reached it by the
 * read's time (staleness bound), and, for a read served by home, the latest committed version.
 * `listed`: an item of a list page, which G5 leaves alone (a page's items may lag as a whole).
 */
export function checkRecency(state: HistoryState, findings: Findings, op: HistoryOp, o: Observation, listed: boolean): void {
  const k = state.nsKey(op, o.key);
  const home = state.isHomeRead(op);
  const seen = o.version ?? 0; // no record at all orders before every version

  // G3 read-your-writes: the region is the session, so it sees every write acknowledged there.
  const own = state.ownWrites.get(`${op.region}|${k}`);
  if (own && seen < own.version) findings.report("read-your-writes", op, { observed: o, write: own }, `${op.region} had acknowledged ${findings.write(own)}`);

  // G4 monotonic reads per (region, key, path). Replica mode: get and list share one source. Cache
  // mode: list pages are cached apart from keys, so eventual lists form their own path; strong reads
  // and strong lists read-repair key entries, so they belong to the get path.
  const path = state.params.edgeStore === "cache" && op.f === "list" && !home ? "list" : "read";
  const mk = `${op.region}|${k}|${path}`;
  const prev = state.maxSeen.get(mk);
  if (prev && seen < prev.version)
    findings.report(
      "monotonic-reads",
      op,
      { observed: o, earlier: prev.op, expectedVersion: prev.version },
      `${findings.op(prev.op)} had already seen version ${prev.version} there`,
    );
  if (!prev || seen > prev.version) state.maxSeen.set(mk, { version: seen, op });

  const writes = state.writesByKey.get(k) ?? [];
  if (home) {
    // G7: a read served by home is linearizable, so it returns exactly the latest committed version.
    const latest = writes[writes.length - 1];
    const expected = latest?.version ?? null;
    if (o.version !== expected)
      findings.report(
        "stale-strong-read",
        op,
        { observed: o, write: latest, expectedVersion: expected },
        `home's latest at that point is ${latest ? findings.write(latest) : "no version at all"}`,
      );
  } else if (!listed) {
    // G5: an eventual get at t sees every write whose fault-adjusted deadline vis(w, R) ≤ t.
    // The highest such version is enough; a stale read misses it (and maybe older ones too).
    for (let i = writes.length - 1; i >= 0; i--) {
      const cand = writes[i]!;
      if (cand.version <= seen) break;
      const bound = state.boundOf(cand, op);
      const by = state.vis(cand, op.region, bound);
      if (by > op.t) continue;
      const fs = (state.faults.get(op.region) ?? []).filter((f) => f.start <= op.t && (f.end === null || f.end >= cand.t)).map((f) => ({ ...f }));
      findings.report(
        "stale-beyond-bound",
        op,
        { observed: o, write: cand, visibleBy: by, deltaMs: bound, faults: fs },
        `it should have seen ${findings.write(cand)}, visible in ${op.region} by ${findings.rel(by)} (Δ=${bound}ms; faults of ${op.region}: ${findings.faults(fs)})`,
      );
      break;
    }
  }
}
