import type { KeyInfo, ListOptions, ListPage } from "../../core/backend.js";
import { pageLimit } from "../regions/model.js";
import { ROW_COLUMNS, type Row } from "../store/rows.js";
import { historyValue, type HistoryItem } from "../history/recorder.js";
import { decodeCursor, encodeCursor, prefixUpperBound, type CursorScope } from "./cursor.js";
import { FAILED, type KvContext } from "./context.js";
import { parseStoredMetadata } from "./entry.js";
import { repairKey } from "./read.js";
import { isLive } from "./mutation.js";

const EMPTY = Buffer.alloc(0);

interface ListRow extends Row {
  size: number;
}

/** What a page needs of a row. */
type PageRow = Pick<ListRow, "key" | "version" | "value" | "expires_at" | "metadata" | "size">;

interface PageItem extends HistoryItem {
  size: number;
  metadata: string | null;
}

interface ServedPage {
  items: PageItem[];
  cursor: string | null;
  /** A cached page: how long it is served from when it was fetched, ms; null: until invalidated. */
  ttlMs?: number | null;
}

function finiteOrNull(ms: number): number | null {
  return Number.isFinite(ms) ? ms : null;
}

/** A page of keys under a prefix, as the region asked sees it (see get() in read.ts). */
export function list(engine: KvContext, site: string, namespace: string, options: ListOptions): ListPage {
  const scope: CursorScope = { kind: "list", namespace, prefix: options.prefix };
  const after = options.cursor ? decodeCursor(options.cursor, scope) : null;
  const asked = engine.region(options.region);
  const requested = options.consistency ?? "strong"; // recorded as asked, as in get()
  const strong = requested === "strong" && !engine.regions.has("strong-read-local");
  const mutates = !engine.regions.isHome(asked) && (strong || engine.regions.model.edgeStore === "cache");
  return engine.run(
    mutates,
    () => {
      const region = engine.regionNow(options.region);
      const model = engine.regions.model;
      const ns = engine.namespaceId(site, namespace);
      const now = engine.now();
      // Some platforms hold fewer keys to a page than may be asked (EdgeOne: 256); the cursor goes on.
      const limit = pageLimit(model, options.limit);
      let page: ServedPage;
      if (engine.regions.isHome(region) || strong) {
        if (engine.regions.partitioned(region)) return unreachable(engine, region, namespace, options, "strong", limit, now);
        page = homePage(engine, ns, scope, after, limit, now);
        // S-list-repair: a strong list brings the keys it lists into the region.
        if (!engine.regions.isHome(region)) for (const item of page.items) repairKey(engine, region, ns, Buffer.from(item.key, "utf8"), now);
      } else if (model.edgeStore === "replica") {
        page = replicaPage(engine, region, ns, scope, after, limit, now);
      } else {
        page = cachedPage(engine, region, ns, scope, { ...options, limit }, after, now);
        // A page-cache miss in a partitioned edge has already recorded its failure: end the transaction
        // with it. The FAILED marker is no page: reading items off it would throw a TypeError, not UNAVAILABLE.
        if ((page as unknown) === FAILED) return FAILED as never;
      }
      // S-list-expiry: expiry is applied when a page is served, cached pages included.
      const at = engine.regions.expiryClock(region, now);
      const items = page.items.filter((i) => i.expiresAt === null || i.expiresAt > at);
      engine.record({
        t: now,
        region,
        f: "list",
        key: options.prefix,
        ns: namespace,
        consistency: engine.regions.isHome(region) ? "strong" : requested,
        type: "ok",
        items: items.map(({ key, version, value, expiresAt }) => ({ key, version, value, expiresAt })),
        cursor: options.cursor ?? null,
        after,
        limit,
        nextCursor: page.cursor,
        complete: page.cursor === null,
        ...(page.ttlMs !== undefined && { cacheTtlUsedMs: page.ttlMs }),
      });
      const keys: KeyInfo[] = items.map((i) => ({ key: i.key, size: i.size, expiresAt: i.expiresAt, metadata: parseStoredMetadata(i.metadata) }));
      return { keys, cursor: page.cursor };
    },
    true,
  );
}

/**
 * Deleted and expired keys a page passes over at most, per key it may list. Past them it ends short,
 * its cursor after the last one it passed, so a range of a million deleted or expired keys never
 * makes one page slow: a page may be short, never wrong (the platform's pages may be short too).
 * Ten per key keeps pages full after the deletes people usually make, and bounds the scan (10,000
 * rows for a page of 1,000, a few milliseconds: a dead row's value is never read).
 */
const DEAD_PER_KEY = 10;

/**
 * A page lists keys, not values: a value is read only for a recorded history. length() takes a
 * value's size from its row's header, so a page of large values reads none of their pages. Only the
 * columns a page uses, as arrays (a raw statement), a batch of limit + 1 rows at a time: at 5M keys
 * this is a third of a page's time, where each row is otherwise an object of every column, stepped
 * to one by one.
 */
