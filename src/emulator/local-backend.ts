import { userInfo } from "node:os";
import { relative } from "node:path";
import type {
  AuditEntry,
  AuditQuery,
  Backend,
  Binding,
  DeleteResult,
  ExportedEntry,
  ExportLines,
  GetResult,
  ListOptions,
  ListPage,
  NamespaceInfo,
  PutInput,
  ReadOptions,
  SiteChange,
  SiteInfo,
  TargetInfo,
  UsageReport,
  DeleteOptions,
  WriteResult,
  PutOptions,
  BulkPutOptions,
  IncrOptions,
  IncrResult,
  PrefixDeleteOptions,
  PrefixDeleteStep,
} from "../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../core/bulk.js";
import { toExportLines } from "../core/export-lines.js";
import type { ExportRow } from "./kv/export.js";
import type { Clock } from "../core/clock.js";
import { AuditTrail } from "./audit-trail.js";
import { EmulatorControl } from "./control.js";
import { EmbeddedControls } from "./controls.js";
import { EmulatorCore } from "./emulator-core.js";
import type { TokenStore } from "./site/tokens.js";
import { readOnlyReason } from "./store/read-only.js";
import { makeWay, StepSize } from "./kv/step-size.js";

export interface LocalBackendOptions {
  dataDir: string;
  site: string;
  clock: Clock;
  /** Names this process in recorded histories. */
  client?: string;
  /** For the "target" line: data directories are shown relative to here. */
  cwd: string;
  /** Told before a store made by an earlier version is migrated, which holds the write lock meanwhile. */
  onStoreUpgrade?: (from: number, to: number) => void;
}

/**
 * The emulator as a Backend for one site and one actor: the embedded target of the CLI, and what the
 * emulator's API server runs each request on. Every read, write and delete goes to the audit log.
 */
export class LocalBackend implements Backend {
  constructor(
    readonly core: EmulatorCore,
    private readonly site: string,
    /** Who the audit log names: the local user, a token, or a route. */
    private readonly actor: string,
    readonly target: TargetInfo,
    private readonly ownsCore = false,
  ) {
    this.trail = new AuditTrail(core, site, actor);
  }

  private readonly trail: AuditTrail;
  /** Rows per step of a long removal, by how long the last held the write lock (see StepSize). */
  private readonly steps = new StepSize();

  static open(options: LocalBackendOptions): LocalBackend {
    const core = EmulatorCore.open(options.dataDir, options.clock, options.client, options.onStoreUpgrade);
    const shown = relative(options.cwd, options.dataDir) || ".";
    const readOnly = readOnlyReason(core.db) === undefined ? "" : ", read-only";
    const target: TargetInfo = {
      kind: "embedded",
      description: `embedded emulator at ${shown.startsWith("..") ? options.dataDir : shown} (site ${options.site}${readOnly})`,
      site: options.site,
    };
    return new LocalBackend(core, options.site, `local:${localUser()}`, target, true);
  }

  /** The emulator's controls (regions, clock, faults) over the same store. */
  control(): EmulatorControl {
    return new EmulatorControl(this.core.engine);
  }

  /** The controls and region views as JSON, the same on every target (src/core/emulator-views.ts). */
  controls(): EmbeddedControls {
    return new EmbeddedControls(this.control(), this.site);
  }

  /** The emulator's sites and tokens, as its API server checks them. */
  tokens(): TokenStore {
    return this.core.tokens;
  }

  async get(ns: string, key: string, options?: ReadOptions): Promise<GetResult> {
    return this.getNow(ns, key, options);
  }

  /** get(), answered at once: for the server, which then answers without waiting for a later tick. */
  getNow(ns: string, key: string, options?: ReadOptions): GetResult {
    return this.trail.run(
      "read",
      ns,
      key,
      options?.region,
      () => this.core.engine.get(this.site, ns, key, options),
      (r) => [r.entry ? "ok" : "not-found", r.entry ? r.entry.value.length : 0, r.read.region],
    );
  }

