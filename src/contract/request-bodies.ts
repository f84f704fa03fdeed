/** The JSON bodies the API takes: their fields, how a refusal shows their shape, and their types. */
import type { BulkEntry, WireEntry } from "../core/bulk.js";
import type { Binding, SiteChange } from "../core/backend.js";
import { ENTRY_CONDITION, entryConditionToWire } from "./conditions.js";
import type { Endpoint } from "./routes.js";

/**
 * What a field of a JSON request body holds. `integer`: a safe integer; `number`: any finite number;
 * `int64`: a number or a string, which the route checks is a signed 64-bit integer (a decimal string
 * for those JSON numbers cannot carry exactly); `strings`: an array of strings; `stringOrNull`: a string, or null for none (a cursor
 * a client passes on as it was answered).
 */
export type FieldKind = "string" | "stringOrNull" | "boolean" | "integer" | "number" | "int64" | "strings" | "array";

/** A JSON request body: its fields (any other is refused), and how errors show its shape. */
export interface BodyShape {
  fields: Record<string, { kind: FieldKind; required?: true }>;
  example: string;
}

/** The JSON body of each endpoint that takes one. */
export const BODIES = {
  "POST namespaces": { fields: { name: { kind: "string", required: true } }, example: '{"name": "<namespace>"}' },
  "POST bulkDelete": {
    fields: { keys: { kind: "strings", required: true }, force: { kind: "boolean" }, dryRun: { kind: "boolean" } },
    example: '{"keys": ["…"], "force": false, "dryRun": false}',
  },
  "POST deletePrefix": {
    fields: { prefix: { kind: "string", required: true }, cursor: { kind: "stringOrNull" }, dryRun: { kind: "boolean" } },
    example: '{"prefix": "…", "cursor": null, "dryRun": false}',
  },
  "POST bulkPut": {
    fields: { entries: { kind: "array", required: true }, dryRun: { kind: "boolean" }, ifAbsent: { kind: "boolean" } },
    example: '{"entries": [{"key", "value", …}], "dryRun": false, "ifAbsent": false}',
  },
  "POST counter": {
    fields: { by: { kind: "int64" }, ttl: { kind: "number" } },
    example: '{"by": "<signed 64-bit integer>", "ttl": <seconds>}',
  },
  "PATCH site": { fields: { tier: { kind: "string" }, auditRetentionDays: { kind: "integer" } }, example: '{"tier": "<tier>", "auditRetentionDays": <days>}' },
  "PUT bindings": {
    fields: {
      route: { kind: "string", required: true },
      variable: { kind: "string", required: true },
      namespace: { kind: "string", required: true },
      access: { kind: "string", required: true },
    },
    example: '{"route", "variable", "namespace", "access": "read-only" | "read-write"}',
  },
  "POST emulatorClock": { fields: { mode: { kind: "string", required: true } }, example: '{"mode": "manual" | "real"}' },
  "POST emulatorAdvance": { fields: { ms: { kind: "integer", required: true } }, example: '{"ms": <milliseconds, a whole number from 0>}' },
  "POST emulatorFaults": {
    fields: { command: { kind: "string", required: true }, region: { kind: "string", required: true } },
    example: '{"command": "partition" | "heal" | "pause" | "resume", "region": "<region id>"}',
  },
} as const satisfies Partial<Record<Endpoint, BodyShape>>;

/** The bodies as the server has them once their shape is checked (BODIES), before their values are. */
export interface NamespaceCreateBody {
  name: string;
}

export interface BulkDeleteBody {
  keys: string[];
  force?: boolean;
  dryRun?: boolean;
}

/** One step of removing a prefix: from `cursor`, the one the step before answered (absent or null: the first step). */
export interface DeletePrefixBody {
  prefix: string;
  cursor?: string | null;
  dryRun?: boolean;
}

/** `entries` are checked one by one (parseWireEntry): one that does not parse fails alone. */
export interface BulkPutBody {
  entries: unknown[];
  dryRun?: boolean;
  /** Write only the entries whose keys are absent at home; the others are answered "skipped". */
  ifAbsent?: boolean;
}

/** An increment: `by` (default 1) as a decimal string or a safe integer; `ttl` in seconds, from the commit. */
export interface CounterBody {
  by?: string | number;
  ttl?: number;
}

export interface SiteChangeBody {
  tier?: string;
  auditRetentionDays?: number;
}

export interface BindingBody {
  route: string;
  variable: string;
  namespace: string;
  access: string;
}

export interface ClockBody {
  mode: string;
}

export interface AdvanceBody {
  ms: number;
}

export interface FaultBody {
  command: string;
  region: string;
}

export const namespaceCreateBody = (name: string): string => JSON.stringify({ name } satisfies NamespaceCreateBody);

export const bulkDeleteBody = (keys: string[], force: boolean | undefined, dryRun: boolean): string =>
  JSON.stringify({ keys, force, ...(dryRun && { dryRun }) } satisfies BulkDeleteBody);

export const deletePrefixBody = (prefix: string, cursor: string | null, dryRun = false): string =>
  JSON.stringify({ prefix, cursor, ...(dryRun && { dryRun }) } satisfies DeletePrefixBody);

/** A bulk write's entry as the client sends it: the value always base64, so any bytes survive; its condition, if any, as `only_if`. */
export function bulkEntryText(e: BulkEntry): string {
  const w: WireEntry & { [ENTRY_CONDITION]?: { version: string | null } } = { key: e.key, value: e.value.toString("base64"), base64: true };
  if (e.metadata !== undefined) w.metadata = e.metadata;
  if (e.expiresAt !== undefined) w.expiration = e.expiresAt / 1000;
  if (e.ttlSeconds !== undefined) w.expiration_ttl = e.ttlSeconds;
  if (e.onlyIf !== undefined) w[ENTRY_CONDITION] = entryConditionToWire(e.onlyIf);
  return JSON.stringify(w);
}

/** A bulk write's body from its entries' JSON texts (bulkEntryText), joined rather than serialised again. */
export const bulkPutBody = (entryTexts: readonly string[], dryRun: boolean, ifAbsent = false): string =>
  `{"entries":[${entryTexts.join(",")}],"dryRun":${dryRun}${ifAbsent ? ',"ifAbsent":true' : ""}}`;

/** `by` always travels as a decimal string: a bigint beyond 2^53 has no exact JSON number. */
export const counterBody = (by: bigint | undefined, ttlSeconds: number | undefined): string =>
  JSON.stringify({ ...(by !== undefined && { by: by.toString() }), ...(ttlSeconds !== undefined && { ttl: ttlSeconds }) } satisfies CounterBody);

export const siteChangeBody = (change: SiteChange): string => JSON.stringify(change satisfies SiteChangeBody);

export const bindingBody = (b: Omit<Binding, "createdAt">): string =>
  JSON.stringify({ route: b.route, variable: b.variable, namespace: b.namespace, access: b.access } satisfies BindingBody);

export const clockBody = (mode: string): string => JSON.stringify({ mode } satisfies ClockBody);
export const advanceBody = (ms: number): string => JSON.stringify({ ms } satisfies AdvanceBody);
export const faultBody = (command: string, region: string): string => JSON.stringify({ command, region } satisfies FaultBody);
