import { inspect } from "node:util";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { LIMITS } from "./limits.js";

/**
 * The error catalogue. Every error yourspace can report has a permanent code (scripts may match on it),
 * an exit code, a message that says what happened and a hint that says what to do next. The texts
 * are the platform's, shown by the API and the SDK as well as the CLI, so they never name a CLI flag:
 * the CLI adds its flag-specific advice in its own layer (src/cli/advice.ts).
 * Handlers throw these; one boundary (src/cli/run.ts) turns them into output and an exit code.
 */
export const ERROR_EXIT = {
  USAGE: EXIT.usage,
  INVALID_KEY: EXIT.usage,
  VALUE_TOO_LARGE: EXIT.usage,
  INVALID_METADATA: EXIT.usage,
  INVALID_EXPIRY: EXIT.usage,
  INVALID_LIMIT: EXIT.usage,
  INVALID_CURSOR: EXIT.usage,
  INVALID_NAMESPACE: EXIT.usage,
  CONFIRMATION_REQUIRED: EXIT.usage,
  FILE_ERROR: EXIT.usage,
  BINARY_VALUE: EXIT.usage,
  KEY_NOT_FOUND: EXIT.notFound,
  NAMESPACE_NOT_FOUND: EXIT.notFound,
  NAMESPACE_EXISTS: EXIT.usage,
  NAMESPACE_PROTECTED: EXIT.usage,
  PERMISSION_DENIED: EXIT.permission,
  UNAVAILABLE: EXIT.unavailable,
  QUOTA_EXCEEDED: EXIT.quota,
  // Home refused a write as the key stands; a script reads `details` and may retry.
  CONDITION_FAILED: EXIT.conditionFailed,
  NOT_A_COUNTER: EXIT.conditionFailed,
  COUNTER_OVERFLOW: EXIT.conditionFailed,
  // The environment: the data directory, its disk, the system. Never a bug, and never bad input:
  // the target cannot be used as it is (src/core/system-errors.ts names what each covers).
  DATA_DIR_UNUSABLE: EXIT.unavailable,
  STORE_READ_ONLY: EXIT.unavailable,
  STORE_CORRUPT: EXIT.unavailable,
  DISK_FULL: EXIT.unavailable,
  IO_ERROR: EXIT.unavailable,
  RESOURCE_LIMIT: EXIT.unavailable,
  CANCELLED: EXIT.unexpected,
  // 130 for SIGINT; an error made for SIGTERM carries 143 (errors.interrupted).
  INTERRUPTED: EXIT.interrupted,
  INTERNAL: EXIT.unexpected,
  // Reported by the platform API (and the emulator's server).
  UNAUTHENTICATED: EXIT.permission,
  NOT_FOUND: EXIT.notFound,
  METHOD_NOT_ALLOWED: EXIT.usage,
  BODY_TOO_LARGE: EXIT.usage,
  MALFORMED_BODY: EXIT.usage,
  BAD_HEADER: EXIT.usage,
  REQUEST_TIMEOUT: EXIT.unavailable,
  NOT_IMPLEMENTED: EXIT.unexpected,
  IDEMPOTENCY_KEY_REUSED: EXIT.usage,
  PARTIALLY_APPLIED: EXIT.partial,
  NOT_PLATFORM_API: EXIT.unavailable,
  // Edge functions: a route the project file or a command names, and a function that failed.
  INVALID_ROUTE: EXIT.usage,
  FUNCTION_ERROR: EXIT.unexpected,
} as const satisfies Record<string, ExitCode>;

export type ErrorCode = keyof typeof ERROR_EXIT;

export class KvError extends Error {
  override readonly name = "KvError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    /** What a script needs beyond the message, as JSON (for PARTIALLY_APPLIED: which keys were done; for a read that found nothing: where it was served from). */
    public details?: Record<string, unknown>,
    /** Only where one code has more than one exit code (INTERRUPTED: the signal decides). */
    private readonly exit?: ExitCode,
  ) {
    super(message);
  }

  withDetails(details: Record<string, unknown>): this {
    this.details = details;
    return this;
  }

  get exitCode(): ExitCode {
    return this.exit ?? ERROR_EXIT[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; hint: string | null; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, hint: this.hint ?? null, ...(this.details !== undefined && { details: this.details }) };
  }
}

