import type { GetResult, ReadOptions, ServedFrom } from "../../core/backend.js";
import { errors } from "../../core/errors.js";
import { checkCacheTtl, readCacheTtl } from "../regions/model.js";
import type { Row } from "../store/rows.js";
import type { KvContext } from "./context.js";
import { formatVersion, toEntry } from "./entry.js";
import { isLive } from "./mutation.js";
import { validateKey } from "../../core/validate.js";

const EMPTY = Buffer.alloc(0);

/**
 * A get, as the region asked sees it: home's row at home or for a strong read (which repairs the
 * edge), a replica's view for an eventual read where edges are replicas, the edge's cache where
 * edges are caches.
 */
export function get(engine: KvContext, site: string, namespace: string, key: string, options: ReadOptions): GetResult {
  const keyBytes = validateKey(key);
  const asked = engine.region(options.region);
  // The history records the consistency the client asked for, not the path taken: a checker judges
  // the answer against the request, so a strong read wrongly served locally shows up as stale.
  const requested = options.consistency ?? "strong";
  const strong = requested === "strong" && !engine.regions.has("strong-read-local");
  if (options.cacheTtlMs !== undefined && !(options.cacheTtlMs >= 0 && Number.isFinite(options.cacheTtlMs))) {
    throw errors.usage(`A read's cache TTL must be a number of seconds, 0 or more, not ${options.cacheTtlMs / 1000}.`);
  }
  const mutates = !engine.regions.isHome(asked) && (strong || engine.regions.model.edgeStore === "cache");
  // Otherwise a get is one statement (home's row, or the replica query), the namespace id being cached.
  return engine.run(
    mutates || "single",
    () => {
      // The settings as they stand inside the transaction (run() may have looked again).
      const region = engine.regionNow(options.region);
      const model = engine.regions.model;
      const ns = engine.namespaceId(site, namespace);
      const now = engine.now();
      // An eventual replica read derives its answer from the stored versions alone (one query).
      const replicaRead = !strong && !engine.regions.isHome(region) && model.edgeStore === "replica";
      const head = replicaRead ? undefined : engine.head(ns, keyBytes);
      let served: Row | undefined;
      let servedFrom: ServedFrom;
      let ageMs = 0;
      let behind: boolean | undefined = false;
      // Cache profiles: the TTL of the entry served (null: until invalidated).
      let ttlUsed: number | null | undefined;
      if (replicaRead) {
        if (engine.settings.unverified) engine.settings.verify();
        ({ row: served, behindMs: ageMs, behind } = engine.replicas.replicaRead(region, ns, keyBytes, now));
        servedFrom = "replica";
      } else if (engine.regions.isHome(region)) {
        served = head;
        servedFrom = "home";
      } else if (strong) {
        if (engine.regions.partitioned(region))
          return engine.fail(engine.unreachable(region, "read"), { f: "get", region, key, consistency: "strong", ns: namespace, t: now });
        served = head;
        servedFrom = "home";
        if (head) repair(engine, region, ns, head, now);
      } else {
        // What this read fetches is kept for its own TTL; what is cached already, for the TTL it was kept with.
        const ttl = readCacheTtl(model, options.cacheTtlMs);
        if (options.cacheTtlMs !== undefined) checkCacheTtl(model, ttl, "The read's cache TTL");
        const cached = engine.caches.cacheEntry(region, ns, keyBytes);
        if (cached && engine.caches.cacheFresh(cached, region, ns, now)) {
          served = cached.version === 0 ? undefined : cached;
          servedFrom = "cache";
          ageMs = now - cached.fetched_at;
          behind = undefined;
          ttlUsed = cached.ttl_ms;
        } else {
          if (engine.regions.partitioned(region))
            return engine.fail(engine.unreachable(region, "cache-miss"), { f: "get", region, key, consistency: requested, ns: namespace, t: now });
          served = head;
          servedFrom = "origin";
          engine.caches.fillCache(region, ns, keyBytes, head, now, ttl);
          ttlUsed = Number.isFinite(ttl) ? ttl : null;
        }
      }
      const live = served !== undefined && isLive(served, engine.regions.expiryClock(region, now));
      // The record is built only when something records: a read is the hottest path there is.
      if (engine.recording) {
        engine.record({
          t: now,
          region,
          f: "get",
          key,
          ns: namespace,
          consistency: requested,
          type: "ok",
          servedFrom,
          ...(options.cacheTtlMs !== undefined && { cacheTtlMs: options.cacheTtlMs }),
          ...(ttlUsed !== undefined && { cacheTtlUsedMs: ttlUsed }),
          value: live ? (served!.value ?? EMPTY) : null,
          version: served?.version ?? null,
          expiresAt: served?.expires_at ?? null,
        });
      }
      const version = served ? formatVersion(served.version) : null;
      return {
        entry: live ? toEntry(key, served!, version!) : null,
        read: behind === undefined ? { region, version, servedFrom, ageMs } : { region, version, servedFrom, ageMs, behind },
      };
    },
    true,
  );
}

/** Read-repair: after a strong read in an edge, the edge holds at least what home returned. */
function repair(engine: KvContext, region: string, ns: number, head: Row, now: number): void {
  if (engine.regions.has("no-read-repair")) return;
  if (engine.regions.model.edgeStore === "replica") engine.replicas.raiseFloor(region, ns, head.key, head.version);
  else engine.caches.repairCache(region, ns, head, now);
}

export function repairKey(engine: KvContext, region: string, ns: number, key: Buffer, now: number): void {
  const head = engine.head(ns, key);
  if (head) repair(engine, region, ns, head, now);
}
