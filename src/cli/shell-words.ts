/** A word of a shell command line: its value once the shell has removed quotes, and its text as typed. */
export interface ShellWord {
  value: string;
  raw: string;
}

/**
 * Splits a command line the way a POSIX shell does for its words: white space separates them;
 * backslashes, '…' and "…" quote; a `~/` that starts an unquoted word is the home directory. A quote
 * left open at the end (the word the user is still typing) ends the line. Expansions ($VAR, globs)
 * are left as they are. A line that ends in white space ends with an empty word: the next one.
 */
export function shellWords(line: string, home = ""): ShellWord[] {
  const words: ShellWord[] = [];
  let value = "";
  let raw = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (inWord) words.push({ value, raw });
      value = raw = "";
      inWord = false;
      continue;
    }
    if (!inWord && ch === "~" && (line[i + 1] === "/" || i + 1 === line.length) && home) {
      value += home;
      raw += ch;
      inWord = true;
      continue;
    }
    inWord = true;
    if (ch === "\\") {
      raw += line.slice(i, i + 2);
      value += line[i + 1] ?? "";
      i++;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      const stop = end === -1 ? line.length : end;
      value += line.slice(i + 1, stop);
      raw += line.slice(i, stop + 1);
      i = stop;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        // Inside double quotes a backslash quotes only these.
        if (line[j] === "\\" && j + 1 < line.length && '$`"\\\n'.includes(line[j + 1]!)) j++;
        value += line[j]!;
      }
      raw += line.slice(i, j + 1);
      i = j;
    } else {
      value += ch;
      raw += ch;
    }
  }
  words.push({ value, raw });
  return words;
}

/** A value as bash should insert it: every character a shell treats specially is backslashed. */
export function bashEscape(value: string): string {
  return value.replace(/[^\w./:@%+,=^\u0080-\u{10ffff}-]/gu, "\\$&");
}
