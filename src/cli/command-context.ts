import { systemClock, type Clock } from "../core/clock.js";
import { DEFAULT_SITE } from "../core/limits.js";
import type { Context, Globals, Prompter } from "../commands/context.js";
import type { Backend } from "../core/backend.js";
import type { HttpBackend } from "../client/client.js";
import type { LocalBackend } from "../emulator/index.js";
import { checkEmbeddedSite, resolveTarget } from "../project/target.js";
import { resolveDataDir } from "../project/data-dir.js";
import { guardBackend } from "../commands/interruption.js";
import { storeUpgradeNote } from "../commands/store-upgrade-note.js";
import type { Io } from "../terminal/io.js";
import { wantsColor, type Output } from "../terminal/output.js";
import { clackPrompter } from "./prompter.js";

/** What tests may replace. Everything else comes from `io`. */
export interface Overrides {
  clock?: Clock;
  prompter?: Prompter;
  interactive?: boolean;
}

/** What a command opened, for naming it when the environment fails. */
export interface Opened {
  dataDir?: string;
}

/** The global options of a command line, as a handler reads them. */
export function readGlobals(opts: Record<string, unknown>, io: Io): Globals {
  return {
    json: opts.json === true,
    quiet: opts.quiet === true,
    color: wantsColor(io, opts.color as boolean | undefined),
    dataDir: opts.dataDir as string | undefined,
    local: opts.local === true,
    remote: opts.remote === true,
    apiUrl: opts.apiUrl as string | undefined,
    token: opts.token as string | undefined,
    site: opts.site as string | undefined,
  };
}

/**
 * What a handler is given: the streams, the output, the clock, the prompter, and the target, opened
 * on first use (the embedded emulator or the platform API, as the options, the environment and the
 * project say) and closed by `dispose` once the command ends.
 */
export function createContext(
  io: Io,
  out: Output,
  globals: Globals,
  overrides: Overrides,
  opened: Opened,
): Context & { dispose(): Promise<void>; stopping: boolean; announce: boolean } {
  let local: LocalBackend | undefined;
  let backend: Backend | undefined;
  let guarded: Backend | undefined;
  const signal = io.signal ?? new AbortController().signal;
  const clock = overrides.clock ?? systemClock;
  const openLocal = async (): Promise<LocalBackend> => {
    if (!local) {
      const { LocalBackend } = await import("../emulator/index.js");
      const dataDir = resolveDataDir(globals.dataDir, io.env, io.cwd);
      opened.dataDir = dataDir;
      const site = globals.site ?? io.env.YOURSPACE_SITE ?? DEFAULT_SITE;
      const onStoreUpgrade = () => out.note(storeUpgradeNote(dataDir));
      local = LocalBackend.open({ dataDir, site, clock, cwd: io.cwd, client: io.env.YOURSPACE_CLIENT, onStoreUpgrade });
      local.core.engine.onRecordingStopped = (note) => out.warn(`${note} Record again with: yourspace kv emulator record <file> (or: record off)`);
    }
    return local;
  };
  // Every command says which target it used: the commonest mistake is writing to one and reading another.
  const openBackend = async (): Promise<Backend> => {
    if (!backend) {
      const target = await resolveTarget(globals, io.env, io.cwd);
      if (target.kind === "embedded") {
        const emulator = await openLocal();
        checkEmbeddedSite(
          emulator.target.site,
          emulator.core.admin.names(),
          globals.site ? "--site" : io.env.YOURSPACE_SITE ? "YOURSPACE_SITE" : "the default",
          emulator.core.dataDir,
        );
        backend = emulator;
      } else {
        const { HttpBackend } = await import("../client/client.js");
        backend = await HttpBackend.open({ apiUrl: target.apiUrl, token: target.token, site: target.site, source: target.source });
      }
      out.target(backend.target);
    }
    return (guarded ??= guardBackend(backend, signal));
  };
  const openEmulator = async (): Promise<LocalBackend> => {
    const emulator = await openLocal();
    if (backend === undefined) {
      backend = emulator;
      out.target(emulator.target);
    }
    return emulator;
  };
  return {
    io,
    out,
    globals,
    clock,
    // Asked when a command wants to know, since asking makes process.stdin (src/terminal/io.ts).
    get interactive() {
      return overrides.interactive ?? (io.stdin.isTTY === true && io.stderr.isTTY === true && !io.env.CI);
    },
    prompter: overrides.prompter ?? clackPrompter(signal),
    signal,
    stopping: false,
    announce: true,
    stopsBetweenSteps(announce = true) {
      this.stopping = true;
      this.announce = announce;
    },
    backend: openBackend,
    emulator: openEmulator,
    async emulatorControls() {
      const target = await resolveTarget(globals, io.env, io.cwd);
      if (target.kind === "embedded") return (await openEmulator()).controls();
      await openBackend();
      return (backend as HttpBackend).emulator();
    },
    async dispose() {
      if (backend && backend !== local) await backend.close();
      await local?.close();
    },
  };
}
