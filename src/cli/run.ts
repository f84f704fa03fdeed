import { Command, CommanderError, Option } from "commander";
import { systemClock, type Clock } from "../core/clock.js";
import { KvError, errors } from "../core/errors.js";
import { fromSystemError } from "../core/system-errors.js";
import { EXIT } from "../core/exit-codes.js";
import { DEFAULT_SITE } from "../core/limits.js";
import type { CommandArgs, Context, Globals, Prompter } from "./context.js";
import type { Backend } from "../core/backend.js";
import type { LocalBackend } from "../emulator/local-backend.js";
import { resolveTarget } from "./target.js";
import { resolveDataDir } from "./data-dir.js";
import type { Io } from "./io.js";
import { Output, wantsColor } from "./output.js";
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec } from "./registry.js";

declare const __VERSION__: string | undefined;
export const VERSION = typeof __VERSION__ === "string" ? __VERSION__ : "0.0.0-dev";

/** What tests may replace. Everything else comes from `io`. */
export interface Overrides {
  clock?: Clock;
  prompter?: Prompter;
  interactive?: boolean;
}

/**
 * Runs one command line and resolves to its exit code. This is the CLI's single error boundary:
 * handlers throw typed errors and never exit; here they become a message and a documented exit code.
 */
export async function main(argv: readonly string[], io: Io, overrides: Overrides = {}): Promise<number> {
  let out = new Output(io, { json: argv.includes("--json"), quiet: false, color: wantsColor(io, !argv.includes("--no-color")) });
  let exitCode: number = EXIT.ok;
  const opened: Opened = {};
  const program = buildProgram(io, async (spec, args, command) => {
    const globals = readGlobals(command.optsWithGlobals(), io);
    out = new Output(io, globals);
    const handler = await spec.load!();
    const ctx = createContext(io, out, globals, overrides, opened);
    let failure: { error: unknown } | undefined;
    try {
      await handler(ctx, args, command.opts());
    } catch (e) {
      failure = { error: e };
    }
    try {
      await ctx.dispose();
    } catch (e) {
      // The command's own failure is the one to report. After a success, what closing could not do
      // (write the last audit records) does not undo what the command did: say so, and keep its result.
      if (!failure) {
        const cause = fromSystemError(e, opened);
        if (!cause) throw e;
        out.warn(`The command completed, but closing the store failed: ${cause.message} ${cause.hint ?? ""}`.trim());
      }
    }
    if (failure) throw failure.error;
  });
  // Output that could not be written (a full disk behind `> file`) fails the command, even when
  // nothing waited for that write.
  let stdoutFailure: { error: unknown } | undefined;
  const onStdoutError = (e: unknown) => (stdoutFailure ??= { error: e });
  io.stdout.on("error", onStdoutError);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    // A write to a stream that had already failed fails with less to say than the first failure.
    exitCode = stdoutFailure && !(e instanceof KvError) ? reportStdout(stdoutFailure.error, out, io, opened) : report(e, out, io, argv, opened);
  } finally {
    io.stdout.off("error", onStdoutError);
  }
  if (exitCode === EXIT.ok && stdoutFailure) exitCode = reportStdout(stdoutFailure.error, out, io, opened);
  return exitCode;
}

function reportStdout(e: unknown, out: Output, io: Io, opened: Opened): number {
  const failure = fromSystemError(e, { ...opened, subject: "standard output" });
  if (!failure) return report(e, out, io, [], opened);
  out.error(failure);
  return failure.exitCode;
}

/** What a command opened, for naming it when the environment fails. */
interface Opened {
  dataDir?: string;
}

function report(e: unknown, out: Output, io: Io, argv: readonly string[], opened: Opened): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.ok;
    // A group command run on its own: commander has printed its help; that is a usage error.
    if (e.code === "commander.help") return EXIT.usage;
    out.error(errors.usage(e.message.replace(/^error: /, ""), `Run "${commandPath(argv).join(" ")} --help" to see its usage.`));
    return EXIT.usage;
  }
  if (e instanceof KvError) {
    out.error(e);
    return e.exitCode;
  }
  const err = e as Error;
  // A full disk, a read-only or damaged store, too many open files …: the environment, not a bug.
  const environment = fromSystemError(e, opened);
  out.error(environment ?? errors.internal(`Unexpected error: ${err?.message ?? String(e)}`));
  if (io.env.YOURSPACE_DEBUG && err?.stack) io.stderr.write(`${err.stack}\n`);
  return environment?.exitCode ?? EXIT.unexpected;
}

/** The deepest command named on a command line, for pointing at the right --help. */
function commandPath(argv: readonly string[]): string[] {
  const path = [COMMANDS.name];
  let spec: CommandSpec = COMMANDS;
  const takesValue = new Set(GLOBAL_OPTIONS.filter((o) => o.flags.includes("<")).flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith("-"))));
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word.startsWith("-")) {
      for (const o of spec.options ?? []) if (o.flags.includes("<")) for (const f of o.flags.split(/[ ,]+/)) if (f.startsWith("-")) takesValue.add(f);
      if (takesValue.has(word)) i++;
      continue;
    }
    const next = spec.commands?.find((c) => c.name === word || c.aliases?.includes(word));
    if (!next) break;
    path.push(next.name);
    spec = next;
  }
  return path;
}

