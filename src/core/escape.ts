/**
 * What may reach a terminal, or a person's eyes, raw. Keys, values, paths and URLs come from users,
 * files and other people's writes; printed as they are, `x\e[2J` clears the screen, a newline forges a
 * second line and U+202E reverses what follows; shown in the KV browser's page, "a\nb" looks like
 * "a b" and "admin\u200b" like "admin". Everything people read passes through one of these.
 */

/**
 * Characters that control a terminal, or hide or reorder text: C0 and C1 controls and DEL; the
 * soft hyphen; bidirectional marks, embeddings, overrides and isolates; zero-width spaces, the
 * word joiner and invisible operators; line and paragraph separators; blank fillers; the byte order
 * mark; interlinear annotations; tag characters; lone surrogates. The zero-width (non-)joiner is
 * escaped only beside ASCII or at an end: between two other characters it shapes scripts and emoji.
 */
const UNSAFE_SOURCE =
  "[\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u115f\\u1160\\u180e\\u200b\\u200e\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ufff9-\\ufffb\\u{e0000}-\\u{e007f}]|\\p{Cs}" +
  "|(?<![^\\u0000-\\u007f])[\\u200c\\u200d]|[\\u200c\\u200d](?![^\\u0000-\\u007f])";
const UNSAFE = new RegExp(UNSAFE_SOURCE, "gu");
const HAS_UNSAFE = new RegExp(UNSAFE_SOURCE, "u");
/** The same set without C0 controls: JSON.stringify escapes those itself, and its own newlines are layout. */
const UNSAFE_IN_JSON = new RegExp(UNSAFE_SOURCE.replace("\\u0000-\\u001f", ""), "gu");
const BEYOND_ASCII = /[^\u0000-\u007e]/;

const SHORT: Record<string, string> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

/** JSON's escape for a character: \n and its kind, else \uXXXX per UTF-16 unit (a surrogate pair for astral ones). */
function escapeChar(ch: string): string {
  const short = SHORT[ch];
  if (short) return short;
  let out = "";
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

export function hasUnsafe(text: string): boolean {
  return HAS_UNSAFE.test(text);
}

/**
 * Text for a person: every unsafe character becomes its escape (`\n`, `\u001b`, `\u202e`) and the
 * rest is left alone, backslashes included, so messages stay readable. Applying it twice changes
 * nothing more.
 */
export function escapeControls(text: string): string {
  return HAS_UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text;
}

/**
 * A key (or any field) as one unambiguous line: the key itself when it is plain, otherwise a JSON
 * string. A key is quoted when it holds an unsafe character (a newline included) or starts with a
 * double quote; so a line that starts with `"` is JSON and any other line is the key, byte for
 * byte (spaces included). readKeyLine() undoes it.
 */
export function keyLine(key: string): string {
  if (!key.startsWith('"') && !HAS_UNSAFE.test(key)) return key;
  return `"${key.replace(/["\\]/g, "\\$&").replace(UNSAFE, escapeChar)}"`;
}

export function readKeyLine(line: string): string {
  return line.startsWith('"') ? (JSON.parse(line) as string) : line;
}

/**
 * JSON that is safe on a terminal and means the same: JSON.stringify leaves C1 controls and
 * invisible formatting characters raw, so they are written as \u escapes too.
 */
export function safeJson(value: unknown, indent?: number): string {
  return safeJsonText(JSON.stringify(value, null, indent));
}

/**
 * safeJson's escapes applied to JSON already written (an export's NDJSON, written by SQLite): every
 * character they replace is inside a string, so lines escaped together read as each escaped alone.
 */
export function safeJsonText(json: string): string {
  // Every character UNSAFE_IN_JSON matches is above U+007E: text without one (most of an export's
  // lines) is checked by a simple class, several times quicker than the full pattern.
  return BEYOND_ASCII.test(json) ? json.replace(UNSAFE_IN_JSON, escapeChar) : json;
}

/**
 * One word for a POSIX shell (bash, zsh, dash): as it is when it is plain, in single quotes when it
 * holds nothing unsafe, else in ANSI-C quotes ($'…'), so a hint that names a strange key can be
 * copied, and never carries a raw control character itself.
 */
export function shellQuote(word: string): string {
  if (/^[\w./:@%+,=-]+$/.test(word)) return word;
  if (!HAS_UNSAFE.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  const body = word.replace(/[\\']/g, "\\$&").replace(UNSAFE, (ch) => {
    const cp = ch.codePointAt(0)!;
    if (SHORT[ch]) return SHORT[ch]!;
    if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, "0")}`;
    return cp > 0xffff ? `\\U${cp.toString(16).padStart(8, "0")}` : `\\u${cp.toString(16).padStart(4, "0")}`;
  });
  return `$'${body}'`;
}
