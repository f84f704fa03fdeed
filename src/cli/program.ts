import { Command, Help, Option } from "commander";
import { errors } from "../core/errors.js";
import type { CommandArgs } from "../commands/context.js";
import type { Io } from "../terminal/io.js";
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec } from "./registry/index.js";

declare const __VERSION__: string | undefined;
export const VERSION = typeof __VERSION__ === "string" ? __VERSION__ : "0.0.0-dev";

export type Invoke = (spec: CommandSpec, args: CommandArgs, command: Command) => Promise<void>;

/**
 * The parser, built from the registry; `invoke` runs a command. Given the command line it will parse,
 * only the commands it names are built whole: every other one is its name, aliases and summary, all
 * that a list of commands in --help and a suggestion for a typo read. Building every command's
 * options and arguments was about 3 ms of each start. Exported for tests that parse command lines in hints.
 */
export function buildProgram(io: Io, json: boolean, invoke: Invoke, argv?: readonly string[]): Command {
  const specs = new WeakMap<Command, CommandSpec>();
  // Any word of the command line may name a command: a value that happens to be a command's name builds it whole, which is harmless.
  const named = argv ? (spec: CommandSpec) => argv.includes(spec.name) || (spec.aliases ?? []).some((a) => argv.includes(a)) : () => true;
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
    .configureHelp({
      showGlobalOptions: true,
      // An outline's line in its parent's list of commands is made from its spec. (The help command is the one command not in the registry.)
      ...(argv && {
        subcommandTerm(this: Help, cmd: Command) {
          const spec = specs.get(cmd);
          return spec ? commandTerm(spec) : Help.prototype.subcommandTerm.call(this, cmd);
        },
      }),
    })
    .showSuggestionAfterError(true);
  for (const o of GLOBAL_OPTIONS) program.addOption(new Option(o.flags, o.description));
  addCommands(program, COMMANDS, invoke, named, specs);
  addHelpCommand(program);
  return program;
}

/** The term commander's help gives a command in its parent's list, from the command's spec: name|alias [options] <args>. */
function commandTerm(spec: CommandSpec): string {
  const args = (spec.args ?? []).map(argumentTerm).join(" ");
  return `${spec.name}${spec.aliases?.[0] ? `|${spec.aliases[0]}` : ""}${spec.options?.length ? " [options]" : ""}${args ? ` ${args}` : ""}`;
}

function argumentTerm(a: { name: string; required?: boolean; variadic?: boolean }): string {
  const name = `${a.name}${a.variadic ? "..." : ""}`;
  return a.required ? `<${name}>` : `[${name}]`;
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

function addCommands(parent: Command, spec: CommandSpec, invoke: Invoke, named: (spec: CommandSpec) => boolean, specs: WeakMap<Command, CommandSpec>): void {
  for (const child of spec.commands ?? []) {
    const cmd = parent.command(child.name).description(child.summary);
    specs.set(cmd, child);
    for (const alias of child.aliases ?? []) cmd.alias(alias);
    if (!named(child)) continue;
    for (const a of child.args ?? []) cmd.argument(argumentTerm(a), a.description);
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
        for (const [i, a] of (child.args ?? []).entries()) args[a.name] = params[i] as string | string[] | undefined;
        await invoke(child, args, command);
      });
    }
    addCommands(cmd, child, invoke, named, specs);
    if (child.commands?.length) addHelpCommand(cmd);
  }
}
