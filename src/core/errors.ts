import { EXIT, type ExitCode } from "./exit-codes.js";
import { LIMITS } from "./limits.js";
import { formatNumber as n } from "./numbers.js";

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
  // The emulator's controls and region views asked of a target that is not an emulator.
  NOT_AN_EMULATOR: EXIT.notFound,
  // A request whose Host names another server (the KV browser's host refuses it: DNS rebinding).
  MISDIRECTED_REQUEST: EXIT.usage,
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

  /** The same error with another hint: the CLI's, naming its flags (src/cli/advice.ts). */
  withHint(hint: string): KvError {
    return new KvError(this.code, this.message, hint, this.details, this.exitCode);
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

/** What an error of usage says to do when its maker says nothing more. */
const USAGE_HINT = "Check the request against its documented usage.";

/** What an entry of a bulk write or an import file is. */
const ENTRY_HINT = 'An entry is a JSON object of "key" and "value", with "base64", "metadata", "expiration" or "expiration_ttl" if needed.';

/** Constructors for every error, so that wording lives in one place. */
export const errors = {
  usage: (message: string, hint: string = USAGE_HINT) => new KvError("USAGE", message, hint),
  /** An error of this catalogue made elsewhere and passed on as JSON (the API's answer, the server thread's report). */
  relayed: (code: ErrorCode, message: string, hint: string | undefined, details?: Record<string, unknown>) => new KvError(code, message, hint, details),

  namespaceInvalid: (name: string) =>
    new KvError(
      "INVALID_NAMESPACE",
      `"${name}" is not a valid namespace name.`,
      "Names are 1 to 63 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit.",
    ),
  namespaceNotFound: (name: string) =>
    LIMITS.namespacePattern.test(name)
      ? errors.namespaceMissing(name)
      : // No namespace can have this name: suggesting to create it would only fail.
        errors.namespaceNameImpossible(name, LIMITS.namespacePattern.test(name.toLowerCase()) ? name.toLowerCase() : undefined),
  namespaceMissing: (name: string) =>
    new KvError("NAMESPACE_NOT_FOUND", `The namespace "${name}" does not exist.`, `Create the namespace "${name}" first, or name one that exists.`),
  namespaceNameImpossible: (name: string, suggestion: string | undefined) =>
    new KvError(
      "NAMESPACE_NOT_FOUND",
      `The namespace "${name}" does not exist.`,
      `Namespace names are lower-case letters, digits, '-' and '_'${suggestion === undefined ? "." : `: did you mean "${suggestion}"?`} List the namespaces to see which exist.`,
    ),
  namespaceExists: (name: string) =>
    new KvError("NAMESPACE_EXISTS", `The namespace "${name}" already exists.`, "Choose another name, or use the existing namespace."),
  namespaceProtected: (name: string) =>
    new KvError("NAMESPACE_PROTECTED", `The namespace "${name}" cannot be removed.`, "It always exists. To empty it, remove its keys."),

  /** A namespace routes are bound to: removing it would leave their bindings reaching nothing, or a namespace made later of its name. */
  namespaceBound: (name: string, bindings: readonly { route: string; variable: string }[]) =>
    new KvError(
      "NAMESPACE_PROTECTED",
      `The namespace "${name}" cannot be removed: ${bindings.length === 1 ? "route" : "routes"} ${bindings
        .slice(0, 5)
        .map((b) => `${b.route} (as ${b.variable})`)
        .join(", ")}${bindings.length > 5 ? ` and ${n(bindings.length - 5)} more` : ""} ${bindings.length === 1 ? "is" : "are"} bound to it.`,
      "Remove its bindings first (the site's bindings list them), then remove the namespace.",
      { namespace: name, bindings: bindings.map(({ route, variable }) => ({ route, variable })) },
    ),
  bindingNotFound: (what: string, route: string) =>
    new KvError("NOT_FOUND", `Route ${route} has no binding of ${what}.`, "List the bindings to see which routes have one."),
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
      where
        ? "An eventual read in an edge may not see a recent write yet: inspect the key to see where it has arrived."
        : `List the keys of namespace "${namespace}" to see which exist.`,
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
      'Keys, text values and metadata are UTF-8; give binary values in base64 with "base64": true (as an export writes them).',
    ),
  entryTextTooLong: (where: string, bytes: number | undefined, limit: number, file?: string) =>
    new KvError(
      "VALUE_TOO_LARGE",
      `${file ? `${file}: ` : ""}${where} is ${bytes === undefined ? `longer than ${n(limit)} bytes` : `${n(bytes)} bytes`}; an entry takes at most ${n(limit)} bytes of text (a 1 MiB value with its key and metadata, every character escaped)${file ? "." : ""}`,
      "Check that the file is the export you meant to import: values are at most 1 MiB.",
    ),
  /** An entry of a bulk write or an import file that is not one: `reason` says what is wrong with it. */
  entryInvalid: (reason: string) => new KvError("USAGE", reason, ENTRY_HINT),
  entryNotJson: (detail: string) => new KvError("MALFORMED_BODY", `not valid JSON: ${detail}`, ENTRY_HINT),
  /**
   * An import file with invalid entries, none of it written. `details.errors` lists each (where it is,
   * its key, the code and the message), so a script has them where it reads the error.
   */
  importInvalid: (file: string, total: number, problems: readonly { where: string; key: string | null; code: string; message: string }[]) =>
    new KvError(
      "USAGE",
      `${n(problems.length)} of ${n(total)} entries in ${file} ${problems.length === 1 ? "is" : "are"} invalid; nothing was written.`,
      "Fix the invalid entries, each listed with where it is and why, and run the import again.",
      { file, total, invalid: problems.length, errors: problems },
    ),
  file: (path: string, reason: string) => new KvError("FILE_ERROR", `Cannot use the file ${path}: ${reason}.`, "Check the path and its permissions."),
  /** A file named for writing that is the store's own (core/store-files.ts): writing it would destroy the store. */
  storeFileNamed: (path: string, dataDir: string) =>
    new KvError(
      "FILE_ERROR",
      `Cannot use the file ${path}: it is one of the data directory's own store files (in ${dataDir}); writing it would destroy the store.`,
      "Name a file outside the store: not kv.sqlite, nor the -wal, -shm or -journal file beside it.",
    ),
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

  unknownRegion: (region: string, regions: string[]) =>
    new KvError("USAGE", `There is no region "${region}".`, `The regions are ${regions.join(", ")}. Name one of them, or change the emulator's regions.`),
  /**
   * `what`: a write; a strong read (home's copy); or a cache-miss, an eventual read in a cache profile
   * with no fresh copy in the region, which has nothing of its own to fall back on.
   */
  regionPartitioned: (region: string, home: string, what: "read" | "cache-miss" | "write") => {
    if (what === "write")
      return new KvError(
        "UNAVAILABLE",
        `Region ${region} cannot reach the home region ${home} (partitioned); the write was not committed.`,
        `Writes go through to home. Heal the link between ${region} and home first.`,
      );
    if (what === "cache-miss")
      return new KvError(
        "UNAVAILABLE",
        `Region ${region} has no fresh cached copy for this read and cannot reach the home region ${home} (partitioned) to fetch one.`,
        `Heal the link between ${region} and home, then read again.`,
      );
    return new KvError(
      "UNAVAILABLE",
      `Region ${region} cannot reach the home region ${home} (partitioned) for this read.`,
      `Read the region's own copy with an eventual read, or heal the link between ${region} and home.`,
    );
  },

  /** Switching between edge replicas and edge caches delivers every write to every edge, which `held` cannot receive now. */
  edgeStoreSwitchHeld: (from: string, to: string, held: string[]) =>
    new KvError(
      "USAGE",
      `Switching from ${from} to ${to} delivers every write to every edge first, and ${held.join(", ")} cannot receive them now (a fault holds ${held.length === 1 ? "it" : "them"}).`,
      `Heal or resume ${held.join(", ")} first.`,
    ),
  clockNotManual: () => new KvError("USAGE", "The emulator's clock is real time, so it cannot be advanced.", "Switch the emulator to a manual clock first."),

  permission: (message: string, hint: string) => new KvError("PERMISSION_DENIED", message, hint),
  tokenTextInvalid: (maxLength: number) =>
    new KvError("USAGE", `A token must be 1 to ${maxLength} characters, without spaces or control characters.`, "Let one be made, or give a shorter one."),
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
      "Remove keys you no longer need, or move the site to a larger tier.",
    ),
  valueTooLargeForTier: (bytes: number, tier: string, limit: number) =>
    new KvError(
      "VALUE_TOO_LARGE",
      `The value is ${n(bytes)} bytes; the ${tier} tier allows at most ${n(limit)} bytes per value.`,
      "Move the site to a GA tier for values up to 1 MiB, or store less per key.",
    ),

  idempotencyKeyReused: (key: string) =>
    new KvError(
      "IDEMPOTENCY_KEY_REUSED",
      `The Idempotency-Key "${key.length > 80 ? `${key.slice(0, 80)}…` : key}" was already used by this token for a different request; this one was not run.`,
      "Send each different write with a key of its own; send a key again only to retry the very same request.",
    ),

  internal: (message: string) => new KvError("INTERNAL", message, "This is a bug in yourspace. Please report it with the command you ran and this message."),
};
