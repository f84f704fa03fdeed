import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { onTestFinished } from "vitest";
import { BIN, runCli, tempDir, type RunResult } from "./cli.js";

/** The first stdout line of `yourspace dev --json`. */
interface DevInfo {
  url: string;
  dataDir: string;
  profile: string;
  home: string;
  regions: string[];
  routes: { pattern: string; function: string | null; kv: { variable: string; namespace: string; access: string }[] }[];
}

/**
 * Who undoes what a helper made: by default the current test, when it finishes; a file's shared
 * project and process, made in beforeAll, pass a list their afterAll runs.
 */
export type Cleanup = (undo: () => void | Promise<void>) => void;

/** A stderr line of `yourspace dev --json`: a request, a reload, a failed load, or a warning. */
type DevEvent = Record<string, any>;

/**
 * A project in a temporary directory: files by path (yourspace.jsonc, functions/…), its data
 * directory inside it, and the CLI run in process over the same data directory (`kv`).
 */
export function devProject(files: Record<string, string>, cleanup?: Cleanup) {
  const dir = cleanup ? sharedDir(cleanup) : tempDir();
  const dataDir = join(dir, ".data");
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, YOURSPACE_DATA_DIR: dataDir };
  /** Writes a file whole under a temporary name and renames it into place, as editors save. */
  const write = (path: string, text: string) => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(`${full}.tmp`, text);
    renameSync(`${full}.tmp`, full);
  };
  for (const [path, text] of Object.entries(files)) write(path, text);
  const kv = (...argv: string[]): Promise<RunResult> => runCli(["kv", ...argv], { cwd: dir, env });
  return { dir, dataDir, env, write, kv };
}

function sharedDir(cleanup: Cleanup): string {
  const dir = mkdtempSync(join(tmpdir(), "yourspace-test-"));
  cleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface DevProcess {
  info: DevInfo;
  /** Every stderr line so far, parsed. */
  events: DevEvent[];
  /** The next stderr event (from now on) that `match` accepts. */
  nextEvent(match: (event: DevEvent) => boolean): Promise<DevEvent>;
  /**
   * The first `count` events, so far or to come, that `match` accepts: a request's log line may follow
   * its answer (lines go out once per turn), so a test waits for the lines it reads.
   */
  eventsWhen(count: number, match: (event: DevEvent) => boolean): Promise<DevEvent[]>;
  fetch(path: string, init?: RequestInit & { region?: string }): Promise<Response>;
  child: ChildProcess;
}

/**
 * Spawns `bin/yourspace dev --json --port 0` in a project and resolves with its first stdout line,
 * which it prints once it accepts requests. Stopped (SIGTERM) when the test finishes, or by `cleanup`. Without
 * `browser`, the KV browser is left out (`--no-browser`): it starts an API server thread that only
 * the tests of the browser need.
 */
export function startDevProcess(
  project: { dir: string; env: Record<string, string | undefined> },
  args: string[] = [],
  { browser = false, cleanup = onTestFinished }: { browser?: boolean; cleanup?: Cleanup } = {},
): Promise<DevProcess> {
  const child = spawn(process.execPath, [BIN, "dev", "--json", "--port", "0", ...(browser ? [] : ["--no-browser"]), ...args], {
    cwd: project.dir,
    env: project.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanup(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  );
  const events: DevEvent[] = [];
  const waiting: { match: (e: DevEvent) => boolean; resolve: (e: DevEvent) => void }[] = [];
  const stderrText: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderrText.push(line);
    let event: DevEvent;
    try {
      event = JSON.parse(line) as DevEvent;
    } catch {
      event = { text: line };
    }
    events.push(event);
    for (const w of [...waiting])
      if (w.match(event)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(event);
      }
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (first) => {
      const info = JSON.parse(first) as DevInfo;
      resolve({
        info,
        events,
        child,
        nextEvent: (match) => new Promise((found) => waiting.push({ match, resolve: found })),
        eventsWhen: (count, match) =>
          new Promise((found) => {
            const seen = events.filter(match);
            if (seen.length >= count) return found(seen.slice(0, count));
            const waiter = {
              match: (e: DevEvent) => match(e) && seen.push(e) >= count,
              resolve: () => found(seen.slice(0, count)),
            };
            waiting.push(waiter);
          }),
        fetch: (path, init = {}) => {
          const { region, ...rest } = init;
          const headers = new Headers(rest.headers);
          if (region) headers.set("x-yourspace-region", region);
          return fetch(info.url + path, { ...rest, headers, redirect: "manual" });
        },
      });
    });
    child.once("exit", (code) => reject(new Error(`yourspace dev exited (${code}) before it served:\n${stderrText.join("\n")}`)));
  });
}