/** What a multi-key operation did before it stopped: keys in the order given, each in exactly one list. */
export interface PartialOutcome {
  action: "remove" | "write";
  namespace: string;
  /** Keys whose request committed. */
  done: string[];
  /** Keys of the request whose answer never came: it may or may not have committed. */
  unknown: string[];
  /** Keys never sent, or sent in a request the target refused. */
  notDone: string[];
  cause: KvError;
}

/** `"a"`, `"a", "b"`, or `"first" … "last"`: which keys, in the order given. */
function keyRange(keys: readonly string[]): string {
  const q = (k: string) => JSON.stringify(k.length > 60 ? `${k.slice(0, 60)}…` : k);
  return keys.length <= 2 ? keys.map(q).join(", ") : `${q(keys[0]!)} … ${q(keys[keys.length - 1]!)}`;
}

const n = (x: number): string => x.toLocaleString("en-US");

/** What an error of usage says to do when its maker says nothing more. */
const USAGE_HINT = "Check the request against its documented usage.";

/** One condition that home found not to hold: `current` is home's live version of the key, or null for none. */
export interface ConditionFailure {
  key: string;
  expected: string | null;
  current: string | null;
}

function conditionMismatch(key: string, expected: string | null, current: string | null): string {
  if (expected === null) return `The key "${key}" already exists at home (version ${current})`;
  if (current === null) return `The key "${key}" has no value at home (deleted, expired or never written), not version ${expected}`;
  return `The key "${key}" is at version ${current} at home, not ${expected}`;
}

const CONDITION_HINT = "Another write came first. Read the key at home for its current version and value, then decide whether to write again.";

