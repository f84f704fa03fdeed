import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { request } from "undici";
import { expect, onTestFinished } from "vitest";
import { BIN, runBin, tempDir, type RunResult } from "../support/cli.js";
import type { UsageReport } from "../../src/core/backend.js";

/**
 * Helpers for the bindings, audit, usage and tier end-to-end tests. Every test gets its own sandbox: a
 * working directory (where yourspace.jsonc lives), a data directory and a config directory, all under a
 * fresh temporary directory. Commands run the built binary with no terminal; the server is the binary's
 * own `kv emulator start --port 0 --json`, on 127.0.0.1. Build first: node scripts/build.mjs.
 */

export interface Sandbox {
  root: string;
  /** The working directory of every command: the project directory. */
  cwd: string;
  dataDir: string;
  configDir: string;
  env: Record<string, string>;
}

export function sandbox(): Sandbox {
  const root = tempDir();
  const cwd = join(root, "project");
  mkdirSync(cwd);
  const dataDir = join(root, "data");
  const configDir = join(root, "config");
  return { root, cwd, dataDir, configDir, env: { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: configDir } };
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
}

/** `yourspace <args…>` against the embedded emulator of the sandbox. */
export function local(sb: Sandbox, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runBin([...args], { cwd: sb.cwd, input: options.input, env: { ...sb.env, ...options.env } });
}

/** Asserts exit 0, showing stderr when not. */
export function ok(r: RunResult): RunResult {
  expect(r.code, `exit ${r.code}; stderr: ${r.stderr}`).toBe(0);
  return r;
}

/** Asserts exit 0 and parses stdout as JSON. */
export function json<T = any>(r: RunResult): T {
  ok(r);
  return JSON.parse(r.out) as T;
}

/** Asserts a failure: the exit code, empty stdout, and the error line (`✖ …`) on stderr matching every pattern. */
export function fails(r: RunResult, code: number, ...patterns: RegExp[]): string {
  expect(r.code, `expected exit ${code}; stdout: ${r.out}; stderr: ${r.stderr}`).toBe(code);
  expect(r.out).toBe("");
  const line = r.stderr.split("\n").find((l) => l.startsWith("✖ "));
  expect(line, `no error line in: ${r.stderr}`).toBeDefined();
  for (const p of patterns) expect(line).toMatch(p);
  expect(r.stderr).not.toMatch(/at .+\.[cm]?js:\d+|SQLITE|TypeError|ReferenceError/);
  return line!;
}

/** The actor the embedded CLI is audited as. */
export const LOCAL_ACTOR = `local:${userInfo().username}`;

/** Escapes a string for use in a RegExp. */
export const re = (text: string): RegExp => new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));

/** `kv usage --json` prints the Backend's report as it is. */
export type Usage = UsageReport;

export interface AuditJson {
  entries: { t: string; actor: string; action: string; namespace: string; key: string | null; region: string; outcome: string }[];
}

export interface HttpAnswer {
  status: number;
  text: string;
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

export interface Server {
  apiUrl: string;
  /** The site token the server printed. */
  token: string;
  site: string;
  child: ChildProcessWithoutNullStreams;
  /** The binary against the server: YOURSPACE_API_URL and YOURSPACE_TOKEN (default: the printed token). */
  remote(args: readonly string[], options?: RunOptions & { token?: string }): Promise<RunResult>;
  /** One HTTP request with undici; `token: null` sends no Authorization header. */
  http(method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE", path: string, options?: { token?: string | null; body?: string | Buffer; type?: string }): Promise<HttpAnswer>;
  /** The token's id, as GET /v1/whoami reports it. */
  tokenId(token: string): Promise<string>;
  /** SIGTERM, and resolves once the server has exited (it writes out its ledger on the way). */
  stop(): Promise<void>;
}

/** Spawns `yourspace kv emulator start --port 0 --json` over the sandbox's data directory. */
export async function startServer(sb: Sandbox): Promise<Server> {
  const child = spawn(process.execPath, [BIN, "kv", "emulator", "start", "--port", "0", "--json"], {
    cwd: sb.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sb.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))]);
  if (first.done) throw new Error(`the emulator ended before printing its address; stderr: ${stderr}`);
  const started = JSON.parse(first.value) as { apiUrl: string; token: string; site: string; dataDir: string };
  expect(started).toEqual({ apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), token: expect.stringMatching(/^ys_/), site: "local", dataDir: sb.dataDir });

  const http: Server["http"] = async (method, path, options = {}) => {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? started.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.type) headers["content-type"] = options.type;
    const res = await request(`${started.apiUrl}${path}`, { method, headers, body: options.body });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, text, json: parsed, headers: res.headers };
  };
  return {
    ...started,
    child,
    http,
    remote: (args, options = {}) =>
      runBin([...args], {
        cwd: sb.cwd,
        input: options.input,
        env: { ...sb.env, YOURSPACE_API_URL: started.apiUrl, YOURSPACE_TOKEN: options.token ?? started.token, ...options.env },
      }),
    async tokenId(token) {
      const who = await http("GET", "/v1/whoami", { token });
      expect(who.status, who.text).toBe(200);
      return who.json.token.id as string;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** `kv emulator token create … --json` on the sandbox's data directory (the server sees it at once). */
export async function createToken(sb: Sandbox, args: readonly string[]): Promise<{ token: string; site: string; kind: string; route: string | null }> {
  return json(await local(sb, ["kv", "emulator", "token", "create", ...args, "--json"]));
}