function homePage(engine: KvContext, ns: number, scope: CursorScope, after: string | null, limit: number, now: number): ServedPage {
  const { prefix } = scope;
  const upper = prefixUpperBound(Buffer.from(prefix, "utf8"));
  let lower: Buffer = Buffer.from(after ?? prefix, "utf8");
  let inclusive = after === null;
  const rows: PageRow[] = [];
  let dead = 0;
  for (;;) {
    const batch = engine
      .stmt(
        // LIMIT ? + 0: a bound LIMIT alone has SQLite compile the statement again at every page (see reclaim.ts).
        `SELECT key, version, ${engine.recording ? "value" : "NULL"}, tombstone = 0 AND (expires_at IS NULL OR expires_at > ?), expires_at, metadata, length(value)
         FROM entries WHERE ns = ? AND key ${inclusive ? ">=" : ">"} ? AND key < ? ORDER BY key LIMIT ? + 0`,
      )
      .raw()
      .all(now, ns, lower, upper, limit + 1) as [Buffer, number, Buffer | null, number, number | null, string | null, number][];
    for (const [key, version, value, live, expiresAt, metadata, size] of batch) {
      if (live) {
        rows.push({ key, version, value, expires_at: expiresAt, metadata, size });
        if (rows.length > limit) return toPage(engine, rows, scope, limit);
      } else if (++dead > DEAD_PER_KEY * limit) {
        return { ...toPage(engine, rows, scope, limit), cursor: encodeCursor(scope, key.toString("utf8")) };
      }
    }
    if (batch.length <= limit) return toPage(engine, rows, scope, limit);
    lower = batch[batch.length - 1]![0];
    inclusive = false;
  }
}

function replicaPage(engine: KvContext, region: string, ns: number, scope: CursorScope, after: string | null, limit: number, now: number): ServedPage {
  const { prefix } = scope;
  const lower = Buffer.from(after ?? prefix, "utf8");
  const heads = engine
    .stmt(`SELECT ${ROW_COLUMNS}, length(value) AS size FROM entries WHERE ns = ? AND key ${after !== null ? ">" : ">="} ? AND key < ? ORDER BY key`)
    .iterate(ns, lower, prefixUpperBound(Buffer.from(prefix, "utf8"))) as IterableIterator<ListRow>;
  const at = engine.regions.expiryClock(region, now);
  const rows: ListRow[] = [];
  for (const head of heads) {
    const seen = engine.replicas.replicaView(region, ns, head, now);
    if (seen && isLive(seen, at)) rows.push(seen === head ? head : { ...seen, size: seen.value?.length ?? 0 });
    if (rows.length > limit) {
      heads.return?.();
      break;
    }
  }
  return toPage(engine, rows, scope, limit);
}

/** Cache profiles: list pages are cached per (prefix, cursor, limit) and refetched from home when stale. */
function cachedPage(engine: KvContext, region: string, ns: number, scope: CursorScope, options: ListOptions, after: string | null, now: number): ServedPage {
  const pageKey = JSON.stringify([options.prefix, options.cursor ?? null, options.limit]);
  const cached = engine.stmt("SELECT fetched_at, seq, page FROM list_cache WHERE region = ? AND ns = ? AND page_key = ?").get(region, ns, pageKey) as
    | { fetched_at: number; seq: number; page: string }
    | undefined;
  if (cached) {
    const page = JSON.parse(cached.page) as ServedPage;
    // A page cached before pages kept their TTL lives for the profile's.
    page.ttlMs ??= finiteOrNull(engine.regions.model.cacheTtlMs);
    if (pageFresh(engine, region, ns, cached, page.ttlMs, now)) return page;
  }
  if (engine.regions.partitioned(region)) return unreachable(engine, region, scope.namespace, options, "eventual", options.limit, now);
  // A page is kept for the profile's TTL: a list asks for none of its own.
  const page: ServedPage = { ...homePage(engine, ns, scope, after, options.limit, now), ttlMs: finiteOrNull(engine.regions.model.cacheTtlMs) };
  engine
    .stmt(
      `INSERT INTO list_cache (region, ns, page_key, fetched_at, seq, page) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (region, ns, page_key) DO UPDATE SET fetched_at = excluded.fetched_at, seq = excluded.seq, page = excluded.page`,
    )
    .run(region, ns, pageKey, now, engine.homeSeq(), JSON.stringify(page));
  return page;
}

function pageFresh(engine: KvContext, region: string, ns: number, cached: { fetched_at: number; seq: number }, ttlMs: number | null, now: number): boolean {
  if (now - cached.fetched_at >= (ttlMs ?? Number.POSITIVE_INFINITY)) return false;
  if (!engine.regions.invalidates()) return true;
  const newer = engine
    .stmt(
      "SELECT version, commit_t, origin FROM entries WHERE version > @seq AND ns = @ns UNION ALL SELECT version, commit_t, origin FROM versions WHERE ns = @ns AND version > @seq AND superseded_t IS NOT NULL",
    )
    .all({ ns, seq: cached.seq }) as Row[];
  return !newer.some((row) => engine.regions.deliveredAt(row, region) <= now);
}

function toPage(engine: KvContext, rows: PageRow[], scope: CursorScope, limit: number): ServedPage {
  const more = engine.regions.has("list-drops-cursor") ? rows.length > limit + 1 : rows.length > limit;
  // Values only for a recorded history's list items: a page of large values is not copied otherwise.
  const recording = engine.recording;
  const items = rows.slice(0, limit).map((r) => ({
    key: r.key.toString("utf8"),
    version: r.version,
    value: recording ? historyValue(r.value ?? EMPTY) : null,
    expiresAt: r.expires_at,
    size: r.size ?? 0,
    metadata: r.metadata,
  }));
  return { items, cursor: more ? encodeCursor(scope, items[items.length - 1]!.key) : null };
}

/** A region cut off from home cannot serve the page: the failure, recorded with the page it asked for. */
function unreachable(
  engine: KvContext,
  region: string,
  namespace: string,
  options: ListOptions,
  consistency: "strong" | "eventual",
  limit: number,
  now: number,
): never {
  // An eventual list gets here only in a cache profile, with no fresh page cached.
  return engine.fail(engine.unreachable(region, consistency === "strong" ? "read" : "cache-miss"), {
    f: "list",
    region,
    key: options.prefix,
    consistency,
    ns: namespace,
    t: now,
    cursor: options.cursor ?? null,
    limit,
  });
}
