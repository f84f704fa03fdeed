import { relative } from "node:path";
import type { Backend, DeleteResult, Entry, ListOptions, ListPage, NamespaceInfo, PutInput, TargetInfo, WriteResult } from "../core/backend.js";
import type { Clock } from "../core/clock.js";
import { Engine } from "./engine.js";
import { openStore, type Database } from "./store.js";

export interface LocalBackendOptions {
  dataDir: string;
  site: string;
  clock: Clock;
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
    const engine = new Engine({ db, dataDir: options.dataDir, clock: options.clock });
    const shown = relative(options.cwd, options.dataDir) || ".";
    return new LocalBackend(db, engine, options.site, {
      kind: "embedded",
      description: `embedded emulator at ${shown.startsWith("..") ? options.dataDir : shown} (site ${options.site})`,
      site: options.site,
    });
  }

  async get(ns: string, key: string): Promise<Entry | null> {
    return this.engine.get(this.site, ns, key);
  }
  async put(ns: string, key: string, input: PutInput): Promise<WriteResult> {
    return this.engine.put(this.site, ns, key, input);
  }
  async delete(ns: string, keys: readonly string[], options: { force: boolean }): Promise<DeleteResult> {
    return this.engine.delete(this.site, ns, keys, options);
  }
  async list(ns: string, options: ListOptions): Promise<ListPage> {
    return this.engine.list(this.site, ns, options);
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
