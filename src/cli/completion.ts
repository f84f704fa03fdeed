import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec } from "./registry.js";

/** Every command path with the words that may follow it: subcommands, then options. */
function table(spec: CommandSpec, path: string[] = [], rows: [string, string[]][] = []): [string, string[]][] {
  const words = [
    ...(spec.commands ?? []).flatMap((c) => [c.name, ...(c.aliases ?? [])]),
    ...(spec.options ?? []).flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith("-"))),
  ];
  rows.push([path.join(" "), words]);
  for (const child of spec.commands ?? []) {
    for (const name of [child.name, ...(child.aliases ?? [])]) table(child, [...path, name], rows);
  }
  return rows;
}

const globals = GLOBAL_OPTIONS.flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith("-")));

/**
 * Shell completion scripts, generated from the command registry (the same table the parser and
 * --help use), so they cannot drift from the commands. `npm run build` writes them to completions/.
 */
export function completionScript(shell: "bash" | "zsh"): string {
  const rows = table(COMMANDS);
  const cases = rows.map(([path, words]) => `    "${path}") words="${[...words, ...globals, "--help"].join(" ")}" ;;`).join("\n");
  const known = rows.map(([path]) => `"${path}"`).filter((p) => p !== `""`).join("|");
  const bash = `# yourspace completion for bash: source this file, or put it in /etc/bash_completion.d/.
_yourspace() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w words
  # Follow the words that name commands; arguments and options leave the path where it is.
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "\${path:+$path }$w" in ${known}) path="\${path:+$path }$w" ;; esac
  done
  case "$path" in
${cases}
    *) words="${globals.join(" ")} --help" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _yourspace yourspace
`;
  if (shell === "bash") return bash;
  return `#compdef yourspace
# yourspace completion for zsh: put this file on your $fpath as _yourspace.
autoload -U bashcompinit && bashcompinit
${bash}`;
}
