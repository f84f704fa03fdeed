import { mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { expect, onTestFinished } from "vitest";
import type { UsageReport } from "../../src/core/backend.js";
import { DEFAULT_SITE } from "../../src/core/limits.js";
import { ApiServer } from "../../src/server/server.js";
import { tempDir, type RunResult } from "./cli.js";
import { runInDir } from "./in-dir.js";

/**
 * Helpers for the bindings, audit, usage and tier tests. Every test gets its own sandbox: a working
 * directory (where yourspace.jsonc lives), a data directory and a config directory, all under a fresh
 * temporary directory. Commands run the CLI in process (the same main() the binary runs) with no
 * terminal; the server is the API server `kv emulator start` runs, in process on 127.0.0.1.
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

/** `yourspace <args…>` in the sandbox's project directory: the embedded emulator unless `options.env` points elsewhere. */
export function local(sb: Sandbox, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runInDir(args, { cwd: sb.cwd, stdin: options.input, env: { ...sb.env, ...options.env } });
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
  /** The site token, made as `kv emulator start` makes the one it prints. */
  token: string;
  site: string;
  /** The CLI against the server: YOURSPACE_API_URL and YOURSPACE_TOKEN (default: the site token). */
  remote(args: readonly string[], options?: RunOptions & { token?: string }): Promise<RunResult>;
  /** One HTTP request with undici; `token: null` sends no Authorization header. */
  http(
    method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE",
    path: string,
    options?: { token?: string | null; body?: string | Buffer; type?: string },
  ): Promise<HttpAnswer>;
  /** The token's id, as GET /v1/whoami reports it. */
  tokenId(token: string): Promise<string>;
  /** Stops the server as SIGTERM stops `kv emulator start`: requests in flight finish, the ledger is written out. */
  stop(): Promise<void>;
}

/**
 * The API server `kv emulator start` runs (ApiServer, with a site token made as it makes one), in this
 * process on a loopback port over the sandbox's data directory. What only the spawned command shows
 * (its ready line, signals, its exit) is in test/e2e/server.test.ts.
 */
export async function startServer(sb: Sandbox): Promise<Server> {
  const api = await ApiServer.start({ dataDir: sb.dataDir, host: "127.0.0.1", port: 0 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await api.stop();
  };
  onTestFinished(stop);
  const started = { apiUrl: api.url, token: api.tokens.create({ site: DEFAULT_SITE }).token, site: DEFAULT_SITE };
  expect(started).toEqual({ apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), token: expect.stringMatching(/^ys_/), site: "local" });

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
    http,
    remote: (args, options = {}) =>
      local(sb, args, { ...options, env: { YOURSPACE_API_URL: started.apiUrl, YOURSPACE_TOKEN: options.token ?? started.token, ...options.env } }),
    async tokenId(token) {
      const who = await http("GET", "/v1/whoami", { token });
      expect(who.status, who.text).toBe(200);
      return who.json.token.id as string;
    },
    stop,
  };
}

/** `kv emulator token create … --json` on the sandbox's data directory (the server sees it at once). */
export async function createToken(sb: Sandbox, args: readonly string[]): Promise<{ token: string; site: string; kind: string; route: string | null }> {
  return json(await local(sb, ["kv", "emulator", "token", "create", ...args, "--json"]));
}
