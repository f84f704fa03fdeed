import type { EmulatorStatus, KeyView, RegionStatus, RegionView } from "../core/emulator-views.js";
import { historyValue } from "./history/recorder.js";
import type { Engine } from "./kv/engine.js";
import { formatVersion } from "./kv/entry.js";
import { staleness } from "./regions/model.js";
import type { Row } from "./store/rows.js";

/* What `emulator status` and `emulator inspect` show: views of the regions that change nothing. */

/** The model in force, the clock, the recording, and how far behind home each edge is. */
export function regionStatus(engine: Engine): EmulatorStatus {
  return engine.run(false, () => {
    const settings = engine.settings;
    const model = settings.model;
    const now = engine.now();
    // Without propagation (cache profiles) nothing is on its way: edges refetch when entries expire.
    const pending = model.propagation === "none" ? [] : engine.regions.recentVersions(now);
    const regions: RegionStatus[] = [
      { region: model.home, role: "home", partitioned: false, paused: false, pending: 0, lagMs: 0, caughtUpAt: null },
      ...model.edges.map((edge): RegionStatus => {
        // A loop, not Math.min(...) and Math.max(...): a manual clock can hold any number of writes pending.
        let waiting = 0;
        let oldest = Number.POSITIVE_INFINITY;
        let caughtUpAt = Number.NEGATIVE_INFINITY;
        for (const row of pending) {
          const delivered = engine.regions.deliveredAt(row, edge);
          if (delivered <= now) continue;
          waiting++;
          if (row.commit_t < oldest) oldest = row.commit_t;
          if (delivered > caughtUpAt) caughtUpAt = delivered;
        }
        const faults = settings.faults(edge);
        return {
          region: edge,
          role: "edge",
          partitioned: faults.some((f) => f.kind === "partition" && f.end === null),
          paused: faults.some((f) => f.kind === "pause" && f.end === null),
          pending: waiting,
          lagMs: waiting ? now - oldest : 0,
          caughtUpAt: waiting ? caughtUpAt : null,
        };
      }),
    ];
    const clock = settings.clock;
    return {
      model,
      deltaMs: staleness(model),
      // The system clock, read after `now`, may have moved on since: the lead is never less than the offset set.
      clock:
        clock?.mode === "manual"
          ? { mode: "manual", now, offsetMs: 0 }
          : { mode: "real", now, offsetMs: Math.max(clock?.offsetMs ?? 0, now - engine.systemNow()) },
      recording: settings.record,
      recordingStopped: settings.recording?.stopped ? { path: settings.recording.path, ...settings.recording.stopped } : null,
      regions,
    };
  });
}

/**
 * What an eventual read of the key returns in each region now, without changing anything, and when
 * home's newest version becomes what it returns. A region is behind home exactly when that time is
 * still to come; it is held only while a fault (named) stands in the way.
 */
export function inspectKey(engine: Engine, site: string, namespace: string, key: string): KeyView {
  const keyBytes = Buffer.from(key, "utf8");
  return engine.run(false, () => {
    const ns = engine.namespaceId(site, namespace);
    const now = engine.now();
    const regions = engine.regions;
    const model = regions.model;
    const head = engine.head(ns, keyBytes);
    const openFault = (region: string): RegionView["heldBy"] => {
      const faults = engine.settings.faults(region).filter((f) => f.end === null);
      return faults.some((f) => f.kind === "partition") ? "partition" : faults.some((f) => f.kind === "pause") ? "pause" : null;
    };
    const view = (region: string, row: Row | undefined, servedFrom: RegionView["servedFrom"], newestAt: number | null): RegionView => {
      const behindHome = (row?.version ?? 0) < (head?.version ?? 0);
      // Not behind: the newest version is visible already, whatever its delivery time says (a read-repair may have brought it).
      const visibleAt = head ? (behindHome ? newestAt! : Math.min(newestAt ?? now, now)) : null;
      return {
        region,
        version: row ? formatVersion(row.version) : null,
        value: row && row.tombstone === 0 ? historyValue(row.value ?? Buffer.alloc(0)) : null,
        live: row !== undefined && row.tombstone === 0 && (row.expires_at === null || row.expires_at > now),
        expiresAt: row?.expires_at ?? null,
        servedFrom,
        behindHome,
        visibleAt,
        heldBy: visibleAt === Number.POSITIVE_INFINITY ? openFault(region) : null,
        unavailable: false,
      };
    };
    const views = [view(model.home, head, "home", head?.commit_t ?? null)];
    for (const edge of model.edges) {
      if (model.edgeStore === "replica") {
        views.push(view(edge, engine.replicas.replicaView(edge, ns, head, now), "replica", head ? regions.deliveredAt(head, edge) : null));
        continue;
      }
      const cached = engine.caches.cacheEntry(edge, ns, keyBytes);
      const partitioned = regions.partitioned(edge);
      if (cached !== undefined && engine.caches.cacheFresh(cached, edge, ns, now)) {
        // Served until the copy lapses; then the next read fetches home's version, if it can reach home.
        const lapse = engine.caches.cacheLapse(cached, edge, ns);
        views.push(view(edge, cached.version === 0 ? undefined : cached, "cache", partitioned ? Number.POSITIVE_INFINITY : lapse));
      } else if (partitioned) {
        // No copy to serve and no way to home: an eventual read fails.
        views.push({ ...view(edge, undefined, "origin", Number.POSITIVE_INFINITY), unavailable: true, behindHome: head !== undefined });
      } else views.push(view(edge, head, "origin", now));
    }
    return { key, now, home: head ? formatVersion(head.version) : null, regions: views };
  });
}
