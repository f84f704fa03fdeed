import { spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, runCli, tempDir, type RunResult } from "../support/cli.js";

/**
 * `kv bind` / `kv unbind` in a project directory the user cannot write, with the built binary (node
 * scripts/build.mjs first). Permission bits do not stop root, so as root the command runs as the
 * unprivileged user nobody (spawn's uid option), with a data directory that user owns.
 */

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

const PROJECT = `{
  // hand-written
  "routes": [{ "pattern": "/admin/*", "function": "admin" }]
}
`;

function setUp() {
  const root = tempDir();
  const project = join(root, "project");
  const dataDir = join(root, "data");
  mkdirSync(project);
  mkdirSync(dataDir);
  writeFileSync(join(project, "yourspace.jsonc"), PROJECT);
  const env = { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: join(root, "config") };
  /**
   * As the test's own user, who can write everything: the CLI in this process (the same main()), for
   * the fixtures and the reads that check what the other user's process left.
   */
  const owner = (args: string[]) => runCli(args, { cwd: project, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  /** As a user who cannot write the project directory (nobody, when the test runs as root). */
  const user = (args: string[]): Promise<RunResult> => {
    if (asRoot) {
      chmodSync(root, 0o755);
      for (const entry of [dataDir, ...readdirSync(dataDir).map((f) => join(dataDir, f))]) chownSync(entry, NOBODY, NOBODY);
    }
    chmodSync(project, 0o555);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: project,
        env: { PATH: process.env.PATH, HOME: "/nonexistent", ...env },
        stdio: ["ignore", "pipe", "pipe"],
        ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      });
      const out: Buffer[] = [];
      let err = "";
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
      child.on("error", reject);
      child.on("close", (code) => {
        chmodSync(project, 0o755);
        const stdout = Buffer.concat(out);
        resolve({ code: code ?? -1, stdout, out: stdout.toString("utf8"), stderr: err });
      });
    });
  };
  const file = () => readFileSync(join(project, "yourspace.jsonc"), "utf8");
  const bindings = async () =>
    JSON.parse((await owner(["kv", "bindings", "--json"])).out).bindings.map((b: { variable: string; access: string }) => `${b.variable} ${b.access}`);
  return { project, owner, user, file, bindings };
}

describe("a project directory that cannot be written", () => {
  it("kv bind registers nothing, exits 2 naming the file, and leaves the file as it was (it registered and exited 1)", async () => {
    const s = setUp();
    expect((await s.owner(["kv", "namespace", "create", "flags"])).code).toBe(0);
    const r = await s.user(["kv", "bind", "flags", "--route", "/admin/*"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`✖ Cannot use the file ${join(s.project, "yourspace.jsonc")}: permission denied; nothing was changed.`);
    expect(await s.bindings()).toEqual([]);
    expect(s.file()).toBe(PROJECT);
  });

  it("kv unbind removes nothing from the target either", async () => {
    const s = setUp();
    expect((await s.owner(["kv", "namespace", "create", "flags"])).code).toBe(0);
    expect((await s.owner(["kv", "bind", "flags", "--route", "/admin/*", "--access", "read-only"])).code).toBe(0);
    const bound = s.file();
    const r = await s.user(["kv", "unbind", "flags", "--route", "/admin/*"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("permission denied; nothing was changed.");
    expect(await s.bindings()).toEqual(["FLAGS read-only"]);
    expect(s.file()).toBe(bound);
    expect(statSync(join(s.project, "yourspace.jsonc")).isFile()).toBe(true);
  });
});
