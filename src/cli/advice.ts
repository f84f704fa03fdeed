import { errors, KvError, type ErrorCode } from "../core/errors.js";

/** Stands for an argument of a catalogue entry, so that the entry's own text shows where it goes. */
const ARG = "\u0000";

/**
 * What a catalogue entry says, as a pattern made from the entry itself: each argument given as ARG
 * becomes a capture. The advice below then follows the catalogue's wording wherever it changes.
 */
function shape(text: string | undefined): RegExp {
  const escaped = (text ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replaceAll(ARG, "(.*)")}$`, "s");
}

interface Rule {
  code: ErrorCode;
  /** The catalogue's hint (or message, with `on: "message"`) this rule replaces, as made by its entry. */
  says: KvError;
  on?: "message" | "hint";
  /** The CLI's hint, from the captures of the platform's text (and the message's, for `on: "message"`). */
  cli: (captured: string[]) => string;
}

const metadataExample = `Pass a JSON object, for example --metadata '{"owner":"web"}'.`;
const dataDirFlags = "--data-dir or YOURSPACE_DATA_DIR";

/**
 * The CLI's own advice. The catalogue's texts are the platform's (the API and the SDK show them to
 * people who have no CLI), so they say what to send; at a terminal, the flag that sends it says more.
 * An error is recognised by its code and the catalogue's text, not by where it was made, so an error
 * answered by the API reads the same as one from the embedded emulator.
 *
 * Made on the first error reported, not when the CLI loads: making the catalogue's errors formats
 * numbers, and the first number formatted loads ICU's locale data, which would cost every command's
 * start-up (about 15 ms) for advice most runs never give.
 */
const rules = (): readonly Rule[] => [
  { code: "USAGE", says: errors.usage(ARG), cli: () => "Run the command with --help to see its usage." },
  { code: "INVALID_METADATA", says: errors.metadataNotObject(ARG), cli: () => metadataExample },
  { code: "INVALID_EXPIRY", says: errors.ttlTooShort(0), cli: () => "Use --ttl 60s or longer." },
  { code: "INVALID_EXPIRY", says: errors.expiryTooSoon(0), cli: () => "Give a later time, or use --ttl." },
  { code: "INVALID_EXPIRY", says: errors.expiryTooFar(), cli: () => "Leave out --ttl and --expires-at for a value that never expires." },
  { code: "USAGE", says: errors.expiryConflict(), on: "message", cli: () => "Choose one of --ttl and --expires-at." },
  { code: "INVALID_LIMIT", says: errors.limitInvalid(ARG), cli: () => "Use --all to walk every page." },
  {
    code: "INVALID_CURSOR",
    says: errors.cursorInvalid(),
    cli: () => "Pass the cursor printed by the previous page of the same prefix, or leave --cursor out to start over.",
  },
  {
    code: "NAMESPACE_PROTECTED",
    says: errors.namespaceProtected(ARG),
    on: "message",
    cli: ([name]) => `It always exists. To empty it, run: yourspace kv rm --prefix "" -n ${name}`,
  },
  { code: "KEY_NOT_FOUND", says: errors.keysNotFound([ARG], ARG), cli: () => "Use --force to remove the keys that exist and ignore the missing ones." },
  { code: "CONFIRMATION_REQUIRED", says: errors.replaceNeedsForce(ARG), cli: () => "Pass --force to replace it, or choose another file." },
  {
    code: "BINARY_VALUE",
    says: errors.binaryToTerminal(ARG, 0, "not UTF-8"),
    cli: () => "Save it with --output <file>, or send stdout to a file or a pipe; --output - prints it here anyway.",
  },
  {
    code: "USAGE",
    says: errors.unknownRegion(ARG, [ARG]),
    cli: ([regions]) =>
      `The regions are ${regions}. Change them with: yourspace kv emulator config --regions <list> (the home region marked with *, as iad*,fra,sin)`,
  },
  {
    code: "UNAVAILABLE",
    says: errors.regionPartitioned(ARG, ARG, "read"),
    cli: ([region]) => `Read the region's own copy with --consistency eventual, or heal the link with: yourspace kv emulator heal ${region}`,
  },
  {
    code: "UNAUTHENTICATED",
    says: errors.tokenMissing(),
    cli: () => "Log in with: yourspace login, or create a token with: yourspace kv emulator token create --site <site>",
  },
  { code: "UNAUTHENTICATED", says: errors.tokenInvalid(), cli: () => "Check YOURSPACE_TOKEN or --token, or log in again with: yourspace login" },
  { code: "UNAUTHENTICATED", says: errors.tokenRevoked(), cli: () => "Log in again with a current token: yourspace login" },
  { code: "UNAUTHENTICATED", says: errors.tokenExpired(ARG), cli: () => "Create a new token and log in again: yourspace login" },
  { code: "DATA_DIR_UNUSABLE", says: errors.dataDirUnusable(ARG, ARG), cli: () => `Fix it, or choose another directory with ${dataDirFlags}.` },
  {
    code: "STORE_READ_ONLY",
    says: errors.storeReadOnly(ARG, ARG),
    cli: ([dir]) => `Reads still work. To write, give your user write access to ${dir}, or use another data directory (${dataDirFlags}).`,
  },
];

let patterns: { rule: Rule; hint: RegExp; message: RegExp }[] | undefined;

/** The error as the CLI reports it: the catalogue's code and message, with the CLI's own hint where it has one. */
export function withCliAdvice(e: KvError): KvError {
  patterns ??= rules().map((rule) => ({ rule, hint: shape(rule.says.hint), message: shape(rule.says.message) }));
  for (const { rule, hint, message } of patterns) {
    if (e.code !== rule.code) continue;
    const onHint = hint.exec(e.hint ?? "");
    if (!onHint) continue;
    let captured = onHint.slice(1);
    if (rule.on === "message") {
      const onMessage = message.exec(e.message);
      if (!onMessage) continue;
      captured = onMessage.slice(1);
    }
    return new KvError(e.code, e.message, rule.cli(captured), e.details, e.exitCode);
  }
  return e;
}
