import { relative } from "node:path";
import { KvError } from "../core/errors.js";
import { edgeErrors } from "../core/edge-errors.js";
import { bundle } from "./bundle.js";
import { loadFunction, type LoadedFunction } from "./function-host.js";
import type { DevRoute } from "./project-routes.js";
import type { Realm } from "./realm.js";
import type { SourceMaps } from "./source-map-stack.js";

/** What a reload did: the routes it reloaded, or the error that kept their last good version serving. */
export interface ReloadOutcome {
  files: string[];
  routes: string[];
  error?: KvError;
}

interface Loaded {
  run: LoadedFunction | null;
  /** Why the route has no function yet: it has never built. */
  error: KvError | null;
  inputs: string[];
}

/**
 * Every route's function, built and loaded: once at start, then again for the routes a changed file
 * is part of. A function that fails to build or load keeps its last good version; one that never
 * built answers its error.
 */
export class RouteFunctions {
  private readonly loaded = new Map<DevRoute, Loaded>();

  constructor(
    private readonly realm: Realm,
    private readonly edge: unknown,
    private readonly projectDir: string,
    private readonly maps: SourceMaps,
  ) {}

  /** Builds every route's function at once; resolves when all are loaded or have failed. */
  async loadAll(routes: readonly DevRoute[]): Promise<void> {
    await Promise.all(routes.filter((r) => r.file).map((r) => this.load(r).catch(() => {})));
  }

  /** The route's function, or the error it has never got past. */
  functionOf(route: DevRoute): LoadedFunction | KvError {
    const loaded = this.loaded.get(route);
    if (loaded?.run) return loaded.run;
    return loaded?.error ?? edgeErrors.functionFailed(route.pattern.text, "its function is not loaded.");
  }

  /** Every file a function was built from: what the reloader watches. */
  inputs(): string[] {
    return [...new Set([...this.loaded.entries()].flatMap(([route, l]) => [...l.inputs, route.file!]))];
  }

  /** Rebuilds the routes whose functions include one of `files`. */
  async reload(files: readonly string[]): Promise<ReloadOutcome> {
    const affected = [...this.loaded.entries()].filter(([route, l]) => files.some((f) => f === route.file || l.inputs.includes(f))).map(([route]) => route);
    const outcome: ReloadOutcome = { files: files.map((f) => relative(this.projectDir, f)), routes: affected.map((r) => r.pattern.text) };
    for (const route of affected) {
      try {
        await this.load(route);
      } catch (e) {
        outcome.error ??= e instanceof KvError ? e : edgeErrors.functionFailed(route.pattern.text, (e as Error).message);
      }
    }
    return outcome;
  }

  private async load(route: DevRoute): Promise<void> {
    const previous = this.loaded.get(route);
    try {
      const built = await bundle(route.file!, this.projectDir);
      const filename = `${route.file!}.bundle.js`;
      this.maps.add(filename, built.map, filename);
      const run = loadFunction(this.realm, built, filename, this.edge, this.projectDir);
      this.loaded.set(route, { run, error: null, inputs: built.inputs });
    } catch (e) {
      const error = e instanceof KvError ? e : edgeErrors.functionFailed(route.pattern.text, this.maps.mapStack((e as Error).stack ?? String(e)));
      // The last good version keeps serving; the files to watch stay those it was built from.
      this.loaded.set(route, { run: previous?.run ?? null, error, inputs: previous?.inputs ?? [route.file!] });
      throw error;
    }
  }
}
