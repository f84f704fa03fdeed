/**
 * `kv get --json` on a miss still exits 3 with nothing on stdout, and its error line says where the
 * read was served from (region, servedFrom, version, ageMs), as a hit does and as the HTTP API's
 * headers do: the same for the embedded target and for the emulator's server.
 */
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

async function targets() {
  const cwd = tempDir();
  const dataDir = join(cwd, "data");
  const clock = new ManualClock(T0);
  const env = { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: join(cwd, "config") };
  const server = await ApiServer.start({ dataDir, port: 0, clock });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  const embedded = (...argv: string[]) => runCli(["--local", ...argv], { cwd, env, clock });
  const remote = (...argv: string[]) => runCli(argv, { cwd, env: { ...env, YOURSPACE_API_URL: server.url, YOURSPACE_TOKEN: token }, clock });
  return { embedded, remote };
}

describe("get --json on a miss", () => {
  it("exits 3, prints nothing on stdout, and carries the read's details on its error line, embedded and remote alike", async () => {
    const { embedded, remote } = await targets();
    expect((await embedded("kv", "emulator", "clock", "manual")).code).toBe(0);
    expect((await embedded("kv", "set", "k", "v1")).code).toBe(0);
    expect((await embedded("kv", "set", "gone", "x")).code).toBe(0);
    expect((await embedded("kv", "rm", "gone")).code).toBe(0);
    await embedded("kv", "emulator", "advance", "50ms");
    const cases: [string[], Record<string, unknown>][] = [
      // Not there yet in sin: a stale replica, 50 ms behind home.
      [["k", "--region", "sin", "--consistency", "eventual"], { region: "sin", servedFrom: "replica", version: null, ageMs: 50 }],
      // Deleted: home serves the tombstone's version.
      [["gone"], { region: "iad", servedFrom: "home", version: "00000000000000000003", ageMs: 0 }],
      [["never"], { region: "iad", servedFrom: "home", version: null, ageMs: 0 }],
    ];
    for (const [args, details] of cases) {
      for (const run of [embedded, remote]) {
        const r = await run("kv", "get", ...args, "--json");
        expect(r.code, r.stderr).toBe(3);
        expect(r.out).toBe("");
        const lines = r.stderr
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { error?: { code: string; details?: unknown } });
        const error = lines.find((l) => l.error)!.error!;
        expect(error.code).toBe("KEY_NOT_FOUND");
        expect(error.details, `${args.join(" ")} (${run === embedded ? "embedded" : "remote"})`).toEqual(details);
      }
    }
  });
});
