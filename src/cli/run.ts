import { Command, CommanderError, Option } from "commander";
import { systemClock, type Clock } from "../core/clock.js";
import { describeThrown, KvError, errors } from "../core/errors.js";
import { fromSystemError } from "../core/system-errors.js";
import { EXIT } from "../core/exit-codes.js";
import { DEFAULT_SITE } from "../core/limits.js";
import type { CommandArgs, Context, Globals, Prompter } from "../commands/context.js";
import type { Backend } from "../core/backend.js";
import type { LocalBackend } from "../emulator/index.js";
import { checkEmbeddedSite, resolveTarget } from "../project/target.js";
import { resolveDataDir } from "../project/data-dir.js";
import { guardBackend, isInterruption, signalExitCode, stopSignal, stoppingNote, untilStopped } from "../commands/interruption.js";
import type { Io } from "../terminal/io.js";
import { Output, wantsColor } from "../terminal/output.js";
import { withCliAdvice } from "./advice.js";
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec } from "./registry/index.js";

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
  const program = buildProgram(io, argv.includes("--json"), async (spec, args, command) => {
    const globals = readGlobals(command.optsWithGlobals(), io);
    out = new Output(io, globals);
    const handler = await spec.load!();
    const ctx = createContext(io, out, globals, overrides, opened);
    let failure: { error: unknown } | undefined;
    try {
      const work = handler(ctx, args, command.opts());
      await untilStopped(
        work,
        ctx.signal,
        () => ctx.stopping,
        (by) => ctx.announce && out.warn(stoppingNote(by)),
      );
    } catch (e) {
      failure = { error: e };
      // A command stopped at once may still be waiting on a request: the process exits without it.
      if (!ctx.stopping && isInterruption(e)) {
        void ctx.dispose().catch(() => {});
        throw e;
      }
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
    if (e.code === "commander.help") {
      // Asked for (yourspace help kv set), or a group command run on its own: commander has printed
      // its help (not under --json, whose stderr is JSON only), and the second is a usage error.
      if (e.exitCode === 0) return EXIT.ok;
      const path = commandPath(argv).join(" ");
      if (out.json) out.error(errors.usage(`"${path}" needs a command.`, `Run "${path} --help" to see its commands.`));
      return EXIT.usage;
    }
    out.error(errors.usage(e.message.replace(/^error: /, ""), `Run "${commandPath(argv).join(" ")} --help" to see its usage.`));
    return EXIT.usage;
  }
  if (e instanceof KvError) {
    out.error(withCliAdvice(e));
    // A command that failed after a signal failed because of it (a prompt cancelled, a read cut).
    const by = io.signal ? stopSignal(io.signal) : null;
    return by && e.code !== "INTERRUPTED" ? signalExitCode(by) : e.exitCode;
  }
  const err = e as Error;
  // A full disk, a read-only or damaged store, too many open files …: the environment, not a bug.
  const environment = fromSystemError(e, opened);
  out.error(environment ?? errors.internal(`Unexpected error: ${describeThrown(e)}`));
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

export type Invoke = (spec: CommandSpec, args: CommandArgs, command: Command) => Promise<void>;

/** The parser, built from the registry; `invoke` runs a command. Exported for tests that parse command lines in hints. */
export function buildProgram(io: Io, json: boolean, invoke: Invoke): Command {
  const program = new Command(COMMANDS.name)
    .description(COMMANDS.summary)
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      // Only help reaches this (errors are printed by main); under --json stderr carries JSON only.
      writeErr: (s) => (json ? undefined : io.stderr.write(s)),
      // Errors are printed by the boundary in main(), in the catalogue's format.
      outputError: () => {},
    })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true);
  for (const o of GLOBAL_OPTIONS) program.addOption(new Option(o.flags, o.description));
  addCommands(program, COMMANDS, invoke);
  addHelpCommand(program);
  return program;
}

/**
 * `help <command...>` at every level that has commands: commander's own help command reads one word,
 * so `yourspace help kv set` would show the help of kv.
 */
