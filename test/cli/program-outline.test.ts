import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { COMMANDS, type CommandSpec } from "../../src/cli/registry/index.js";

/**
 * The parser builds whole only the commands a command line names (src/cli/program.ts); these check
 * that what a person sees is what the parser built whole would show.
 */
async function parsed(argv: string[], built: "whole" | "for this line"): Promise<{ printed: string; error: string | null }> {
  const sink = new PassThrough();
  let printed = "";
  sink.on("data", (chunk) => (printed += chunk));
  const io = { stdin: Readable.from([]), stdout: sink, stderr: sink, env: {}, cwd: "/" };
  const program = buildProgram(io, false, async () => {}, built === "whole" ? undefined : argv);
  try {
    await program.parseAsync(argv, { from: "user" });
    return { printed, error: null };
  } catch (e) {
    return { printed, error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
}

/** Every command's path, groups included: ["kv"], ["kv", "set"], … */
function paths(spec: CommandSpec, above: string[] = []): string[][] {
  return (spec.commands ?? []).flatMap((c) => [[...above, c.name], ...paths(c, [...above, c.name])]);
}

describe("the parser, built for one command line", () => {
  it("prints every command's help as the whole parser does", async () => {
    const all = paths(COMMANDS);
    expect(all.length).toBeGreaterThan(30);
    for (const path of [[], ...all]) {
      for (const argv of [
        [...path, "--help"],
        ["help", ...path],
      ]) {
        const whole = await parsed(argv, "whole");
        expect(whole.printed, argv.join(" ")).toContain("Usage: yourspace");
        expect(await parsed(argv, "for this line"), argv.join(" ")).toEqual(whole);
      }
    }
  });

  it("answers a group run alone, a typo, an alias and a misplaced option as the whole parser does", async () => {
    for (const argv of [
      ["kv"],
      ["kv", "emulator"],
      ["kv", "sett", "k", "v"],
      ["kv", "namespace", "lss"],
      ["kv", "list", "--limit", "x"],
      ["kv", "get", "--nope", "k"],
      ["nope"],
    ]) {
      expect(await parsed(argv, "for this line"), argv.join(" ")).toEqual(await parsed(argv, "whole"));
    }
  });

  it("builds whole only the commands the line names", () => {
    const sink = new PassThrough();
    const io = { stdin: Readable.from([]), stdout: sink, stderr: sink, env: {}, cwd: "/" };
    const program = buildProgram(io, false, async () => {}, ["kv", "get", "flags/a"]);
    const kv = program.commands.find((c) => c.name() === "kv")!;
    const command = (name: string) => kv.commands.find((c) => c.name() === name)!;
    expect(command("get").options.length).toBeGreaterThan(0);
    expect(command("set").options).toEqual([]);
    expect(command("emulator").commands).toEqual([]);
  });
});
