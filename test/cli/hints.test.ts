import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { errors, KvError } from "../../src/core/errors.js";
import { withCliAdvice } from "../../src/cli/advice.js";
import { LIMITS } from "../../src/core/limits.js";
import { buildProgram } from "../../src/cli/program.js";
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec } from "../../src/cli/registry/index.js";
import { runCli, tempDir, type InProcessOptions } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { catalogueSamples } from "../support/error-samples.js";

/**
 * Hints must work when followed. Every command line a hint or message suggests (`yourspace …`) parses
 * against the registry, and every flag a hint names without a command line exists on the command that
 * printed it. Checked for every constructor of the error catalogue, for every command of the registry
 * run with nothing, and for the failures a user meets most.
 */

/**
 * Each command line in a text: "yourspace …" after a colon, a bracket or a quote (or opening a line),
 * up to the closing quote, or to the end of the sentence, a bracket or a semicolon. Quotes within it
 * are respected; "another yourspace process" is prose, not a command line.
 */
function commandLines(text: string): { line: string; words: string[] }[] {
  const found: { line: string; words: string[] }[] = [];
  for (let at = text.indexOf("yourspace "); at >= 0; at = text.indexOf("yourspace ", at + 1)) {
    const before = text.slice(0, at).trimEnd().at(-1);
    const quote = before === '"' || before === "'" || before === "`" ? before : undefined;
    if (!quote && before !== undefined && before !== ":" && before !== "(" && before !== "\n" && !/\n\s*$/.test(text.slice(0, at))) continue;
    const segment = quote ? text.slice(at, text.indexOf(quote, at)) : text.slice(at);
    const words: string[] = [];
    let word: string | null = null;
    let i = 0;
    for (; i < segment.length; i++) {
      const c = segment[i]!;
      const next = segment[i + 1];
      if (c === "'" || c === '"') {
        const end = segment.indexOf(c, i + 1);
        word = (word ?? "") + segment.slice(i + 1, end);
        i = end;
      } else if (c === " ") {
        if (word !== null) words.push(word);
        word = null;
      } else if (")(;,\n".includes(c) || (c === "." && (next === undefined || next === " " || next === "\n"))) break;
      else word = (word ?? "") + c;
    }
    if (word !== null) words.push(word);
    found.push({ line: segment.slice(0, i), words });
  }
  return found;
}

