import { complete, type Completion, type ValueSources } from "./complete-words.js";
import { bashEscape, shellWords } from "./shell-words.js";

/**
 * Shell completion. The scripts are thin: on every Tab they pass the command line to
 * `yourspace __complete`, a small entry of its own (src/complete.ts) that answers from the command
 * registry (the table the parser and --help use, so they cannot drift) and, for keys, namespaces,
 * profiles, regions and sites, from where commands would read them (completion-sources.ts).
 *
 * The answer is a line with "files" (complete file names, besides any values), "nospace" (a value
 * ends with "/", the next level of keys follows) or "values", then one value per line. It never carries an error or a
 * prompt: the scripts send stderr and stdin nowhere.
 */
export async function answer(shell: string, args: readonly string[], sources: ValueSources, home: string): Promise<string> {
  if (shell === "bash") {
    // bash passes its word breaks and the line up to the cursor, and inserts what we give it.
    const [breaks = " \t\n\"'@><=;|&(:", line = ""] = args;
    const words = shellWords(line, home);
    const completion = await complete(
      words.slice(1).map((w) => w.value),
      sources,
    );
    return lines(completion, bashInsertions(completion.values, words.at(-1)!.raw, breaks));
  }
  if (shell === "zsh") {
    // zsh passes the words as typed and quotes what it inserts itself.
    const words = args.map((raw) => shellWords(raw, home)[0]!.value);
    const completion = await complete(words, sources);
    return lines(completion, completion.values);
  }
  return "";
}

function lines(completion: Completion, values: readonly string[]): string {
  const directive = completion.files ? "files" : values.some((v) => v.endsWith("/")) ? "nospace" : "values";
  return `${[directive, ...values].join("\n")}\n`;
}

/**
 * What bash should put in place of the part of the word that readline replaces: the text after an
 * open quote (inside which nothing is escaped but what the quote needs), else the text after the
 * last word break (`:` and `=` by default), escaped.
 */
function bashInsertions(values: readonly string[], raw: string, breaks: string): string[] {
  const quote = openQuote(raw);
  if (quote !== -1) {
    const before = shellWords(raw.slice(0, quote))[0]!.value;
    const q = raw[quote]!;
    return values
      .filter((v) => v.startsWith(before))
      .map((v) => v.slice(before.length))
      .filter((v) => q !== "'" || !v.includes("'"))
      .map((v) => (q === '"' ? v.replace(/["$`\\]/g, "\\$&") : v));
  }
  let cut = -1;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "\\") i++;
    else if (breaks.includes(raw[i]!)) cut = i;
  }
  const head = raw.slice(0, cut + 1);
  return values
    .map(bashEscape)
    .filter((v) => v.startsWith(head))
    .map((v) => v.slice(head.length));
}

/** Where a quote left open at the end of a word starts, or -1. */
function openQuote(raw: string): number {
  let open = -1;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (open !== -1) {
      if (ch === raw[open]) open = -1;
      else if (raw[open] === '"' && ch === "\\") i++;
    } else if (ch === "\\") i++;
    else if (ch === "'" || ch === '"') open = i;
  }
  return open;
}

const BASH = `# yourspace completion for bash: source this file, or put it in /etc/bash_completion.d/.
# Each Tab runs \`yourspace __complete\`, which answers from the command registry and the target's store.
_yourspace() {
  local out
  out=$("\${COMP_WORDS[0]/#\\~/$HOME}" __complete bash "$COMP_WORDBREAKS" "\${COMP_LINE:0:COMP_POINT}" 2>/dev/null </dev/null) || return 0
  COMPREPLY=()
  [[ $out == *$'\\n'* ]] && mapfile -t COMPREPLY <<<"\${out#*$'\\n'}"
  case \${out%%$'\\n'*} in
    files)
      if (( \${#COMPREPLY[@]} )); then
        compopt -o filenames 2>/dev/null
        mapfile -t -O "\${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}")
      else
        compopt -o default 2>/dev/null
      fi ;;
    nospace) compopt -o nospace 2>/dev/null ;;
  esac
}
complete -F _yourspace yourspace
`;

const ZSH = `#compdef yourspace
# yourspace completion for zsh: put this file on your $fpath as _yourspace (or source it after compinit).
# Each Tab runs \`yourspace __complete\`, which answers from the command registry and the target's store.
_yourspace() {
  local out c
  local -a answer levels others
  out=$("\${words[1]/#\\~/$HOME}" __complete zsh "\${(@)words[2,CURRENT-1]}" "$PREFIX" 2>/dev/null </dev/null) || return 1
  answer=("\${(@f)out}")
  if [[ $answer[1] == files ]]; then
    (( $#answer > 1 )) && compadd -- "\${(@)answer[2,-1]}"
    _files
    return 0
  fi
  for c in "\${(@)answer[2,-1]}"; do
    if [[ $c == */ ]]; then levels+=("$c"); else others+=("$c"); fi
  done
  (( $#levels )) && compadd -S '' -- "\${levels[@]}"
  (( $#others )) && compadd -- "\${others[@]}"
  return 0
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _yourspace "$@"
else
  compdef _yourspace yourspace
fi
`;

/** The completion script for a shell; `npm run build` writes both to completions/. */
export function completionScript(shell: "bash" | "zsh"): string {
  return shell === "bash" ? BASH : ZSH;
}
