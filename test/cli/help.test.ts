import { describe, expect, it } from "vitest";
import { COMMANDS, type CommandSpec } from "../../src/cli/registry/index.js";
import { VERSION } from "../../src/cli/program.js";
import { runCli, tempDir } from "../support/cli.js";

function leaves(spec: CommandSpec, path: string[] = []): { path: string[]; spec: CommandSpec }[] {
  const here = spec === COMMANDS ? [] : [...path, spec.name];
  if (!spec.commands) return [{ path: here, spec }];
  return spec.commands.flatMap((c) => leaves(c, here));
}

describe("help", () => {
  const all = leaves(COMMANDS);

  it("covers every command in the registry", () => {
    expect(all.map((l) => l.path.join(" "))).toEqual(
      expect.arrayContaining(["kv set", "kv get", "kv ls", "kv rm", "kv namespace create", "kv namespace ls", "kv namespace rm"]),
    );
  });

  it.each(all.map((l) => [l.path.join(" "), l] as const))("%s --help shows its usage, options and examples", async (_name, { path, spec }) => {
    const r = await runCli([...path, "--help"], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: yourspace ${path.join(" ")}`);
    expect(r.out).toContain(spec.summary);
    expect(r.out).toContain("Examples:");
    for (const [example] of spec.examples ?? []) expect(r.out).toContain(example);
    expect(r.out).toContain("--json");
    expect(spec.examples?.length).toBeGreaterThan(0);
  });

  it("writes a default the one way commander does, as (default: …), and a range as 1 to n", () => {
    const texts = (spec: CommandSpec): string[] => [
      spec.summary,
      ...(spec.options ?? []).map((o) => o.description),
      ...(spec.args ?? []).map((a) => a.description),
      ...(spec.commands ?? []).flatMap(texts),
    ];
    const odd = texts(COMMANDS).filter((t) => /[(;,] ?default [^:]|\d\.\.\d/.test(t));
    expect(odd).toEqual([]);
  });

  it.each(all.map((l) => [l.path.join(" "), l] as const))("help %s shows the same help as --help", async (_name, { path }) => {
    const cwd = tempDir();
    const asked = await runCli(["help", ...path], { cwd });
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.out).toBe((await runCli([...path, "--help"], { cwd })).out);
    // And from inside a group: yourspace kv help emulator config.
    if (path.length > 1) expect((await runCli([path[0]!, "help", ...path.slice(1)], { cwd })).out).toBe(asked.out);
  });

  it("help with a command that does not exist is a usage error naming the group", async () => {
    const r = await runCli(["help", "kv", "bogus"], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('yourspace kv has no command "bogus".');
    expect(r.stderr).toContain('Run "yourspace kv --help"');
    expect((await runCli(["help"], { cwd: tempDir() })).out).toContain("Usage: yourspace [options] [command]");
  });

  it("prints the version", async () => {
    const r = await runCli(["--version"], { cwd: tempDir() });
    expect(r).toMatchObject({ code: 0, out: `${VERSION}\n` });
  });

  it("treats a group command on its own as a usage error and shows its commands", async () => {
    const r = await runCli(["kv"], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("set|put");
  });

  it("points a usage error at the right command's help", async () => {
    const r = await runCli(["kv", "get", "k", "--bogus"], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
    expect(r.stderr).toContain('Run "yourspace kv get --help"');
    const json = await runCli(["kv", "get", "--json"], { cwd: tempDir() });
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: "USAGE", message: "missing required argument 'key'" });
  });

  it("gives commander's suggestion for a typo as the hint, not as an escaped newline in the message", async () => {
    const command = await runCli(["kv", "sett", "a", "b", "--json"], { cwd: tempDir() });
    expect(command.code).toBe(2);
    expect(JSON.parse(command.stderr).error).toMatchObject({
      code: "USAGE",
      message: "unknown command 'sett'",
      hint: 'Did you mean set? Run "yourspace kv --help" to see its usage.',
    });
    const option = await runCli(["kv", "set", "a", "b", "--tll", "90s"], { cwd: tempDir() });
    expect(option.stderr).toContain("unknown option '--tll'\n");
    expect(option.stderr).toContain('Did you mean --ttl? Run "yourspace kv set --help" to see its usage.');
    expect(option.stderr).not.toContain("\\n");
  });
});
