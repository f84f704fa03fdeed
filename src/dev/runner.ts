import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import type { Server } from "node:http";
import { performance } from "node:perf_hooks";
import type { Clock } from "../core/clock.js";
import { EmulatorCore } from "../emulator/index.js";
import { createBinding, edgeModule, type KvBinding } from "../edge/module.js";
import { startBundler } from "./bundle.js";
import { Dispatcher } from "./dispatch.js";
import { type ConsoleLevel, functionConsole } from "./function-console.js";
import { KvBroker } from "./kv-broker.js";
import type { RequestLog } from "./log-line.js";
import { readProjectRoutes, type DevRoute } from "./project-routes.js";
import { Realm } from "./realm.js";
import { Reloader } from "./reloader.js";
import type { ReloadOutcome } from "./route-functions.js";
import { RouteFunctions } from "./route-functions.js";
import { listenDev } from "./server.js";
import { describeFunctionThrow } from "./function-throw.js";
import { SourceMaps } from "./source-map-stack.js";
import { describeThrown } from "../core/describe-thrown.js";
import { KvError } from "../core/errors.js";

export interface DevOptions {
  cwd: string;
  dataDir: string;
  site: string;
  clock: Clock;
  host: string;
  port: number;
  /** The region requests are served in unless their header names another; default home. */
  region?: string;
  /** Where requests no route or file serves go. */
  origin?: string;
  /** Static files; default the project's public/ when it exists. */
  publicDir?: string;
  /** Called before a store an earlier version made is migrated (seconds at millions of keys). */
  onStoreUpgrade?: () => void;
  onRequest(log: RequestLog): void;
  onReload(outcome: ReloadOutcome): void;
  /** A function failed to build at start (it answers its error until it builds). */
  onLoadError(route: string, error: KvError): void;
  /** A promise given to waitUntil rejected: what it rejected with, its stack mapped to the sources. */
  onBackgroundError(route: string, thrown: { text: string; stack?: string }): void;
  onWarning(text: string): void;
  /** What a function wrote with console.log (level "log") or console.error (level "error"), one call at a time. */
  onConsole(level: ConsoleLevel, text: string): void;
}

/** What the server says it serves, once it accepts requests. */
export interface DevInfo {
  url: string;
  dataDir: string;
  site: string;
  project: string;
  profile: string;
  home: string;
  regions: string[];
  region: string;
  publicDir: string | null;
  origin: string | null;
  routes: { pattern: string; function: string | null; kv: { variable: string; namespace: string; access: string }[] }[];
}

/** Gathered audit records are written out after this many, at the latest. */
const LEDGER_FLUSH_RECORDS = 256;
/** How often, at most, request log lines go out, and the audit records of their reads with them. */
const LOG_INTERVAL_MS = 50;

/**
 * `yourspace dev`'s runtime: the project's routes, their functions in one realm, KV through the
 * broker over the same data directory as the CLI (no second store), the HTTP server and the reloader.
 */
export async function startDev(options: DevOptions): Promise<{ info: DevInfo; close(): Promise<void> }> {
  const project = await readProjectRoutes(options.cwd);
  if (project.routes.some((route) => route.file !== null)) await startBundler();
  const core = EmulatorCore.open(options.dataDir, options.clock, "dev", options.onStoreUpgrade);
  try {
    const { engine } = core;
    engine.settings.oncePerTurn = true;
    core.ledger.flushAt = LEDGER_FLUSH_RECORDS;
    const serverRegion = engine.region(options.region);
    const broker = new KvBroker(core, options.site);
    const bindings = new Map<string, KvBinding>();
    const bindingOf = (variable: string) => bindings.get(variable) ?? bindings.set(variable, createBinding(broker, variable)).get(variable)!;
    const realm = new Realm(() => engine.now(), functionConsole(options.onConsole));
    const maps = new SourceMaps(project.dir);
    const functions = new RouteFunctions(realm, edgeModule(broker), project.dir, maps);
    await functions.loadAll(project.routes);
    for (const route of project.routes) {
      const loaded = route.file ? functions.functionOf(route) : null;
      if (loaded !== null && typeof loaded !== "function") options.onLoadError(route.pattern.text, loaded);
    }
    const publicDir = publicDirOf(options.publicDir, options.cwd, project.dir);
    const dispatcher = new Dispatcher({
      routes: project.routes,
      functions,
      bindingOf,
      publicDir,
      origin: options.origin ?? null,
      onBackgroundError: (route, e) => options.onBackgroundError(route, describeFunctionThrow(e, maps)),
    });
    const log = new RequestLogBatch(core, options.onRequest, options.onWarning);
    const { server, url } = await listenDev({
      host: options.host,
      port: options.port,
      dispatcher,
      maps,
      // The settings are looked at once per turn of the event loop, as the API server does: a request
      // is answered as of a moment after it arrived.
      region: (name) => engine.settings.pinned(() => engine.regionNow(name ?? serverRegion)),
      // A write's records are in the log by the time its answer arrives.
      beforeAnswer: (record) => {
        if (record.ops.some((op) => op.op !== "get" && op.op !== "list")) log.flushAudit();
      },
      log: (entry) => log.add(entry),
    });
    const reloader = await Reloader.watch(functions, options.onReload, project.path, (asServed) =>
      projectChanged(project.path, options.cwd, asServed).then(options.onWarning),
    );
    const model = engine.settings.model;
    const info: DevInfo = {
      url,
      dataDir: options.dataDir,
      site: options.site,
      project: project.path,
      profile: model.profile,
      home: model.home,
      regions: [model.home, ...model.edges],
      region: serverRegion,
      publicDir,
      origin: options.origin ?? null,
      routes: project.routes.map((r) => describe(r, project.dir)),
    };
    return {
      info,
      async close() {
        await reloader.close();
        await closeServer(server);
        log.drain();
        core.close();
      },
    };
  } catch (e) {
    core.close();
    throw e;
  }
}

