/**
 * Checks that an answer of the API has the shape the contract gives it (wire.ts, docs/api.md).
 * The client runs one on every successful answer, so that a URL that is not the platform API (a web
 * page, another service, a proxy's own answer) is reported as such rather than taken for data.
 * Fields beyond these are allowed: clients ignore what they do not know.
 */

type Check = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const str: Check = (v) => typeof v === "string";
const num: Check = (v) => typeof v === "number" && Number.isFinite(v);
const bool: Check = (v) => typeof v === "boolean";
const iso: Check = (v) => typeof v === "string" && !Number.isNaN(Date.parse(v));
const nullOr =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
const shape =
  (fields: Record<string, Check>): Check =>
  (v) =>
    isObject(v) && Object.entries(fields).every(([name, check]) => check(v[name]));

const metadata = nullOr(isObject);

export const isWhoami = shape({
  site: str,
  token: shape({ id: str, kind: str, access: str, namespaces: nullOr(arrayOf(str)), expiresAt: nullOr(iso), route: nullOr(str) }),
});
export const isWrite = shape({ version: str, region: str });
export const isCounter = shape({ value: (v) => typeof v === "string" && /^-?\d+$/.test(v), version: str, region: str });
export const isDeleteResult = shape({ deleted: arrayOf(str), missing: arrayOf(str), version: nullOr(str) });
export const isPrefixDeleted = shape({ removed: (v) => Number.isSafeInteger(v) && (v as number) >= 0, cursor: nullOr(str) });
export const isListPage = shape({ keys: arrayOf(shape({ key: str, size: num, expiresAt: nullOr(iso), metadata })), cursor: nullOr(str) });
const namespace = shape({ name: str, createdAt: iso, keys: num });
export const isNamespace = namespace;
export const isNamespaces = shape({ namespaces: arrayOf(namespace) });
export const isNamespaceRemoved = shape({ name: str, removed: (v) => v === true });
export const isSite = shape({ site: str, tier: str, auditRetentionDays: num });
export const isUsage = shape({
  site: str,
  tier: str,
  auditRetentionDays: num,
  now: iso,
  period: str,
  reads: num,
  writes: num,
  egressBytes: num,
  storage: shape({ keys: num, bytes: num, gbHours: num }),
  ceilings: shape({ keys: nullOr(num), bytes: nullOr(num), maxValueBytes: num }),
});
const binding = shape({ route: str, variable: str, namespace: str, access: (v) => v === "read-only" || v === "read-write", createdAt: iso });
export const isBinding = binding;
export const isBindings = shape({ bindings: arrayOf(binding) });
export const isRemoved = shape({ removed: bool });
export const isAudit = shape({
  entries: arrayOf(shape({ t: iso, actor: str, action: str, namespace: str, key: nullOr(str), region: str, outcome: str, count: num })),
});

const outcome = shape({ key: str, outcome: (v) => v === "created" || v === "updated" || v === "unchanged" || v === "skipped" || v === "failed" });
/** A bulk write's answer: one result per entry sent. */
export const isBulkResults = (v: unknown, entries: number): boolean =>
  shape({ results: arrayOf(outcome) })(v) && (v as { results: unknown[] }).results.length === entries;

/** The emulator's answers (src/core/emulator-views.ts). */
const regionStatus = shape({ region: str, role: str, partitioned: bool, paused: bool, pending: num, lagMs: num, caughtUpAt: nullOr(iso), held: bool });
export const isEmulatorStatus = shape({
  profile: str,
  home: str,
  edges: arrayOf(str),
  clock: shape({ mode: str, now: iso, offsetMs: num }),
  recording: nullOr(str),
  regions: arrayOf(regionStatus),
});
export const isClock = shape({ mode: str, now: iso, offsetMs: num });
export const isAdvance = shape({ mode: str, now: iso, advancedMs: num });
export const isSettle = shape({ settled: arrayOf(str), held: arrayOf(str) });
export const isFault = shape({ region: str, fault: str, changed: bool });
const regionView = shape({
  region: str,
  version: nullOr(str),
  value: nullOr(str),
  live: bool,
  expiresAt: nullOr(iso),
  servedFrom: str,
  behindHome: bool,
  visibleAt: nullOr(iso),
  heldBy: nullOr(str),
  unavailable: bool,
  held: bool,
});
export const isKeyView = shape({ key: str, namespace: str, now: iso, homeVersion: nullOr(str), regions: arrayOf(regionView) });
