import { CommanderError } from "commander";
import { describeThrown } from "../core/describe-thrown.js";
import { KvError, errors } from "../core/errors.js";
import { fromSystemError } from "../core/system-errors.js";
import { EXIT } from "../core/exit-codes.js";
import { isInterruption, signalExitCode, stopSignal, stoppingNote, untilStopped } from "../commands/interruption.js";
import type { Io } from "../terminal/io.js";
import { commandLine } from "../terminal/shell.js";
import { Output, wantsColor } from "../terminal/output.js";
import { withCliAdvice } from "./advice.js";
import { createContext, readGlobals, type Opened, type Overrides } from "./command-context.js";
import { buildProgram, type Invoke } from "./program.js";
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec } from "./registry/index.js";

/**
 * Runs one command line and resolves to its exit code. This is the CLI's single error boundary:
 * handlers throw typed errors and never exit; here they become a message and a documented exit code.
 */
export async function main(argv: readonly string[], io: Io, overrides: Overrides = {}): Promise<number> {
  forgetEmptySettings(io.env);
  let out = await Output.open(io, { json: argv.includes("--json"), quiet: false, color: wantsColor(io, !argv.includes("--no-color")) });
  let exitCode: number = EXIT.ok;
  const opened: Opened = {};
  const invoke: Invoke = async (spec, args, command) => {
    const globals = readGlobals(command.optsWithGlobals(), io);
    out = await Output.open(io, globals);
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
  };
  const program = buildProgram(io, argv.includes("--json"), invoke, argv);
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
    // commander puts its suggestion ("Did you mean set?") on a line of its own: it is advice, so it leads the hint.
    const [what, suggestion] = e.message.replace(/^error: /, "").split(/\n\((.*)\)$/s);
    const usage = `Run "${commandPath(argv).join(" ")} --help" to see its usage.`;
    const advice = [suggestion?.replaceAll("\n", " "), negativeValueAdvice(e, argv), usage].filter(Boolean).join(" ");
    out.error(errors.usage(what!.replaceAll("\n", " "), advice));
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

/**
 * `advance -5s`, `set k -1x`: a value that starts with "-" and a digit, read as an option. Where only
 * words that are not options come before it, the line is shown again with "--" before the value (so
 * no option's value, a token say, is ever repeated).
 */
function negativeValueAdvice(e: CommanderError, argv: readonly string[]): string | undefined {
  const value = e.code === "commander.unknownOption" ? /'(-\d[^']*)'/.exec(e.message)?.[1] : undefined;
  if (value === undefined) return undefined;
  const before = argv.slice(0, argv.indexOf(value));
  const example = before.some((w) => w.startsWith("-")) ? "" : `: ${commandLine(COMMANDS.name, before, "--", value)}`;
  return `A value that starts with "-" is read as an option unless "--" comes before it${example}.`;
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

/**
 * An empty YOURSPACE_ variable is one that is not set: `YOURSPACE_SITE= yourspace …` is how a shell
 * clears one for a command, and some were already read that way (the API URL, the token, the
 * profile) where others were taken as the value "" (the site, the region).
 */
function forgetEmptySettings(env: Io["env"]): void {
  for (const name of Object.keys(env)) if (name.startsWith("YOURSPACE_") && env[name] === "") delete env[name];
}
