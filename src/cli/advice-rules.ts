import { inputErrors } from "../core/input-errors.js";
import { apiErrors } from "../core/api-errors.js";
import { errors, type ErrorCode, type KvError } from "../core/errors.js";
import { conditionErrors } from "../core/condition-errors.js";
import { edgeErrors } from "../core/edge-errors.js";
import { emulatorErrors } from "../core/emulator-errors.js";
import { environmentErrors } from "../core/environment-errors.js";
import { outcomeErrors } from "../core/outcome-errors.js";
import { remoteErrors } from "../core/remote-errors.js";
import { commandLine, namespaceFlag, shellQuote } from "../terminal/shell.js";

/** Stands for an argument of a catalogue entry, so that the entry's own text shows where it goes. */
export const ARG = "\u0000";

export interface Rule {
  /** The code the rule is for; none for an entry that keeps the code of its cause. */
  code?: ErrorCode;
  /** The catalogue's hint this rule replaces (and its message, with `on: "message"`), as made by its entry. */
  says: KvError;
  on?: "message";
  /** The CLI's hint, from what the arguments given as ARG were in the hint and (with `on: "message"`) the message. */
  cli: (captured: { hint: string[]; message: string[]; details: Record<string, unknown> }) => string;
}

const metadataExample = `Pass a JSON object, for example --metadata '{"owner":"web"}'.`;
const dataDirFlags = "--data-dir or YOURSPACE_DATA_DIR";
/** `yourspace kv get <key> --json`, for the key a condition or a counter named (its details say which). */
const readAtHome = (details: Record<string, unknown>): string =>
  commandLine("yourspace", "kv", "get", typeof details.key === "string" ? details.key : "<key>", "--json");

/** What to do after a failed condition: an --if-absent write found the key; an --if-version write found another version. */
function afterConditionFailed(details: Record<string, unknown>): string {
  if (details.expected === null)
    return `The key exists. See it with: ${readAtHome(details)} (in the same namespace); to replace it, write with --if-version <its version>.`;
  return `Another write came first. Read the current version and value with: ${readAtHome(details)} (in the same namespace), then write again with --if-version <that version>.`;
}

const namespaceRule = "Namespace names are lower-case letters, digits, '-' and '_'";

/**
 * The CLI's own advice. The catalogue's texts are the platform's (the API and the SDK show them to
 * people who have no CLI), so they say what to send; at a terminal, the flag or the command that
 * sends it says more. An error is recognised by its code and the catalogue's text, not by where it
 * was made, so an error answered by the API reads the same as one from the embedded emulator.
 */
