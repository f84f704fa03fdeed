import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import type { Server } from "node:http";
import type { Clock } from "../core/clock.js";
import { EmulatorCore } from "../emulator/index.js";
import { createBinding, edgeModule, type KvBinding } from "../edge/module.js";
import { Dispatcher } from "./dispatch.js";
import { KvBroker } from "./kv-broker.js";
import type { RequestLog } from "./log-line.js";
import { readProjectRoutes, type DevRoute } from "./project-routes.js";
import { Realm } from "./realm.js";
import { Reloader } from "./reloader.js";
import type { ReloadOutcome } from "./route-functions.js";
import { RouteFunctions } from "./route-functions.js";
import { listenDev } from "./server.js";
import { SourceMaps } from "./source-map-stack.js";
import type { KvError } from "../core/errors.js";

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
  onRequest(log: RequestLog): void;
  onReload(outcome: ReloadOutcome): void;
  /** A function failed to build at start (it answers its error until it builds). */
  onLoadError(route: string, error: KvError): void;
  onBackgroundError(route: string, error: unknown): void;
  onWarning(text: string): void;
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

/** How often gathered audit records and read meters are written out, as the API server does. */
const LEDGER_FLUSH_MS = 200;
const LEDGER_FLUSH_RECORDS = 256;

/**
 * `yourspace dev`'s runtime: the project's routes, their functions in one realm, KV through the
 * broker over the same data directory as the CLI (no second store), the HTTP server and the reloader.
 */
export async function startDev(options: DevOptions): Promise<{ info: DevInfo; close(): Promise<void> }> {
  const project = await readProjectRoutes(options.cwd);
  const core = EmulatorCore.open(options.dataDir, options.clock, "dev");
  try {
    const { engine } = core;
    engine.settings.oncePerTurn = true;
    core.ledger.flushAt = LEDGER_FLUSH_RECORDS;
    const serverRegion = engine.region(options.region);
    const broker = new KvBroker(core, options.site);
    const bindings = new Map<string, KvBinding>();
    const bindingOf = (variable: string) => bindings.get(variable) ?? bindings.set(variable, createBinding(broker, variable)).get(variable)!;
    const realm = new Realm(() => engine.now());
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
      onBackgroundError: options.onBackgroundError,
    });
    const audit = new AuditFlush(core, options.onWarning);
    const { server, url, idle } = await listenDev({
      host: options.host,
      port: options.port,
      dispatcher,
      maps,
      // The settings are looked at once per turn of the event loop, as the API server does: a request
      // is answered as of a moment after it arrived.
      region: (name) => engine.settings.pinned(() => engine.regionNow(name ?? serverRegion)),
      // A write's records are in the log by the time its answer arrives.
      beforeAnswer: (record) => {
        if (record.ops.some((op) => op.op !== "get" && op.op !== "list")) audit.flush();
      },
      log: (entry) => {
        // Once no request is in flight, reads' records are written out before their log lines.
        if (entry.record.ops.length) audit.whenIdle(idle);
        options.onRequest(entry);
      },
    });
    const reloader = await Reloader.watch(functions, options.onReload);
    const timer = setInterval(() => core.ledger.flush(), LEDGER_FLUSH_MS);
    timer.unref();
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
        clearInterval(timer);
        core.close();
      },
    };
  } catch (e) {
    core.close();
    throw e;
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/**
 * Writes out the audit records a function's operations gathered: at once for writes, and for reads
 * at the end of a turn with no request left in flight (before the turn's log lines go out, which
 * scripts wait for), so a quiet server's log is current and a busy one writes it every
 * LEDGER_FLUSH_MS rather than per request.
 */
class AuditFlush {
  private scheduled = false;

  constructor(
    private readonly core: EmulatorCore,
    private readonly warn: (text: string) => void,
  ) {}

  flush(): void {
    // The answer stands whatever happens to the log: what the function did is done.
    try {
      this.core.ledger.flush();
    } catch (e) {
      this.warn(`The audit log could not be written: ${(e as Error).message}`);
    }
  }

  whenIdle(idle: () => boolean): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (idle()) this.flush();
    });
  }
}
