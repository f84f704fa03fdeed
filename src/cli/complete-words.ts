import { hasUnsafe } from "../core/escape.js";
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec, type ValueSource } from "./registry/index.js";

/** What completes a word: values to offer, or the file system's names. */
export interface Completion {
  values: string[];
  files: boolean;
}

/** The options a command line has given so far, by long flag (--data-dir, --namespace, --local, …). */
export type GivenOptions = ReadonlyMap<string, string | true>;

/** Where values come from: the target's store and the user's profiles. They never throw. */
export interface ValueSources {
  values(source: Exclude<ValueSource, "files">, typed: string, given: GivenOptions, path: readonly string[]): Promise<string[]>;
}

/** Shells list at most this many values before asking whether to show them all. */
export const MAX_VALUES = 100;

const NONE: Completion = { values: [], files: false };

const flagsOf = (o: OptionSpec) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith("-"));
const longOf = (o: OptionSpec) => flagsOf(o).find((f) => f.startsWith("--")) ?? flagsOf(o)[0]!;
const takesValue = (o: OptionSpec) => o.flags.includes("<");

/**
 * Completes the last of `words` (the words after the program's name, as the shell will pass them
 * once unquoted), from the command registry: command names, options, choices, and for arguments
 * and options that name keys, namespaces, profiles, regions or sites, what `sources` finds.
 */
export async function complete(words: readonly string[], sources: ValueSources): Promise<Completion> {
  const typed = words.at(-1) ?? "";
  const path: string[] = [];
  const given = new Map<string, string | true>();
  let spec: CommandSpec = COMMANDS;
  let helpFor = false;
  let operands = 0;
  let onlyOperands = false;
  const optionsHere = () => [...(spec.options ?? []), ...GLOBAL_OPTIONS];
  const valuesFor = async (source: ValueSource | undefined, choices: readonly string[] | undefined, prefix: string, word: string): Promise<Completion> => {
    // A file, or one of a few words (`record off`): the words, and the shell adds file names.
    if (source === "files") return { values: choices ? offer(choices, prefix, word).values : [], files: true };
    if (choices) return offer(choices, prefix, word);
    if (source === undefined) return NONE;
    return offer(await sources.values(source, word, given, path), prefix, word);
  };

  for (let i = 0; i < words.length - 1; i++) {
    const word = words[i]!;
    if (!onlyOperands && word === "--") {
      onlyOperands = true;
      continue;
    }
    if (!onlyOperands && word.startsWith("-") && word !== "-") {
      const [flag, inline] = splitInline(word);
      const option = optionsHere().find((o) => flagsOf(o).includes(flag));
      if (!option) continue;
      if (!takesValue(option)) given.set(longOf(option), true);
      else if (inline !== undefined) given.set(longOf(option), inline);
      else if (i + 1 < words.length - 1) given.set(longOf(option), words[++i]!);
      // The word being completed is this option's value.
      else return valuesFor(option.values, option.choices, "", typed);
      continue;
    }
    const sub = operands === 0 && !helpFor ? spec.commands?.find((c) => c.name === word || c.aliases?.includes(word)) : undefined;
    if (sub) {
      spec = sub;
      path.push(sub.name);
    } else if (spec.commands && word === "help" && !helpFor) {
      helpFor = true;
    } else if (helpFor) {
      const next = spec.commands?.find((c) => c.name === word || c.aliases?.includes(word));
      if (!next) return NONE;
      spec = next;
    } else operands++;
  }

  if (!onlyOperands && typed.startsWith("-")) {
    const [flag, inline] = splitInline(typed);
    if (inline !== undefined) {
      const option = optionsHere().find((o) => flagsOf(o).includes(flag));
      return option && takesValue(option) ? valuesFor(option.values, option.choices, `${flag}=`, inline) : NONE;
    }
    // --help and --version are the parser's own, taken by every command, so the registry does not list them.
    return offer([...optionsHere().flatMap((o) => flagsOf(o).filter((f) => f.startsWith("--"))), "--help", "--version"], "", typed);
  }
  if (helpFor) return offer(commandNames(spec), "", typed);
  if (spec.commands) return offer([...commandNames(spec), "help"], "", typed);
  const args = spec.args ?? [];
  const arg = args[operands] ?? (args.at(-1)?.variadic ? args.at(-1) : undefined);
  return arg ? valuesFor(arg.values, arg.choices, "", typed) : NONE;
}

function commandNames(spec: CommandSpec): string[] {
  return (spec.commands ?? []).flatMap((c) => [c.name, ...(c.aliases ?? [])]);
}

/** `--namespace=flags` is the option and its value in one word. */
function splitInline(word: string): [flag: string, value: string | undefined] {
  const eq = word.indexOf("=");
  return word.startsWith("--") && eq > 0 ? [word.slice(0, eq), word.slice(eq + 1)] : [word, undefined];
}

/**
 * The values that start with what is typed, each once, in their order, at most MAX_VALUES. A value a
 * shell could not show or insert safely (a control character, a newline) is left out: completion
 * never writes one into a command line.
 */
function offer(values: readonly string[], prefix: string, word: string): Completion {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.size >= MAX_VALUES) break;
    if (v.startsWith(word) && !hasUnsafe(v)) seen.add(`${prefix}${v}`);
  }
  return { values: [...seen], files: false };
}
