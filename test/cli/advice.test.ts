import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { HEADERS, paths } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { cliSession } from "../support/cli.js";

/**
 * The catalogue's hints name no CLI flag or command (test/api/no-cli-flags.test.ts); at a terminal the
 * CLI names them in their place (src/cli/advice-rules.ts). Shown here as a user meets them, on the
 * embedded emulator and on the platform API, where the API's own answer keeps the neutral hint.
 */

type Failure = { code: string; message: string; hint: string | null };

/** The error a command reported under --json: the last line of its stderr. */
function failure(stderr: string): Failure {
  const last = stderr.trim().split("\n").at(-1)!;
  return (JSON.parse(last) as { error: Failure }).error;
}

describe("the CLI's advice, in place of the catalogue's hint", () => {
  it("names the command that lists, creates or finds what was missing", async () => {
    const { run } = cliSession();
    const miss = await run(["kv", "get", "absent", "--json"]);
    expect(miss.code).toBe(3);
    expect(failure(miss.stderr)).toMatchObject({ code: "KEY_NOT_FOUND", hint: "List keys with: yourspace kv ls -n default" });
    const noNamespace = await run(["kv", "get", "k", "-n", "flags", "--json"]);
    expect(failure(noNamespace.stderr)).toMatchObject({ code: "NAMESPACE_NOT_FOUND", hint: "Create it with: yourspace kv namespace create flags" });
    const impossible = await run(["kv", "get", "k", "-n", "Flags", "--json"]);
    expect(failure(impossible.stderr).hint).toBe(
      `Namespace names are lower-case letters, digits, '-' and '_': did you mean "flags"? List them with: yourspace kv namespace ls`,
    );
  });

  it("names the flag that records each entry's outcome, or the file that does", async () => {
    const { run, write, cwd, clock } = cliSession();
    // Valid at the check, two minutes ahead; the clock moves an hour at the prune's prompt, so the
    // second entry is refused when written and the first is written.
    const later = {
      confirm: async () => {
        clock.advance(3_600_000);
        return true;
      },
      secret: async () => null,
      select: async () => null,
      text: async () => null,
    };
    const importing = async (extra: string[]) => {
      const file = write("in.ndjson", `{"key": "a", "value": "1"}\n{"key": "b", "value": "2", "expiration": ${clock.now() / 1000 + 120}}\n`);
      expect((await run(["kv", "set", "gone", "x"])).code).toBe(0);
      return run(["kv", "import", file, "--prune", "--prefix", "", ...extra, "--json"], { interactive: true, prompter: later });
    };
    const plain = await importing([]);
    expect(failure(plain.stderr).hint).toBe("Run the same import again to retry only what is missing; --report <file> records the outcome of every entry.");
    const report = join(cwd, "report.ndjson");
    const reported = await importing(["--report", report]);
    expect(failure(reported.stderr).hint).toBe(`Run the same import again to retry only what is missing; ${report} has the outcome of every entry.`);
  });

  it("names where the data directory is chosen", async () => {
    const { run, cwd } = cliSession();
    const notADir = join(cwd, "a-file");
    writeFileSync(notADir, "");
    const r = await run(["--data-dir", notADir, "kv", "get", "k", "--json"]);
    expect(failure(r.stderr)).toMatchObject({
      code: "DATA_DIR_UNUSABLE",
      hint: "Give a directory, which is created when missing (--data-dir or YOURSPACE_DATA_DIR).",
    });
  });

  it("reads the same from the platform API, whose own answer keeps the neutral hint", async () => {
    const { run, cwd, clock } = cliSession();
    const dataDir = join(cwd, "server");
    mkdirSync(dataDir);
    const server = await ApiServer.start({ dataDir, port: 0, clock });
    onTestFinished(() => server.stop());
    const token = server.tokens.create({ site: "local" }).token;
    const cli = await run(["kv", "get", "absent", "--api-url", server.url, "--json"], { env: { YOURSPACE_TOKEN: token } });
    expect(failure(cli.stderr)).toMatchObject({ code: "KEY_NOT_FOUND", hint: "List keys with: yourspace kv ls -n default" });
    const answer = await request(`${server.url}${paths.value("local", "default", "absent")}`, {
      headers: { [HEADERS.authorization]: `Bearer ${token}` },
    });
    const body = (await answer.body.json()) as Failure;
    expect(answer.statusCode).toBe(404);
    expect(body).toMatchObject({ code: "KEY_NOT_FOUND", hint: 'List the keys of namespace "default" to see which exist.' });
  });
});