export const cliRules = (): readonly Rule[] => [
  { code: "CONDITION_FAILED", says: conditionErrors.conditionFailed(ARG, ARG, ARG), cli: ({ details }) => afterConditionFailed(details) },
  {
    code: "NOT_A_COUNTER",
    says: conditionErrors.notACounter(ARG, ARG, ARG, ARG),
    cli: ({ details }) =>
      `A counter holds a signed 64-bit integer in decimal, such as 42 or -7. Increment another key, or start this one again: ${commandLine("yourspace", "kv", "set", typeof details.key === "string" ? details.key : "<key>", "0")} (in the same namespace)`,
  },
  {
    code: "USAGE",
    says: conditionErrors.incrementZero(ARG),
    cli: () => "Give --by a whole number other than 0; to see a counter's value, run: yourspace kv get <key>",
  },
  { code: "USAGE", says: errors.usage(ARG), cli: () => "Run the command with --help to see its usage." },
  { code: "INVALID_METADATA", says: inputErrors.metadataNotObject(ARG), cli: () => metadataExample },
  { code: "INVALID_EXPIRY", says: inputErrors.ttlTooShort(0), cli: () => "Use --ttl 60s or longer." },
  { code: "INVALID_EXPIRY", says: inputErrors.expiryTooSoon(0), cli: () => "Give a later time, or use --ttl." },
  { code: "INVALID_EXPIRY", says: inputErrors.expiryTooFar(), cli: () => "Leave out --ttl and --expires-at for a value that never expires." },
  { code: "USAGE", says: inputErrors.expiryConflict(), on: "message", cli: () => "Choose one of --ttl and --expires-at." },
  { code: "INVALID_LIMIT", says: inputErrors.limitInvalid(ARG), cli: () => "Use --all to walk every page." },
  {
    code: "INVALID_CURSOR",
    says: inputErrors.cursorInvalid(),
    cli: () => "Pass the cursor printed by the previous page of the same prefix, or leave --cursor out to start over.",
  },
  { code: "NAMESPACE_NOT_FOUND", says: errors.namespaceMissing(ARG), cli: ({ hint: [name] }) => `Create it with: yourspace kv namespace create ${name}` },
  {
    code: "NAMESPACE_NOT_FOUND",
    says: errors.namespaceNameImpossible(ARG, ARG),
    cli: ({ hint: [meant] }) => `${namespaceRule}: did you mean "${meant}"? List them with: yourspace kv namespace ls`,
  },
  {
    code: "NAMESPACE_NOT_FOUND",
    says: errors.namespaceNameImpossible(ARG, undefined),
    cli: () => `${namespaceRule}. List them with: yourspace kv namespace ls`,
  },
  {
    code: "NAMESPACE_PROTECTED",
    says: errors.namespaceProtected(ARG),
    on: "message",
    cli: ({ message: [name] }) => `It always exists. To empty it, run: yourspace kv rm --prefix "" -n ${name}`,
  },
  {
    code: "NAMESPACE_PROTECTED",
    says: errors.namespaceBound(ARG, []),
    cli: ({ details }) => {
      const bound = Array.isArray(details.bindings) ? (details.bindings as { route: string; variable: string }[]) : [];
      const name = typeof details.namespace === "string" ? details.namespace : "<namespace>";
      const first = bound[0];
      const unbind = first ? commandLine("yourspace", "kv", "unbind", name, "--route", first.route, "--as", first.variable) : "yourspace kv unbind";
      return `Unbind ${bound.length > 1 ? "each route" : "it"} first, for example: ${unbind} (list the bindings with: yourspace kv bindings)`;
    },
  },
  { code: "NOT_FOUND", says: errors.bindingNotFound(ARG, ARG), cli: () => "List bindings with: yourspace kv bindings" },
  { code: "USAGE", says: edgeErrors.variableInvalid(ARG, ARG), cli: () => "Use upper-case letters, digits and _, for example --as FLAGS." },
  {
    code: "KEY_NOT_FOUND",
    says: errors.keyNotFound(ARG, ARG, ARG),
    on: "message",
    cli: ({ message: [key, ns] }) =>
      `An eventual read in an edge may not see a recent write yet. See where the key has arrived with: ${commandLine("yourspace", "kv", "inspect", key, namespaceFlag(ns!))}`,
  },
  { code: "KEY_NOT_FOUND", says: errors.keyNotFound(ARG, ARG), cli: ({ hint: [ns] }) => `List keys with: yourspace kv ls -n ${ns}` },
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
    cli: ({ hint: [regions] }) =>
      `The regions are ${regions}. Change them with: yourspace kv emulator config --regions <list> (the home region marked with *, as iad*,fra,sin)`,
  },
  {
    code: "UNAVAILABLE",
    says: errors.regionPartitioned(ARG, ARG, "read"),
    cli: ({ hint: [region] }) => `Read the region's own copy with --consistency eventual, or heal the link with: yourspace kv emulator heal ${region}`,
  },
  {
    code: "UNAVAILABLE",
    says: errors.regionPartitioned(ARG, ARG, "cache-miss"),
    cli: ({ hint: [region] }) => `Heal the link with: yourspace kv emulator heal ${region}, then read again.`,
  },
  {
    code: "UNAVAILABLE",
    says: errors.regionPartitioned(ARG, ARG, "write"),
    cli: ({ hint: [region] }) => `Writes go through to home. Heal the link with: yourspace kv emulator heal ${region}`,
  },
  {
    code: "USAGE",
    says: errors.edgeStoreSwitchHeld(ARG, ARG, [ARG]),
    cli: ({ hint: [held] }) => `Heal or resume ${held} first: yourspace kv emulator heal <region> (or: resume <region>).`,
  },
  { code: "USAGE", says: errors.tokenTextInvalid(0), cli: () => "Leave out --token to have one made, or give a shorter one." },
  { code: "USAGE", says: errors.clockNotManual(), cli: () => "Switch to a manual clock first: yourspace kv emulator clock manual" },
  {
    code: "QUOTA_EXCEEDED",
    says: errors.quota(ARG, ARG, "keys", 0, 0, 0),
    cli: () => "Remove keys you no longer need (yourspace kv rm), or move the site to a larger tier.",
  },
  {
    code: "UNAUTHENTICATED",
    says: errors.tokenMissing(),
    cli: () => "Log in with: yourspace login, or create a token with: yourspace kv emulator token create --site <site>",
  },
  { code: "UNAUTHENTICATED", says: errors.tokenInvalid(), cli: () => "Check YOURSPACE_TOKEN or --token, or log in again with: yourspace login" },
  { code: "UNAUTHENTICATED", says: errors.tokenRevoked(), cli: () => "Log in again with a current token: yourspace login" },
  { code: "UNAUTHENTICATED", says: errors.tokenExpired(ARG), cli: () => "Create a new token and log in again: yourspace login" },
  { code: "DATA_DIR_UNUSABLE", says: environmentErrors.dataDirUnusable(ARG, ARG), cli: () => `Fix it, or choose another directory with ${dataDirFlags}.` },
  // Every other hint about the data directory: the CLI adds where it is chosen.
  {
    code: "DATA_DIR_UNUSABLE",
    says: environmentErrors.dataDirUnusable(ARG, ARG, ARG),
    cli: ({ hint: [hint] }) => `${hint!.replace(/\.$/, "")} (${dataDirFlags}).`,
  },
  {
    code: "STORE_READ_ONLY",
    says: environmentErrors.storeReadOnly(ARG, ARG),
    cli: ({ hint: [dir] }) => `Reads still work. To write, give your user write access to ${dir}, or use another data directory (${dataDirFlags}).`,
  },
  {
    code: "STORE_READ_ONLY",
    says: environmentErrors.storeReadOnlyRecording(ARG, ARG),
    cli: ({ hint: [dir] }) =>
      `Recording needs write access: give your user write access to ${dir}, or have a user who may write turn it off (yourspace kv emulator record off).`,
  },

  { code: "USAGE", says: apiErrors.portInUse(0), cli: () => "Choose another with --port, or --port 0 for any free port." },
  { code: "USAGE", says: apiErrors.portForbidden(0, ARG, ARG), cli: () => "Use a port from 1024 up, or --port 0 for any free port." },
  {
    code: "USAGE",
    says: apiErrors.hostNotLocal(ARG, ARG),
    cli: () => "Give --host an address this machine has, 0.0.0.0 for all of them, or leave it out for 127.0.0.1.",
  },
  { code: "USAGE", says: apiErrors.hostUnsupported(ARG, ARG), cli: () => "Give --host an IPv4 address, such as 127.0.0.1, or leave it out." },
  { code: "UNAVAILABLE", says: apiErrors.listenFailed(ARG, 0, ARG), cli: () => "Check --host and --port, or try --port 0 for any free port." },
  {
    code: "UNAVAILABLE",
    says: apiErrors.startFailed(ARG),
    cli: () => `Check --data-dir (or YOURSPACE_DATA_DIR), --host and --port; YOURSPACE_DEBUG=1 shows more.`,
  },

  { code: "USAGE", says: remoteErrors.apiUrlNotUrl(ARG), cli: () => "Give a URL such as http://127.0.0.1:8787 with --api-url or YOURSPACE_API_URL." },
  {
    code: "UNAVAILABLE",
    says: remoteErrors.apiUnreachable(ARG, ARG),
    cli: () => "Check --api-url or YOURSPACE_API_URL and your network, or start the local emulator: yourspace kv emulator start",
  },
  {
    code: "NOT_PLATFORM_API",
    says: remoteErrors.notPlatformApi(ARG, ARG, ARG),
    cli: ({ hint: [whoami] }) =>
      `Check the API URL (--api-url, YOURSPACE_API_URL or the profile's): it must be the API's base URL, where GET ${whoami} answers JSON.`,
  },
  {
    code: "NOT_AN_EMULATOR",
    says: emulatorErrors.notAnEmulator(ARG),
    cli: () => "Use --local for the embedded emulator on this data directory, or point --api-url at the API of: yourspace kv emulator start",
  },
  { code: "USAGE", says: emulatorErrors.clockModeUnknown(ARG), cli: () => "Use: yourspace kv emulator clock manual (or real)" },
  {
    code: "UNAUTHENTICATED",
    says: remoteErrors.noToken(ARG),
    cli: () => "Log in with: yourspace login (or set YOURSPACE_TOKEN); use --local for the embedded emulator.",
  },
  {
    code: "NOT_FOUND",
    says: remoteErrors.profileUnknown(ARG, ARG, ARG),
    on: "message",
    cli: ({ hint: [known], message: [name] }) => `${known} Create it with: yourspace login --profile ${shellQuote(name!)}`,
  },
  {
    code: "USAGE",
    says: remoteErrors.userConfigDamaged(ARG, ARG),
    cli: () => "Fix it, or remove it and log in again with: yourspace login",
  },
  {
    code: "NOT_FOUND",
    says: remoteErrors.profileMissing(ARG),
    on: "message",
    cli: ({ message: [name] }) => `Create it with: yourspace login --profile ${name}`,
  },
  {
    code: "UNAUTHENTICATED",
    says: remoteErrors.tokenForOtherUrl(ARG, ARG, ARG, ARG, undefined),
    cli: ({ hint: [url] }) =>
      `To use ${url}, log in there (${commandLine("yourspace", "login", "--api-url", url!, "--profile", "<name>")}) or give its token with --token or YOURSPACE_TOKEN; --local uses the embedded emulator.`,
  },
  {
    code: "UNAUTHENTICATED",
    says: remoteErrors.tokenForOtherUrl(ARG, ARG, ARG, ARG, ARG),
    cli: ({ hint: [other, url] }) => `Profile ${other} has a token for ${url}: YOURSPACE_PROFILE=${shellQuote(other!)}.`,
  },
  {
    code: "NOT_FOUND",
    says: remoteErrors.embeddedSiteUnknown(ARG, ARG, ARG, ARG),
    on: "message",
    cli: ({ hint: [known], message: [site] }) =>
      `${known} A site is created with its first token: ${commandLine("yourspace", "kv", "emulator", "token", "create", "--site", site!)}`,
  },

  {
    says: outcomeErrors.importEntriesFailed({ code: "USAGE", key: ARG, where: ARG, message: ARG }, 0, 0, false, undefined),
    cli: () => "Run the same import again to retry only what is missing; --report <file> records the outcome of every entry.",
  },
  {
    code: "NAMESPACE_NOT_FOUND",
    says: outcomeErrors.importStopped(errors.namespaceMissing(ARG), ARG, false),
    cli: ({ hint: [name] }) =>
      `Create it with: ${commandLine("yourspace", "kv", "namespace", "create", name!)} (or name one that exists with -n), then run the same import again.`,
  },
  {
    says: outcomeErrors.changeHalfDone(errors.usage(ARG), "binding", ARG, ARG),
    cli: () => "Make the file writable and run the same bind again, or remove the binding with yourspace kv unbind.",
  },
];