/** The flags a text names outside its command lines. */
function bareFlags(text: string): string[] {
  let rest = text;
  for (const { line } of commandLines(text)) rest = rest.replace(line, "");
  return [...rest.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((m) => m[1]!);
}

/** Parses a command line with the real parser (nothing runs): the error commander gives, or null. */
async function parseError(words: string[]): Promise<string | null> {
  const sink = new PassThrough();
  const io = { stdin: Readable.from([]), stdout: sink, stderr: sink, env: {}, cwd: "/" };
  // Beyond parsing: a namespace the line names could exist (the parser takes any word).
  let invalid: string | null = null;
  const program = buildProgram(io, false, async (spec, args, command) => {
    const named = [command.opts().namespace, spec.name === "create" && command.parent?.name() === "namespace" ? args.name : undefined];
    for (const ns of named) if (typeof ns === "string" && !LIMITS.namespacePattern.test(ns)) invalid = `"${ns}" is not a valid namespace name`;
  });
  // Placeholders (<name>) stand for any word.
  const argv = words.slice(1).map((w) => (/^<[^>]+>$/.test(w) ? "x" : w.replace(/<[^>]+>/g, "x")));
  try {
    await program.parseAsync(argv, { from: "user" });
    return invalid;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === "commander.helpDisplayed" || code === "commander.help" ? null : `${(e as Error).message}`;
  }
}

/** The command an argv runs, and every flag it takes. */
function commandOf(argv: readonly string[]): { path: string; flags: Set<string> } {
  let spec: CommandSpec = COMMANDS;
  const path = ["yourspace"];
  for (const word of argv) {
    if (word.startsWith("-")) continue;
    const next = spec.commands?.find((c) => c.name === word || c.aliases?.includes(word));
    if (!next) break;
    spec = next;
    path.push(next.name);
  }
  const flags = new Set(["--help", "--version"]);
  for (const o of [...GLOBAL_OPTIONS, ...(spec.options ?? [])])
    for (const f of o.flags.split(/[ ,]+/)) if (f.startsWith("--")) flags.add(f.replace(/^--no-/, "--"));
  for (const o of GLOBAL_OPTIONS) if (o.flags.includes("--no-")) flags.add(o.flags.replace(/^.*--no-/, "--no-"));
  return { path: path.join(" "), flags };
}

async function expectFollowable(text: string, where: string, flagsOf?: ReturnType<typeof commandOf>): Promise<void> {
  for (const { line, words } of commandLines(text)) {
    expect(await parseError(words), `${where}: "${line}" does not parse`).toBeNull();
  }
  if (flagsOf) for (const flag of bareFlags(text)) expect(flagsOf.flags.has(flag), `${where}: ${flag} is not an option of ${flagsOf.path}`).toBe(true);
}

describe("the error catalogue", () => {
  it("every command line in a message or hint parses against the registry", async () => {
    const checked: string[] = [];
    for (const { name, args, error } of catalogueSamples()) {
      expect(error, name).toBeInstanceOf(KvError);
      // As the platform says it, and as the CLI does (with its own advice).
      for (const e of [error, withCliAdvice(error)]) {
        const text = `${e.message} ${e.hint ?? ""}`;
        await expectFollowable(text, `errors.${name}(${args.map((x) => JSON.stringify(x)).join(", ")})`);
        checked.push(...commandLines(text).map((c) => c.line));
      }
    }
    // The walk found the catalogue's command lines (a broken extractor would pass vacuously).
    expect(checked).toContain("yourspace kv namespace create flags");
    expect(checked).toContain('yourspace kv rm --prefix "" -n x');
  });

  it("-n Default is not told to create a namespace that cannot exist", async () => {
    const e = errors.namespaceNotFound("Default");
    expect(e.hint).not.toContain("namespace create");
    expect(e.hint).toContain('did you mean "default"?');
    const s = await session();
    const r = await s.run(["kv", "ls", "-n", "Default"]);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain("namespace create Default");
  });
});

async function session() {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const env = { YOURSPACE_CONFIG_DIR: join(cwd, "config"), CI: "1" };
  const run = (argv: string[], extra: Partial<InProcessOptions> = {}) =>
    runCli(argv, { cwd, clock, interactive: false, ...extra, env: { ...env, ...extra.env } });
  const write = (name: string, text: string) => {
    const path = join(cwd, name);
    writeFileSync(path, text);
    return path;
  };
  return { cwd, run, write };
}

/** Every command of the registry that runs something, as argv. */
function leaves(spec: CommandSpec = COMMANDS, path: string[] = []): string[][] {
  return (spec.commands ?? []).flatMap((c) => [...(c.load ? [[...path, c.name]] : []), ...leaves(c, [...path, c.name])]);
}

describe("what commands print when they fail", () => {
  it("every command run with nothing: its hint's command lines parse and its flags exist on it", async () => {
    const s = await session();
    const ran: string[] = [];
    for (const argv of leaves()) {
      // They serve until stopped.
      if (argv.join(" ") === "kv emulator start" || argv.join(" ") === "kv browse") continue;
      const r = await s.run(argv);
      ran.push(argv.join(" "));
      await expectFollowable(r.stderr, argv.join(" "), commandOf(argv));
    }
    expect(ran.length).toBeGreaterThan(30);
  });

  it("the failures users meet most: each hint works when followed", async () => {
    const s = await session();
    const ok = async (argv: string[], extra: Partial<InProcessOptions> = {}) => expect((await s.run(argv, extra)).code, argv.join(" ")).toBe(0);
    await ok(["kv", "namespace", "create", "staging"]);
    await ok(["kv", "set", "tmp/a", "v", "-n", "staging"]);
    await ok(["kv", "set", "tmp/a", "v"]);
    const file = s.write("one.ndjson", `${JSON.stringify({ key: "p/a", value: "1" })}\n`);
    const cases: string[][] = [
      ["kv", "namespace", "rm", "staging"],
      ["kv", "namespace", "rm", "default", "--yes"],
      ["kv", "namespace", "rm", "nope", "--yes"],
      ["kv", "rm", "--prefix", "tmp/"],
      ["kv", "rm", "ghost"],
      ["kv", "import", file, "--prune"],
      ["kv", "import", file, "--prune", "--prefix", ""],
      ["kv", "import", "--prune", "--prefix", "p/", "--yes", "-"],
      ["kv", "ls", "-n", "Default"],
      ["kv", "ls", "-n", "nope"],
      ["kv", "ls", "--limit", "0"],
      ["kv", "ls", "--cursor", "garbage"],
      ["kv", "get", "ghost"],
      ["kv", "get", "tmp/a", "--region", "mars"],
      ["kv", "set", "k", "v", "--ttl", "10"],
      ["kv", "set", "k", "v", "--metadata", "[1]"],
      ["kv", "set", "k", "v", "--site", "shpo"],
      ["kv", "emulator", "advance", "1s"],
      ["kv", "bind", "staging"],
      ["kv", "unbind", "staging", "--route", "/x"],
      ["kv", "ls", "--api-url", "ftp://x"],
      ["kv", "ls", "--remote"],
      ["profile", "use", "nope"],
    ];
    for (const argv of cases) {
      const r = await s.run(argv);
      expect(r.code, `${argv.join(" ")} should fail`).not.toBe(0);
      await expectFollowable(r.stderr, argv.join(" "), commandOf(argv));
    }
    const profile = await s.run(["kv", "ls"], { env: { YOURSPACE_PROFILE: "nope" } });
    expect(profile.code).toBe(3);
    await expectFollowable(profile.stderr, "YOURSPACE_PROFILE=nope kv ls", commandOf(["kv", "ls"]));
  });

  it("namespace rm in CI names only flags it has (it suggested --dry-run)", async () => {
    const s = await session();
    expect((await s.run(["kv", "namespace", "create", "staging"])).code).toBe(0);
    expect((await s.run(["kv", "set", "k", "v", "-n", "staging"])).code).toBe(0);
    const r = await s.run(["kv", "namespace", "rm", "staging"]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("--dry-run");
    expect(r.stderr).toContain("Pass --yes to confirm: yourspace kv namespace rm staging --yes");
  });

  it("an import into a namespace that does not exist says how to create it", async () => {
    const s = await session();
    const file = s.write("one.ndjson", `${JSON.stringify({ key: "p/a", value: "1" })}\n`);
    const argv = ["kv", "import", file, "-n", "backup"];
    const r = await s.run(argv);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("Create it with: yourspace kv namespace create backup (or name one that exists with -n), then run the same import again.");
    await expectFollowable(r.stderr, argv.join(" "), commandOf(argv));
  });

  it("an eventual read that finds nothing names the key to inspect, not <key>", async () => {
    const s = await session();
    expect((await s.run(["kv", "namespace", "create", "staging"])).code).toBe(0);
    const argv = ["kv", "get", "my key", "-n", "staging", "--region", "sin", "--consistency", "eventual"];
    const r = await s.run(argv);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("See where the key has arrived with: yourspace kv inspect 'my key' -n staging");
    await expectFollowable(r.stderr, argv.join(" "), commandOf(argv));
    const home = await s.run(["kv", "get", "ghost", "--region", "sin", "--consistency", "eventual"]);
    expect(home.stderr).toContain("yourspace kv inspect ghost\n");
  });
});