  async put(ns: string, key: string, input: PutInput, options?: PutOptions): Promise<WriteResult> {
    return this.putNow(ns, key, input, options);
  }

  /** put(), run at once: for the server's group commit, which runs it inside a shared transaction. */
  putNow(ns: string, key: string, input: PutInput, options?: PutOptions): WriteResult {
    return this.trail.run(
      "write",
      ns,
      key,
      options?.region,
      () => this.core.engine.put(this.site, ns, key, input, options),
      (r) => ["ok", 0, r.region],
    );
  }

  async delete(ns: string, keys: readonly string[], options: DeleteOptions): Promise<DeleteResult> {
    return this.deleteNow(ns, keys, options);
  }

  /** delete(), run at once (see putNow). */
  deleteNow(ns: string, keys: readonly string[], options: DeleteOptions): DeleteResult {
    const region = options.region ?? this.core.engine.homeRegion;
    // A dry run changes nothing, so there is nothing to audit (as for a bulk put's).
    if (options.dryRun) return this.core.engine.delete(this.site, ns, keys, options);
    try {
      const result = this.core.engine.actingFor(this.actor, () => this.core.engine.delete(this.site, ns, keys, options));
      for (const key of result.deleted) this.trail.log("delete", ns, key, region, "ok");
      for (const key of result.missing) this.trail.log("delete", ns, key, region, "not-found");
      return result;
    } catch (e) {
      this.trail.failed("delete", ns, keys, options.region, e);
      throw e;
    }
  }

  /** A step sized by the last (see StepSize), then a pause as long, so other processes' writers get the lock between steps. */
  async deletePrefix(ns: string, prefix: string, options: PrefixDeleteOptions): Promise<PrefixDeleteStep> {
    const step = this.deletePrefixNow(ns, prefix, options);
    if (!options.dryRun) await makeWay(step.heldMs);
    return { removed: step.removed, cursor: step.cursor };
  }

  /** One step of deletePrefix() at once, `limit` rows looked at (by default as StepSize says): for the server, one step a request. */
  deletePrefixNow(ns: string, prefix: string, options: PrefixDeleteOptions & { limit?: number }): PrefixDeleteStep & { heldMs: number } {
    const engine = this.core.engine;
    const region = options.region ?? engine.homeRegion;
    try {
      const limit = options.limit ?? this.steps.next;
      const step = engine.actingFor(this.actor, () =>
        engine.deletePrefixStep(this.site, ns, prefix, { cursor: options.cursor, region: options.region, limit, dryRun: options.dryRun }),
      );
      // A dry step removes nothing, so how long it held the lock says nothing of the next removal's step.
      if (options.limit === undefined && !options.dryRun) this.steps.took(step.heldMs);
      if (step.removed > 0 && !options.dryRun) this.trail.removedAll(ns, prefix, region, step.removed);
      return step;
    } catch (e) {
      this.trail.failed("delete", ns, [`${prefix}*`], options.region, e);
      throw e;
    }
  }

  async incr(ns: string, key: string, options?: IncrOptions): Promise<IncrResult> {
    return this.incrNow(ns, key, options);
  }

  /** incr(), run at once (see putNow). */
  incrNow(ns: string, key: string, options?: IncrOptions): IncrResult {
    return this.trail.run(
      "incr",
      ns,
      key,
      options?.region,
      () => this.core.engine.incr(this.site, ns, key, options),
      (r) => ["ok", 0, r.region],
    );
  }

  /** Logs writes that did not happen: they failed, or the transaction they shared failed to commit. */
  failed(action: "write" | "delete" | "incr", ns: string, keys: readonly string[], region: string | undefined, error: unknown): void {
    this.trail.failed(action, ns, keys, region, error);
  }

  async list(ns: string, options: ListOptions): Promise<ListPage> {
    return this.listNow(ns, options);
  }

