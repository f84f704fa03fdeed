/**
 * The API's answers: their shapes on the wire, and the mappers between them and the Backend's types
 * (src/core/backend.ts). Times travel as ISO 8601 strings; versions as 20-hex-digit strings. The
 * server maps to the wire, the client back from it.
 */
import { isUtf8 } from "node:buffer";
import type { AuditEntry, Binding, ListPage, NamespaceInfo, SiteInfo, UsageReport } from "../core/backend.js";
import { parseWireEntry, toWireEntry, type BulkOutcome, type WireEntry } from "../core/bulk.js";

export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
export const msOrNull = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

interface WireKey {
  key: string;
  size: number;
  expiresAt: string | null;
  metadata: Record<string, unknown> | null;
}

export interface WireListPage {
  keys: WireKey[];
  cursor: string | null;
  complete: boolean;
}

export interface WireNamespace {
  name: string;
  createdAt: string;
  keys: number;
}

export interface WireNamespaceRemoved {
  name: string;
  removed: true;
}

/**
 * One result of a bulk write; `old` (dry runs) is the stored entry an update would replace. `skipped`:
 * an if-absent write found the key at home and left it as it was.
 */
export interface WireOutcome {
  key: string;
  outcome: "created" | "updated" | "unchanged" | "skipped" | "failed";
  version?: string;
  error?: { code: string; message: string };
  old?: WireEntry;
}

export interface WireBulkResults {
  results: WireOutcome[];
}

export type WireBinding = Omit<Binding, "createdAt"> & { createdAt: string };
export type WireAuditEntry = Omit<AuditEntry, "t"> & { t: string };

export interface WireWhoami {
  site: string;
  token: {
    id: string;
    kind: "site" | "scoped" | "route";
    access: "read-only" | "read-write";
    namespaces: string[] | null;
    expiresAt: string | null;
    route: string | null;
  };
  /** A route token's grant: its route's bindings as they stand now (null for other kinds). */
  bindings: { variable: string; namespace: string; access: "read-only" | "read-write" }[] | null;
}

export type WireSite = SiteInfo;
export type WireUsage = UsageReport;

/** A write's answer: the version it created, in the region that took it. */
export interface WireWrite {
  version: string;
  region: string;
}

/** An increment's answer: the counter's new value, as a decimal string (a signed 64-bit integer), and the write's version. */
export interface WireCounter {
  value: string;
  version: string;
  region: string;
}

/** A delete's answer: the keys removed, those that were not there, and the version of the removal. */
export interface WireDelete {
  deleted: string[];
  missing: string[];
  version: string | null;
}

/** A step of a prefix's removal: the live keys it removed, and the cursor of the next step (null: the prefix holds no key now). */
export interface WirePrefixDeleted {
  removed: number;
  cursor: string | null;
}

export interface WireRemoved {
  removed: boolean;
}

export const namespaceToWire = (n: NamespaceInfo): WireNamespace => ({ name: n.name, createdAt: isoOrNull(n.createdAt)!, keys: n.keys });
export const namespaceFromWire = (n: WireNamespace): NamespaceInfo => ({ name: n.name, createdAt: Date.parse(n.createdAt), keys: n.keys });

export const listPageToWire = (page: ListPage): WireListPage => ({
  keys: page.keys.map((k) => ({ key: k.key, size: k.size, expiresAt: isoOrNull(k.expiresAt), metadata: k.metadata })),
  cursor: page.cursor,
  complete: page.cursor === null,
});
export const listPageFromWire = (page: WireListPage): ListPage => ({
  keys: page.keys.map((k) => ({ key: k.key, size: k.size, expiresAt: msOrNull(k.expiresAt), metadata: k.metadata })),
  cursor: page.cursor,
});

export const bindingToWire = (b: Binding): WireBinding => ({ ...b, createdAt: isoOrNull(b.createdAt)! });
export const bindingFromWire = (b: WireBinding): Binding => ({ ...b, createdAt: Date.parse(b.createdAt) });

export const auditEntryToWire = (e: AuditEntry): WireAuditEntry => ({ ...e, t: isoOrNull(e.t)! });
export const auditEntryFromWire = (e: WireAuditEntry): AuditEntry => ({ ...e, t: Date.parse(e.t) });

export function outcomeToWire(o: BulkOutcome): WireOutcome {
  const { old, ...rest } = o;
  if (!old) return rest;
  return { ...rest, old: toWireEntry(o.key, old.value, old.metadata, old.expiresAt, isUtf8(old.value)) };
}

export function outcomeFromWire({ old, ...rest }: WireOutcome): BulkOutcome {
  if (!old) return rest;
  const parsed = parseWireEntry(old);
  return { ...rest, old: { value: parsed.value, metadata: parsed.metadata ?? null, expiresAt: parsed.expiresAt ?? null } };
}
