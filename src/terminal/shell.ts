import { DEFAULT_NAMESPACE } from "../core/limits.js";

/** A word as a POSIX shell reads it back: as it is when that is safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[\w./:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line for a hint, each word quoted as needed; false and undefined words are left out. */
export function commandLine(...words: (string | false | undefined | readonly string[])[]): string {
  return words
    .flat()
    .filter((w): w is string => typeof w === "string")
    .map((w, i) => (i === 0 ? w : shellQuote(w)))
    .join(" ");
}

/** `-n <namespace>`, left out for the default namespace. */
export function namespaceFlag(namespace: string): string[] {
  return namespace === DEFAULT_NAMESPACE ? [] : ["-n", namespace];
}