type Invoke = (spec: CommandSpec, args: CommandArgs, command: Command) => Promise<void>;

function buildProgram(io: Io, invoke: Invoke): Command {
  const program = new Command(COMMANDS.name)
    .description(COMMANDS.summary)
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Errors are printed by the boundary in main(), in the catalogue's format.
      outputError: () => {},
    })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true);
  for (const o of GLOBAL_OPTIONS) program.addOption(new Option(o.flags, o.description));
  addCommands(program, COMMANDS, invoke);
  return program;
}

function addCommands(parent: Command, spec: CommandSpec, invoke: Invoke): void {
  for (const child of spec.commands ?? []) {
    const cmd = parent.command(child.name).description(child.summary);
    for (const alias of child.aliases ?? []) cmd.alias(alias);
    for (const a of child.args ?? []) {
      const name = `${a.name}${a.variadic ? "..." : ""}`;
      cmd.argument(a.required ? `<${name}>` : `[${name}]`, a.description);
    }
    for (const o of child.options ?? []) {
      const option = new Option(o.flags, o.description);
      if (o.default !== undefined) option.default(o.default);
      if (o.choices) option.choices(o.choices);
      cmd.addOption(option);
    }
    if (child.examples?.length) {
      const width = Math.max(...child.examples.map(([c]) => c.length));
      cmd.addHelpText("after", `\nExamples:\n${child.examples.map(([c, why]) => `  ${c.padEnd(width)}  # ${why}`).join("\n")}\n`);
    }
    if (child.load) {
      cmd.action(async (...params: unknown[]) => {
        const command = params[params.length - 1] as Command;
        const args: CommandArgs = {};
        (child.args ?? []).forEach((a, i) => (args[a.name] = params[i] as string | string[] | undefined));
        await invoke(child, args, command);
      });
    }
    addCommands(cmd, child, invoke);
  }
}

function readGlobals(opts: Record<string, unknown>, io: Io): Globals {
  return {
    json: opts.json === true,
    quiet: opts.quiet === true,
    color: wantsColor(io, opts.color as boolean | undefined),
    dataDir: opts.dataDir as string | undefined,
    local: opts.local === true,
    remote: opts.remote === true,
    apiUrl: opts.apiUrl as string | undefined,
    token: opts.token as string | undefined,
    site: opts.site as string | undefined,
  };
}

function createContext(io: Io, out: Output, globals: Globals, overrides: Overrides, opened: Opened): Context & { dispose(): Promise<void> } {
  let local: LocalBackend | undefined;
  let backend: Backend | undefined;
  const clock = overrides.clock ?? systemClock;
  const openLocal = async (): Promise<LocalBackend> => {
    if (!local) {
      const { LocalBackend } = await import("../emulator/local-backend.js");
      const dataDir = resolveDataDir(globals.dataDir, io.env, io.cwd);
      opened.dataDir = dataDir;
      const site = globals.site ?? io.env.YOURSPACE_SITE ?? DEFAULT_SITE;
      local = LocalBackend.open({ dataDir, site, clock, cwd: io.cwd, client: io.env.YOURSPACE_CLIENT });
    }
    return local;
  };
  // Every command says which target it used: the commonest mistake is writing to one and reading another.
  const openBackend = async (): Promise<Backend> => {
    if (!backend) {
      const target = await resolveTarget(globals, io.env, io.cwd);
      if (target.kind === "embedded") backend = await openLocal();
      else {
        const { HttpBackend } = await import("../api/client.js");
        backend = await HttpBackend.open({ apiUrl: target.apiUrl, token: target.token, site: target.site, source: target.source });
      }
      out.target(backend.target);
    }
    return backend;
  };
  return {
    io,
    out,
    globals,
    clock,
    interactive: overrides.interactive ?? (io.stdin.isTTY === true && io.stderr.isTTY === true && !io.env.CI),
    prompter: overrides.prompter ?? clackPrompter,
    backend: openBackend,
    async emulator() {
      const emulator = await openLocal();
      if (backend === undefined) {
        backend = emulator;
        out.target(emulator.target);
      }
      return emulator;
    },
    async dispose() {
      if (backend && backend !== local) await backend.close();
      await local?.close();
    },
  };
}

const clackPrompter: Prompter = {
  async confirm(message) {
    const { confirm, isCancel } = await import("@clack/prompts");
    const answer = await confirm({ message, initialValue: false, output: process.stderr });
    return !isCancel(answer) && answer === true;
  },
  async secret(message) {
    const { password, isCancel } = await import("@clack/prompts");
    const answer = await password({ message, output: process.stderr });
    return isCancel(answer) ? null : answer;
  },
  async select(message, options) {
    const { select, isCancel } = await import("@clack/prompts");
    const answer = await select({ message, options: options.map((o) => ({ value: o.value, label: o.label ?? o.value, hint: o.hint })), output: process.stderr });
    return isCancel(answer) ? null : (answer as string);
  },
  async text(message, placeholder) {
    const { text, isCancel } = await import("@clack/prompts");
    const answer = await text({ message, placeholder, validate: (v) => (v ? undefined : "An answer is needed."), output: process.stderr });
    return isCancel(answer) ? null : answer;
  },
};
