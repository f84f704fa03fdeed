import { KvError } from "./errors.js";
import { LIMITS } from "./limits.js";
import { formatNumber as n } from "./numbers.js";

/**
 * The catalogue's entries for what a key, a value, its metadata or expiry, or a listing's limit and
 * cursor break of the platform's rules, wherever they are given (the CLI, the API, the SDK). The codes
 * and their exit codes are in errors.ts; like every entry, these texts name no CLI flag.
 */
export const inputErrors = {
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
  /** A number JSON.parse could only read as Infinity (1e400), which JSON cannot hold: it would be stored as null. */
  metadataNumberNotFinite: (path: string) =>
    new KvError(
      "INVALID_METADATA",
      `The metadata holds a number too large for a 64-bit float at ${path}.`,
      "Give numbers within ±1.8e308, or send a large number as a string.",
    ),
  metadataNotUnicode: (where: string) =>
    new KvError(
      "INVALID_METADATA",
      `The metadata is not valid Unicode: ${where}.`,
      "Metadata is JSON text in UTF-8; send binary data in the value, or encode it (base64) in a string.",
    ),
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
  /** `what` names the value: the CLI passes its option (--ttl), the API its parameter; `plain`, what a number alone counts. */
  durationInvalid: (what: string, text: string, plain: string) =>
    new KvError("USAGE", `${what} "${text}" is not a duration.`, `Use a number with a unit: 90s, 10m, 12h, 7d, or a plain number of ${plain}.`),
  durationTooFine: (what: string, text: string) =>
    new KvError(
      "USAGE",
      `${what} "${text}" is not a whole number of milliseconds; time is kept in milliseconds.`,
      "Give whole milliseconds, for example 1ms or 250ms.",
    ),
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
};