/**
 * What to say of a change to the project file, whose routes are read at start only: whether a
 * restart would serve it, fail on it (why, so it can be fixed first), or was not needed after all.
 */
async function projectChanged(path: string, cwd: string, asServed: boolean): Promise<string> {
  if (asServed) return `${path} is as it was at start again: the routes served are its routes.`;
  try {
    await readProjectRoutes(cwd);
    return `${path} changed: its routes and bindings are read at start; restart yourspace dev to serve them.`;
  } catch (e) {
    const why = e instanceof KvError ? e.message : describeThrown(e);
    return `${path} changed, and yourspace dev would refuse it: ${why} The routes read at start keep serving.`;
  }
}

function publicDirOf(given: string | undefined, cwd: string, projectDir: string): string | null {
  if (given !== undefined) return isAbsolute(given) ? given : resolve(cwd, given);
  const fallback = resolve(projectDir, "public");
  return existsSync(fallback) ? fallback : null;
}

function describe(route: DevRoute, dir: string): DevInfo["routes"][number] {
  return {
    pattern: route.pattern.text,
    function: route.file === null ? null : relative(dir, route.file),
    kv: route.bindings.map((b) => ({ variable: b.variable, namespace: b.namespace, access: b.access })),
  };
}

/**
 * Stops serving at once: requests still running are cut off, since a function that never answers,
 * or streams without end, would otherwise keep the server from stopping. A function's KV calls are
 * each whole when made, so cutting a request off leaves no write half done.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Request log lines, written out at most every LOG_INTERVAL_MS, each batch after the audit records
 * of its requests' reads: a log line that has appeared means its request's records are in the store
 * (scripts and tests wait for it), and a busy server writes the log a few times a second rather than
 * once per request.
 */
class RequestLogBatch {
  private queue: RequestLog[] = [];
  private scheduled = false;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly core: EmulatorCore,
    private readonly emit: (log: RequestLog) => void,
    private readonly warn: (text: string) => void,
  ) {}

  add(entry: RequestLog): void {
    this.queue.push(entry);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.last + LOG_INTERVAL_MS - performance.now();
    if (wait > 0) setTimeout(() => this.drain(), wait);
    else setImmediate(() => this.drain());
  }

  drain(): void {
    this.scheduled = false;
    this.last = performance.now();
    const queue = this.queue;
    this.queue = [];
    if (queue.some((entry) => entry.record.ops.length)) this.flushAudit();
    for (const entry of queue) {
      this.emit(entry);
      if (entry.afterAnswer) continue;
      const { method, path, status, record } = entry;
      record.afterLogged = (op) => this.add({ method, path, status, ms: 0, record: { region: record.region, ops: [op] }, afterAnswer: true });
    }
  }

  flushAudit(): void {
    // The answer stands whatever happens to the log: what the function did is done.
    try {
      this.core.ledger.flush();
    } catch (e) {
      this.warn(`The audit log could not be written: ${(e as Error).message}`);
    }
  }
}
