import { relative } from "node:path";
import type { Backend, DeleteResult, ExportedEntry, GetResult, ListOptions, ListPage, NamespaceInfo, PutInput, ReadOptions, TargetInfo, WriteOptions, WriteResult } from "../core/backend.js";
import type { BulkEntry, BulkOutcome } from "../core/bulk.js";
import type { Clock } from "../core/clock.js";
import { TokenStore } from "../api/tokens.js";
import { EmulatorControl } from "./control.js";
import { Engine } from "./engine.js";
import { openStore, type Database } from "./store.js";

export interface LocalBackendOptions {
  dataDir: string;
  site: string;
  clock: Clock;
  /** Names this process in recorded histories. */
  client?: string;
  /** For the "target" line: data directories are shown relative to here. */
  cwd: string;
}

/** The embedded target: the emulator engine, in this process, over the data directory's store. */
export class LocalBackend implements Backend {
  readonly target: TargetInfo;
  private constructor(
    private readonly db: Database,
    private readonly engine: Engine,
    private readonly site: string,
    target: TargetInfo,
  ) {
    this.target = target;
  }

  static open(options: LocalBackendOptions): LocalBackend {
    const db = openStore({ dataDir: options.dataDir, now: options.clock.now() });
    const engine = new Engine({ db, dataDir: options.dataDir, clock: options.clock, client: options.client });
    const shown = relative(options.cwd, options.dataDir) || ".";
    return new LocalBackend(db, engine, options.site, {
      kind: "embedded",
      description: `embedded emulator at ${shown.startsWith("..") ? options.dataDir : shown} (site ${options.site})`,
      site: options.site,
    });
  }

  /** The emulator's controls (regions, clock, faults) over the same store. */
  control(): EmulatorControl {
    return new EmulatorControl(this.engine);
  }

  /** The emulator's sites and tokens, as its API server checks them. */
  tokens(): TokenStore {
    return new TokenStore(this.db, () => this.engine.now());
  }

  async get(ns: string, key: string, options?: ReadOptions): Promise<GetResult> {
    return this.engine.get(this.site, ns, key, options);
  }
  async put(ns: string, key: string, input: PutInput, options?: WriteOptions): Promise<WriteResult> {
    return this.engine.put(this.site, ns, key, input, options);
  }
  async delete(ns: string, keys: readonly string[], options: { force: boolean } & WriteOptions): Promise<DeleteResult> {
    return this.engine.delete(this.site, ns, keys, options);
  }
  async list(ns: string, options: ListOptions): Promise<ListPage> {
    return this.engine.list(this.site, ns, options);
  }
  async bulkPut(ns: string, entries: readonly BulkEntry[], options: { dryRun?: boolean } & WriteOptions = {}): Promise<BulkOutcome[]> {
    return this.engine.putMany(this.site, ns, entries, options);
  }
  async *exportEntries(ns: string, options: { prefix: string }): AsyncIterable<ExportedEntry[]> {
    for (const page of this.engine.exportEntries(this.site, ns, options.prefix)) {
      yield page.map((r) => ({ key: r.key.toString("utf8"), value: r.value, metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as ExportedEntry["metadata"]), expiresAt: r.expires_at }));
    }
  }
  async createNamespace(name: string): Promise<NamespaceInfo> {
    return this.engine.createNamespace(this.site, name);
  }
  async listNamespaces(): Promise<NamespaceInfo[]> {
    return this.engine.listNamespaces(this.site);
  }
  async removeNamespace(name: string): Promise<void> {
    this.engine.removeNamespace(this.site, name);
  }
  async close(): Promise<void> {
    this.db.close();
  }
}