/** Constructors for every error, so that wording lives in one place. */
export const errors = {
  usage: (message: string, hint: string = USAGE_HINT) => new KvError("USAGE", message, hint),

  keyEmpty: () => new KvError("INVALID_KEY", "The key is empty.", "Keys are 1 to 512 bytes of UTF-8."),
  keyReserved: (key: string) => new KvError("INVALID_KEY", `The key "${key}" is reserved.`, 'Keys may not be "." or "..". Choose another name.'),
  keyTooLong: (bytes: number) =>
    new KvError(
      "INVALID_KEY",
      `The key is ${n(bytes)} bytes of UTF-8; the limit is ${n(LIMITS.maxKeyBytes)} bytes.`,
      "Shorten the key, for example by hashing the long part.",
    ),
  keyNotUnicode: () => new KvError("INVALID_KEY", "The key is not valid Unicode (it holds a lone surrogate).", "Keys are 1 to 512 bytes of UTF-8."),

  valueTooLarge: (bytes: number, atLeast = false) =>
    new KvError(
      "VALUE_TOO_LARGE",
      `The value is ${atLeast ? "more than " : ""}${n(bytes)} bytes; the limit is ${n(LIMITS.maxValueBytes)} bytes (1 MiB).`,
      "Store large objects elsewhere and keep a reference in KV, or split the value across keys.",
    ),

  metadataNotJson: (detail: string) =>
    new KvError("INVALID_METADATA", `The metadata is not valid JSON: ${detail}.`, `Send a JSON object, for example {"owner":"web"}.`),
  metadataNotObject: (kind: string) =>
    new KvError("INVALID_METADATA", `The metadata must be a JSON object, not ${kind}.`, `Send a JSON object, for example {"owner":"web"}.`),
  metadataTooLarge: (bytes: number) =>
    new KvError(
      "INVALID_METADATA",
      `The metadata is ${n(bytes)} bytes of JSON; the limit is ${n(LIMITS.maxMetadataBytes)} bytes (1 KiB).`,
      "Keep metadata small: put large data in the value.",
    ),

  ttlTooShort: (seconds: number) =>
    new KvError(
      "INVALID_EXPIRY",
      `The time to live is ${n(seconds)} s; the minimum is ${LIMITS.minTtlSeconds} s.`,
      `Give a time to live of ${LIMITS.minTtlSeconds} s or longer.`,
    ),
  expiryTooSoon: (secondsFromNow: number) =>
    new KvError(
      "INVALID_EXPIRY",
      `The expiry time is ${secondsFromNow < 0 ? "in the past" : `only ${n(Math.floor(secondsFromNow))} s away`}; it must be at least ${LIMITS.minTtlSeconds} s in the future.`,
      "Give a later time, or a time to live instead.",
    ),
  expiryTooFar: () => new KvError("INVALID_EXPIRY", "The expiry is after the year 9999.", "Give no expiry for a value that never expires."),
  expiryInvalid: (text: string) =>
    new KvError("INVALID_EXPIRY", `"${text}" is not a time.`, "Give an ISO 8601 time (2027-01-31T12:00:00Z) or epoch seconds (1800000000)."),
  /** `what` names the value: the CLI passes its option (--ttl), the API its parameter. */
  durationInvalid: (what: string, text: string) =>
    new KvError("USAGE", `${what} "${text}" is not a duration.`, "Use a number with a unit: 90s, 10m, 12h, 7d, or plain seconds."),
  expiryConflict: () => new KvError("USAGE", "A time to live and an expiry time cannot be given together.", "Choose one of them."),

  limitInvalid: (text: string) =>
    new KvError(
      "INVALID_LIMIT",
      `The limit "${text}" is not valid; it must be a whole number from 1 to ${n(LIMITS.maxListLimit)}.`,
      "For more keys than one page holds, follow the cursor from page to page.",
    ),
  cursorInvalid: () =>
    new KvError(
      "INVALID_CURSOR",
      "The cursor is not valid for this listing.",
      "Send the cursor the previous page of the same prefix returned, or none to start over.",
    ),

  namespaceInvalid: (name: string) =>
    new KvError(
      "INVALID_NAMESPACE",
      `"${name}" is not a valid namespace name.`,
      "Names are 1 to 63 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit.",
    ),
  namespaceNotFound: (name: string) =>
    new KvError(
      "NAMESPACE_NOT_FOUND",
      `The namespace "${name}" does not exist.`,
      LIMITS.namespacePattern.test(name)
        ? `Create it with: yourspace kv namespace create ${name}`
        : // No namespace can have this name: suggesting to create it would only fail.
          `Namespace names are lower-case letters, digits, '-' and '_'${LIMITS.namespacePattern.test(name.toLowerCase()) ? `: did you mean "${name.toLowerCase()}"?` : "."} List them with: yourspace kv namespace ls`,
    ),
  namespaceExists: (name: string) =>
    new KvError("NAMESPACE_EXISTS", `The namespace "${name}" already exists.`, "Choose another name, or use the existing namespace."),
  namespaceProtected: (name: string) =>
    new KvError("NAMESPACE_PROTECTED", `The namespace "${name}" cannot be removed.`, "It always exists. To empty it, remove its keys."),

  bindingNotFound: (what: string, route: string) =>
    new KvError("NOT_FOUND", `Route ${route} has no binding of ${what}.`, "List bindings with: yourspace kv bindings"),
  siteNotFound: (site: string) => new KvError("NOT_FOUND", `Site "${site}" was not found.`, "Check the site name, or use a token of that site."),
  /** The API's answer for a site other than the token's: whether that site exists is not said. */
  siteUnknownToToken: (site: string, tokenSite: string) =>
    new KvError(
      "NOT_FOUND",
      `Site "${site}" is not known to this token.`,
      `The token is for site "${tokenSite}": act on that site, or use a token of site "${site}".`,
    ),
  apiUrlInvalid: (url: string, source: string, why: string) =>
    new KvError(
      "USAGE",
      `The API URL "${url}" (from ${source}) cannot be used: ${why}.`,
      "Give a URL such as https://api.yourspace.dev or http://127.0.0.1:8787.",
    ),
  keyNotFound: (key: string, namespace: string, where?: string) =>
    new KvError(
      "KEY_NOT_FOUND",
      `The key "${key}" was not found in namespace "${namespace}"${where ? ` (${where})` : ""}.`,
      where ? "An eventual read in an edge may not see a recent write yet: see yourspace kv inspect <key>." : `List keys with: yourspace kv ls -n ${namespace}`,
    ),
  keysNotFound: (keys: string[], namespace: string) =>
    new KvError(
      "KEY_NOT_FOUND",
      `${keys.length === 1 ? "The key" : `${keys.length} keys`} ${keys
        .slice(0, 5)
        .map((k) => `"${k}"`)
        .join(", ")}${keys.length > 5 ? ", …" : ""} ${keys.length === 1 ? "was" : "were"} not found in namespace "${namespace}"; nothing was removed.`,
      "Ask to ignore missing keys (force) to remove the keys that exist.",
    ),

  /** `hint` names the flags of the command at hand that confirm (and preview), which only its handler knows. */
  confirmationRequired: (what: string, hint: string) =>
    new KvError("CONFIRMATION_REQUIRED", `Refusing to ${what} without confirmation: there is no terminal to ask on.`, hint),
  cancelled: () => new KvError("CANCELLED", "Cancelled; nothing was changed."),
  /** A command stopped by a signal: the message says what it had done, the hint how to finish. */
  interrupted: (signal: "SIGINT" | "SIGTERM", message: string, hint: string) =>
    new KvError("INTERRUPTED", message, hint, undefined, signal === "SIGTERM" ? EXIT.terminated : EXIT.interrupted),

  invalidUtf8: (where: string, file?: string) =>
    new KvError(
      "MALFORMED_BODY",
      file ? `${file} is not UTF-8 text: invalid UTF-8 at ${where}.` : `invalid UTF-8 at ${where}`,
      'Keys, text values and metadata are UTF-8; give binary values in base64 with "base64": true (as kv export writes them).',
    ),
  entryTextTooLong: (where: string, bytes: number | undefined, limit: number, file?: string) =>
    new KvError(
      "VALUE_TOO_LARGE",
      `${file ? `${file}: ` : ""}${where} is ${bytes === undefined ? `longer than ${n(limit)} bytes` : `${n(bytes)} bytes`}; an entry takes at most ${n(limit)} bytes of text (a 1 MiB value with its key and metadata, every character escaped)${file ? "." : ""}`,
      "Check that the file is the export you meant to import: values are at most 1 MiB.",
    ),
  file: (path: string, reason: string) => new KvError("FILE_ERROR", `Cannot use the file ${path}: ${reason}.`, "Check the path and its permissions."),
  replaceNeedsForce: (path: string) =>
    new KvError(
      "CONFIRMATION_REQUIRED",
      `Refusing to replace the file ${path} without confirmation: there is no terminal to ask on.`,
      "Confirm that it may be replaced, or choose another file.",
    ),
  binaryToTerminal: (key: string, bytes: number, why: "not UTF-8" | "control characters") =>
    new KvError(
      "BINARY_VALUE",
      `The value of "${key}" (${n(bytes)} bytes) ${why === "not UTF-8" ? "is not UTF-8 text" : "holds terminal control characters"}; it was not printed to the terminal.`,
      "Save it to a file, or send standard output to a file or a pipe.",
    ),

  routeInvalid: (pattern: string, why: string) =>
    new KvError(
      "INVALID_ROUTE",
      `The route pattern "${pattern}" is not valid: ${why}.`,
      'A pattern is a path starting with "/": an exact path ("/login") or a prefix ending in "*" ("/admin/*").',
    ),
  /** A write through a binding its route holds read-only: refused by the store, whatever the function called. */
  bindingReadOnly: (route: string, variable: string, namespace: string) =>
    new KvError(
      "PERMISSION_DENIED",
      `Route ${route} reaches namespace "${namespace}" read-only (as ${variable === "default" ? "kv, its default binding" : variable}); the function cannot write to it.`,
      `To let it write, make the binding read-write in the route's block of yourspace.jsonc ("access": "read-write", or "kv": "read-write").`,
    ),
  bindingMissing: (route: string, variable: string, bound: readonly string[]) =>
    new KvError(
      "PERMISSION_DENIED",
      variable === "default"
        ? `Route ${route} has no default KV binding${bound.length ? `; it binds ${bound.join(", ")}` : ""}.`
        : `Route ${route} has no binding named ${variable}${bound.length ? `; it binds ${bound.join(", ")}` : ""}.`,
      `Bind it in the route's block of yourspace.jsonc ("kv": "read-write", or "kv": { "${variable === "default" ? "FLAGS" : variable}": { "namespace": "…", "access": "read-only" } }).`,
    ),
  functionFailed: (route: string, detail: string) =>
    new KvError(
      "FUNCTION_ERROR",
      `The function of route ${route} failed: ${detail}`,
      "Fix the error at the top of the stack, save, and send the request again.",
    ),
  unknownRegion: (region: string, regions: string[]) =>
    new KvError("USAGE", `There is no region "${region}".`, `The regions are ${regions.join(", ")}. Name one of them, or change the emulator's regions.`),
  regionPartitioned: (region: string, home: string, what: "read" | "write") =>
    new KvError(
      "UNAVAILABLE",
      what === "write"
        ? `Region ${region} cannot reach the home region ${home} (partitioned); the write was not committed.`
        : `Region ${region} cannot reach the home region ${home} (partitioned) for this read.`,
      what === "write"
        ? `Writes go through to home. Heal the link with: yourspace kv emulator heal ${region}`
        : `Read the region's own copy with an eventual read, or heal the link with: yourspace kv emulator heal ${region}`,
    ),

  clockNotManual: () =>
    new KvError("USAGE", "The emulator's clock is real time, so it cannot be advanced.", "Switch to a manual clock first: yourspace kv emulator clock manual"),

  storeBusy: (dir: string) =>
    new KvError(
      "UNAVAILABLE",
      `The local store in ${dir} stayed locked by another process for too long.`,
      "Another yourspace process is holding a long write. Wait for it to finish, then run the command again.",
    ),
  dataDirUnusable: (dir: string, problem: string, hint: string = "Fix it, or choose another data directory.") =>
    new KvError("DATA_DIR_UNUSABLE", `The data directory ${dir} cannot be used: ${problem}.`, hint),
  storeReadOnly: (dir: string, reason: string) =>
    new KvError(
      "STORE_READ_ONLY",
      `The local store in ${dir} is read-only (${reason}); this command writes to it, so nothing was changed.`,
      `Reads still work. To write, give your user write access to ${dir}, or use another data directory.`,
    ),
  storeReadOnlyRecording: (dir: string, reason: string) =>
    new KvError(
      "STORE_READ_ONLY",
      `The local store in ${dir} is read-only (${reason}), and its operations are being recorded (kv emulator record), which writes to it; nothing was done.`,
      `Recording needs write access: give your user write access to ${dir}, or have a user who may write turn it off (yourspace kv emulator record off).`,
    ),
  storeCorrupt: (dir: string, detail: string) =>
    new KvError(
      "STORE_CORRUPT",
      `The local store in ${dir} is damaged (${detail}).`,
      `Keep a copy of ${dir}, then move kv.sqlite and kv.sqlite-wal out of it to start an empty store; sqlite3's .recover command may save what is left.`,
    ),
  diskFull: (where: string, detail: string) =>
    new KvError(
      "DISK_FULL",
      `There is no room to write ${where} (${detail}); the write that needed it was not completed.`,
      "Free some space on that disk (or raise the quota or file size limit), then run the command again.",
    ),
  ioError: (where: string, detail: string) =>
    new KvError(
      "IO_ERROR",
      `The device holding ${where} failed to read or write (${detail}).`,
      "Check the disk, its free space and the file size limit (ulimit -f); dmesg shows device errors. Then run the command again.",
    ),
  networkFailure: (what: string, detail: string) =>
    new KvError("UNAVAILABLE", `The network failed (${what}): ${detail}.`, "Check that the server is running and reachable, then run the command again."),
  resourceLimit: (detail: string) =>
    new KvError(
      "RESOURCE_LIMIT",
      `The system refused a resource this command needs: ${detail}.`,
      "Close other programs, or raise the limit (ulimit -n for open files), then run the command again.",
    ),

  permission: (message: string, hint: string) => new KvError("PERMISSION_DENIED", message, hint),
  tokenMissing: () =>
    new KvError("UNAUTHENTICATED", "The request has no bearer token.", "Send Authorization: Bearer <token>, with a token issued for the site."),
  tokenInvalid: () => new KvError("UNAUTHENTICATED", "The token is not valid.", "Send a token this API issued; a token works only where it was issued."),
  tokenRevoked: () => new KvError("UNAUTHENTICATED", "The token has been revoked.", "Send a current token."),
  tokenExpired: (at: string) => new KvError("UNAUTHENTICATED", `The token expired at ${at}.`, "Create a new token and send it instead."),
  quota: (site: string, tier: string, what: "keys" | "storage", ceiling: number, current: number, adding: number) =>
    new KvError(
      "QUOTA_EXCEEDED",
      what === "keys"
        ? `Site ${site} is on the ${tier} tier, which holds at most ${n(ceiling)} keys; it holds ${n(current)}, and this write would add ${n(adding)}. Nothing was written.`
        : `Site ${site} is on the ${tier} tier, which stores at most ${n(ceiling)} bytes; it stores ${n(current)}, and this write would add ${n(adding)}. Nothing was written.`,
      "Remove keys you no longer need (yourspace kv rm), or move the site to a larger tier.",
    ),
  valueTooLargeForTier: (bytes: number, tier: string, limit: number) =>
    new KvError(
      "VALUE_TOO_LARGE",
      `The value is ${n(bytes)} bytes; the ${tier} tier allows at most ${n(limit)} bytes per value.`,
      "Move the site to a GA tier for values up to 1 MiB, or store less per key.",
    ),

  conditionFailed: (key: string, expected: string | null, current: string | null) =>
    new KvError("CONDITION_FAILED", `${conditionMismatch(key, expected, current)}; nothing was written.`, CONDITION_HINT, { key, expected, current }),
  /** A batch whose entries' conditions did not all hold: every failure is named, and the batch wrote nothing. */
  batchConditionsFailed: (failures: readonly ConditionFailure[]) => {
    const first = failures[0]!;
    const more = failures.length > 1 ? ` (and ${n(failures.length - 1)} more ${failures.length === 2 ? "key" : "keys"})` : "";
    return new KvError(
      "CONDITION_FAILED",
      `${conditionMismatch(first.key, first.expected, first.current)}${more}; the batch is all or nothing, so none of it was written.`,
      CONDITION_HINT,
      { ...first, failed: failures },
    );
  },
  notACounter: (key: string, version: string, type: string, preview: string) =>
    new KvError(
      "NOT_A_COUNTER",
      `The key "${key}" holds ${type} (${preview}), not a decimal integer, so it cannot be incremented; nothing was written.`,
      "A counter holds a signed 64-bit integer in decimal, such as 42 or -7. Increment another key, or replace this value first.",
      { key, version, type, preview },
    ),
  counterOverflow: (key: string, version: string, current: string, by: string) =>
    new KvError(
      "COUNTER_OVERFLOW",
      `Adding ${by} to "${key}" (${current}) would leave the signed 64-bit range, -9223372036854775808 to 9223372036854775807; nothing was written.`,
      "Reset the counter by writing a smaller value, or count in another key.",
      { key, version, current, by },
    ),
  incrementInvalid: (what: string, text: string) =>
    new KvError(
      "USAGE",
      `${what} "${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not a signed 64-bit integer.`,
      "Give a whole number from -9223372036854775808 to 9223372036854775807, such as 1 or -5.",
    ),
  incrementZero: (what: string) =>
    new KvError("USAGE", `${what} is 0, which would change nothing.`, "Give a whole number other than 0; read the key at home to see its value."),
  versionInvalid: (text: string) =>
    new KvError(
      "USAGE",
      `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not a version.`,
      "A version is the 20 hexadecimal digits a read or a listing of the key shows.",
    ),
  conditionNeedsOneKey: (keys: number) =>
    new KvError(
      "USAGE",
      `A condition applies to one key; this removal names ${n(keys)}.`,
      "Remove the key with a condition on its own, or remove the keys without one.",
    ),

  partiallyApplied: (p: PartialOutcome) => {
    const total = p.done.length + p.unknown.length + p.notDone.length;
    const [did, not, noun, plural] = p.action === "remove" ? ["Removed", "removed", "key", "keys"] : ["Wrote", "written", "entry", "entries"];
    const count = (keys: readonly string[]) => `${n(keys.length)} ${keys.length === 1 ? noun : plural} (${keyRange(keys)})`;
    return new KvError(
      "PARTIALLY_APPLIED",
      `${did} ${n(p.done.length)} of ${n(total)} ${plural} in namespace "${p.namespace}" (${keyRange(p.done)}), then a request failed: ${p.cause.message}` +
        (p.unknown.length ? ` Whether ${count(p.unknown)} ${p.unknown.length === 1 ? "was" : "were"} ${not} is not known: the answer was lost.` : "") +
        (p.notDone.length ? ` The other ${count(p.notDone)} ${p.notDone.length === 1 ? "was" : "were"} not ${not}.` : ""),
      `Nothing ${not} was undone. Look at what the namespace holds now before running the command again.`,
      { action: p.action, namespace: p.namespace, done: p.done, unknown: p.unknown, notDone: p.notDone, cause: p.cause.toJSON() },
    );
  },

  idempotencyKeyReused: (key: string) =>
    new KvError(
      "IDEMPOTENCY_KEY_REUSED",
      `The Idempotency-Key "${key.length > 80 ? `${key.slice(0, 80)}…` : key}" was already used by this token for a different request; this one was not run.`,
      "Send each different write with a key of its own; send a key again only to retry the very same request.",
    ),

  internal: (message: string) => new KvError("INTERNAL", message, "This is a bug in yourspace. Please report it with the command you ran and this message."),
};

/** A thrown value in words: an error's message, or a short description of anything else. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error || (e !== null && typeof e === "object" && typeof (e as { message?: unknown }).message === "string")) {
    const message = String((e as { message: string }).message).trim();
    if (message) return message.replace(/\.$/, "");
  }
  if (typeof e === "string" && e.trim()) return e.trim().replace(/\.$/, "");
  return inspect(e, { depth: 2, breakLength: Number.POSITIVE_INFINITY, maxStringLength: 200 });
}
