import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { runCli, tempDir, type InProcessOptions } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { apiServer, gate } from "../support/gate.js";

/**
 * `kv bind` and `kv unbind` change two places, the target and the project file: both or neither.
 * A file that cannot be written is found before the target changes; a file that fails to go in place
 * after the target changed has the target's change undone. Failures here do not depend on permission
 * bits, so they hold as root too (test/e2e/bind-permissions.test.ts runs an unprivileged process).
 */

const PROJECT = `{
  // hand-written
  "routes": [{ "pattern": "/admin/*", "function": "admin" }],
}
`;

async function remoteProject() {
  const api = await apiServer();
  api.server.engine.createNamespace("local", "flags");
  const cwd = tempDir();
  const file = join(cwd, "yourspace.jsonc");
  writeFileSync(file, PROJECT);
  const clock = new ManualClock(T0);
  /** While the target handles `method` on /bindings, the project file is replaced by a directory: it cannot be renamed over. */
  const breakFileDuring = async (method: string) => {
    let broken = false;
    const g = await gate(api.url, (req) => {
      if (!broken && req.method === method && req.path.includes("/bindings")) {
        broken = true;
        rmSync(file);
        mkdirSync(file);
      }
    });
    return { YOURSPACE_API_URL: g.url, YOURSPACE_TOKEN: api.token, YOURSPACE_CONFIG_DIR: join(cwd, "config") };
  };
  const direct = { YOURSPACE_API_URL: api.url, YOURSPACE_TOKEN: api.token, YOURSPACE_CONFIG_DIR: join(cwd, "config") };
  const run = (argv: string[], env: Record<string, string>, extra: Partial<InProcessOptions> = {}) => runCli(argv, { cwd, clock, env, ...extra });
  const onTarget = () => api.server.core.admin.bindings("local").map(({ createdAt: _, ...b }) => b);
  const leftovers = () => readdirSync(cwd).filter((f) => f.includes(".tmp-"));
  return { api, cwd, file, run, direct, breakFileDuring, onTarget, leftovers };
}

describe("kv bind: both places or neither", () => {
  it("a project directory that cannot be written: nothing is registered, exit 2, the file is as it was", async () => {
    // /proc/self cannot hold a new file, whoever runs the test (root included).
    if (!existsSync("/proc/self")) return;
    const dataDir = tempDir();
    const env = { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: join(dataDir, "config") };
    const run = (argv: string[]) => runCli(argv, { cwd: "/proc/self", env, clock: new ManualClock(T0) });
    expect((await run(["kv", "namespace", "create", "flags"])).code).toBe(0);
    const r = await run(["kv", "bind", "flags", "--route", "/admin/*"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("✖ Cannot use the file /proc/self/yourspace.jsonc:");
    expect(r.stderr).toContain("nothing was changed");
    expect((await run(["kv", "bindings", "--json"])).out).toBe('{"bindings":[]}\n');
  });

  it("the file fails to go in place after the target registered the binding: the registration is undone", async () => {
    const p = await remoteProject();
    const r = await p.run(["kv", "bind", "flags", "--route", "/admin/*"], await p.breakFileDuring("PUT"));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`✖ Cannot use the file ${p.file}: it is a directory; the binding on the target was undone, so nothing changed.`);
    expect(p.onTarget()).toEqual([]);
    expect(p.leftovers()).toEqual([]);
  });

  it("a binding it replaced is put back as it was", async () => {
    const p = await remoteProject();
    expect((await p.run(["kv", "bind", "flags", "--route", "/admin/*", "--access", "read-only"], p.direct)).code).toBe(0);
    const r = await p.run(["kv", "bind", "flags", "--route", "/admin/*", "--access", "read-write"], await p.breakFileDuring("PUT"));
    expect(r.code, r.stderr).toBe(2);
    expect(p.onTarget()).toEqual([{ route: "/admin/*", variable: "FLAGS", namespace: "flags", access: "read-only" }]);
  });

  it("a target that refuses the binding leaves the file as it was, and no temporary file", async () => {
    const p = await remoteProject();
    const r = await p.run(["kv", "bind", "nope", "--route", "/admin/*"], p.direct);
    expect(r.code).toBe(3);
    expect(readFileSync(p.file, "utf8")).toBe(PROJECT);
    expect(p.leftovers()).toEqual([]);
  });

  it("stopped by a signal before registering: neither place changes", async () => {
    const p = await remoteProject();
    const stop = new AbortController();
    stop.abort("SIGINT");
    const r = await p.run(["kv", "bind", "flags", "--route", "/admin/*"], p.direct, { signal: stop.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("Interrupted by SIGINT; nothing was bound.");
    expect(p.onTarget()).toEqual([]);
    expect(readFileSync(p.file, "utf8")).toBe(PROJECT);
    expect(p.leftovers()).toEqual([]);
  });

  it("a project file that is a link stays a link; the file it points to is changed", async () => {
    const p = await remoteProject();
    const { lstatSync, renameSync, symlinkSync } = await import("node:fs");
    const real = join(p.cwd, "shared.jsonc");
    renameSync(p.file, real);
    symlinkSync(real, p.file);
    expect((await p.run(["kv", "bind", "flags", "--route", "/admin/*"], p.direct)).code).toBe(0);
    expect(lstatSync(p.file).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toContain('"FLAGS"');
  });

  it("keeps the project file's permissions", async () => {
    const p = await remoteProject();
    const { chmodSync, statSync } = await import("node:fs");
    chmodSync(p.file, 0o640);
    expect((await p.run(["kv", "bind", "flags", "--route", "/admin/*"], p.direct)).code).toBe(0);
    expect(statSync(p.file).mode & 0o777).toBe(0o640);
  });
});

describe("kv unbind: both places or neither", () => {
  it("the file fails to go in place after the target removed the binding: the binding is registered again", async () => {
    const p = await remoteProject();
    expect((await p.run(["kv", "bind", "flags", "--route", "/admin/*", "--access", "read-only"], p.direct)).code).toBe(0);
    const bound = readFileSync(p.file, "utf8");
    const r = await p.run(["kv", "unbind", "flags", "--route", "/admin/*"], await p.breakFileDuring("DELETE"));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("the unbinding on the target was undone, so nothing changed.");
    expect(p.onTarget()).toEqual([{ route: "/admin/*", variable: "FLAGS", namespace: "flags", access: "read-only" }]);
    expect(bound).toContain('"FLAGS"');
  });
});