  /** list(), answered at once: for the dev runner, whose functions' KV calls are answered in the same turn. */
  listNow(ns: string, options: ListOptions): ListPage {
    return this.trail.run(
      "list",
      ns,
      options.prefix,
      options.region,
      () => this.core.engine.list(this.site, ns, options),
      () => ["ok", 0, undefined],
    );
  }

  async bulkPut(ns: string, entries: readonly BulkEntry[], options: BulkPutOptions = {}): Promise<BulkOutcome[]> {
    const region = options.region ?? this.core.engine.homeRegion;
    try {
      const outcomes = this.core.engine.actingFor(this.actor, () => this.core.engine.putMany(this.site, ns, entries, options));
      if (!options.dryRun)
        for (const o of outcomes)
          if (o.outcome !== "unchanged" && o.outcome !== "skipped") this.trail.log("write", ns, o.key, region, o.outcome === "failed" ? o.error!.code : "ok");
      return outcomes;
    } catch (e) {
      if (!options.dryRun)
        this.trail.failed(
          "write",
          ns,
          entries.map((entry) => entry.key),
          region,
          e,
        );
      throw e;
    } finally {
      // A batch's records go out with the batch, so a long import never holds them all.
      this.core.ledger.flush();
    }
  }

  async *exportEntries(ns: string, options: { prefix: string }): AsyncIterable<ExportedEntry[]> {
    // An export is audited once, as a read of everything under its prefix.
    this.trail.readAll(ns, options.prefix);
    for (const page of this.core.engine.exportEntries(this.site, ns, options.prefix)) yield page.map(exportedEntry);
  }

  async *exportLines(ns: string, options: { prefix: string }): AsyncIterable<ExportLines> {
    this.trail.readAll(ns, options.prefix);
    for (const page of this.core.engine.exportText(this.site, ns, options.prefix)) {
      yield "text" in page ? page : toExportLines(page.rows.map(exportedEntry));
    }
  }

  async usage(): Promise<UsageReport> {
    this.core.ledger.flush();
    return this.core.admin.report(this.site);
  }
  async updateSite(change: SiteChange): Promise<SiteInfo> {
    return this.core.admin.update(this.site, change);
  }
  async listBindings(): Promise<Binding[]> {
    return this.core.admin.bindings(this.site);
  }
  async bind(binding: Omit<Binding, "createdAt">): Promise<Binding> {
    return this.core.admin.bind(this.site, binding);
  }
  async unbind(route: string, variable: string): Promise<boolean> {
    return this.core.admin.unbind(this.site, route, variable);
  }
  async audit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.core.ledger.query(this.site, query).map(({ site: _site, ...entry }) => entry);
  }

  async createNamespace(name: string): Promise<NamespaceInfo> {
    return this.core.engine.createNamespace(this.site, name);
  }
  async listNamespaces(): Promise<NamespaceInfo[]> {
    return this.core.engine.listNamespaces(this.site);
  }
  async removeNamespace(name: string, onProgress?: (removed: number) => void): Promise<void> {
    const engine = this.core.engine;
    for (const id of engine.beginNamespaceRemoval(this.site, name)) {
      for (;;) {
        const step = engine.removeNamespaceStep(this.site, id, this.steps.next);
        if (step === null) break;
        this.steps.took(step.heldMs);
        onProgress?.(step.removed);
        // Between steps, a pause: other processes' writers take the lock, and a server removing a
        // namespace keeps answering meanwhile.
        await makeWay(step.heldMs);
      }
    }
  }
  async close(): Promise<void> {
    if (this.ownsCore) this.core.close();
    else this.core.ledger.flush();
  }
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

function exportedEntry(r: ExportRow): ExportedEntry {
  return {
    key: r.key.toString("utf8"),
    value: r.value,
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as ExportedEntry["metadata"]),
    expiresAt: r.expires_at,
  };
}