function addHelpCommand(parent: Command): void {
  parent.helpCommand(false);
  parent
    .command("help")
    .description("show help for a command")
    .argument("[command...]", "the command, for example: kv set")
    .action((words: string[]) => {
      let target = parent;
      for (const word of words) {
        const next = target.commands.find((c) => c.name() === word || c.aliases().includes(word));
        if (!next || next.name() === "help") {
          const path = [COMMANDS.name, ...pathOf(target)].join(" ");
          throw errors.usage(`${path} has no command "${word}".`, `Run "${path} --help" to see its commands.`);
        }
        target = next;
      }
      target.help();
    });
}

function pathOf(command: Command): string[] {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names;
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
    if (child.commands?.length) addHelpCommand(cmd);
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

function createContext(
  io: Io,
  out: Output,
  globals: Globals,
  overrides: Overrides,
  opened: Opened,
): Context & { dispose(): Promise<void>; stopping: boolean; announce: boolean } {
  let local: LocalBackend | undefined;
  let backend: Backend | undefined;
  let guarded: Backend | undefined;
  const signal = io.signal ?? new AbortController().signal;
  const clock = overrides.clock ?? systemClock;
  const openLocal = async (): Promise<LocalBackend> => {
    if (!local) {
      const { LocalBackend } = await import("../emulator/index.js");
      const dataDir = resolveDataDir(globals.dataDir, io.env, io.cwd);
      opened.dataDir = dataDir;
      const site = globals.site ?? io.env.YOURSPACE_SITE ?? DEFAULT_SITE;
      local = LocalBackend.open({ dataDir, site, clock, cwd: io.cwd, client: io.env.YOURSPACE_CLIENT });
      local.core.engine.onRecordingStopped = (note) => out.warn(`${note} Record again with: yourspace kv emulator record <file> (or: record off)`);
    }
    return local;
  };
  // Every command says which target it used: the commonest mistake is writing to one and reading another.
  const openBackend = async (): Promise<Backend> => {
    if (!backend) {
      const target = await resolveTarget(globals, io.env, io.cwd);
      if (target.kind === "embedded") {
        const emulator = await openLocal();
        checkEmbeddedSite(
          emulator.target.site,
          emulator.core.admin.names(),
          globals.site ? "--site" : io.env.YOURSPACE_SITE ? "YOURSPACE_SITE" : "the default",
          emulator.core.dataDir,
        );
        backend = emulator;
      } else {
        const { HttpBackend } = await import("../client/client.js");
        backend = await HttpBackend.open({ apiUrl: target.apiUrl, token: target.token, site: target.site, source: target.source });
      }
      out.target(backend.target);
    }
    return (guarded ??= guardBackend(backend, signal));
  };
  return {
    io,
    out,
    globals,
    clock,
    // Asked when a command wants to know, since asking makes process.stdin (src/terminal/io.ts).
    get interactive() {
      return overrides.interactive ?? (io.stdin.isTTY === true && io.stderr.isTTY === true && !io.env.CI);
    },
    prompter: overrides.prompter ?? clackPrompter(signal),
    signal,
    stopping: false,
    announce: true,
    stopsBetweenSteps(announce = true) {
      this.stopping = true;
      this.announce = announce;
    },
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

/** Prompts on the terminal; a signal (SIGTERM: Ctrl-C at a prompt is a key, and cancels) ends one as cancelled. */
const clackPrompter = (signal: AbortSignal): Prompter => ({
  async confirm(message) {
    const { confirm, isCancel } = await import("@clack/prompts");
    const answer = await confirm({ message, initialValue: false, output: process.stderr, signal });
    return !isCancel(answer) && answer === true;
  },
  async secret(message) {
    const { password, isCancel } = await import("@clack/prompts");
    const answer = await password({ message, output: process.stderr, signal });
    return isCancel(answer) ? null : answer;
  },
  async select(message, options) {
    const { select, isCancel } = await import("@clack/prompts");
    const answer = await select({
      message,
      options: options.map((o) => ({ value: o.value, label: o.label ?? o.value, hint: o.hint })),
      output: process.stderr,
      signal,
    });
    return isCancel(answer) ? null : (answer as string);
  },
  async text(message, placeholder) {
    const { text, isCancel } = await import("@clack/prompts");
    const answer = await text({ message, placeholder, validate: (v) => (v ? undefined : "An answer is needed."), output: process.stderr, signal });
    return isCancel(answer) ? null : answer;
  },
});
