import { KvError, type errors } from "../core/errors.js";

type Catalogue = typeof errors;

/** For a catalogue entry: the hint a CLI user sees instead of the platform's, from the entry's arguments. */
type Advice = { [Entry in keyof Catalogue]?: (...args: Parameters<Catalogue[Entry]>) => string | undefined };

const metadataExample = `Pass a JSON object, for example --metadata '{"owner":"web"}'.`;
const dataDirFlags = "--data-dir or YOURSPACE_DATA_DIR";

/**
 * The CLI's own advice. The catalogue's texts are the platform's (the API and the SDK show them to
 * people who have no CLI), so they say what to send; at a terminal, the flag that sends it says more.
 */
const ADVICE: Advice = {
  usage: (_message, hint) => (hint === undefined ? "Run the command with --help to see its usage." : undefined),
  metadataNotJson: () => metadataExample,
  metadataNotObject: () => metadataExample,
  ttlTooShort: () => "Use --ttl 60s or longer.",
  expiryTooSoon: () => "Give a later time, or use --ttl.",
  expiryTooFar: () => "Leave out --ttl and --expires-at for a value that never expires.",
  expiryConflict: () => "Choose one of --ttl and --expires-at.",
  limitInvalid: () => "Use --all to walk every page.",
  cursorInvalid: () => "Pass the cursor printed by the previous page of the same prefix, or leave --cursor out to start over.",
  namespaceProtected: (name) => `It always exists. To empty it, run: yourspace kv rm --prefix "" -n ${name}`,
  keysNotFound: () => "Use --force to remove the keys that exist and ignore the missing ones.",
  replaceNeedsForce: () => "Pass --force to replace it, or choose another file.",
  binaryToTerminal: () => "Save it with --output <file>, or send stdout to a file or a pipe; --output - prints it here anyway.",
  unknownRegion: (_region, regions) =>
    `The regions are ${regions.join(", ")}. Change them with: yourspace kv emulator config --regions <list> (the home region marked with *, as iad*,fra,sin)`,
  regionPartitioned: (region, _home, what) =>
    what === "read" ? `Read the region's own copy with --consistency eventual, or heal the link with: yourspace kv emulator heal ${region}` : undefined,
  dataDirUnusable: (_dir, _problem, hint) => (hint === undefined ? `Fix it, or choose another directory with ${dataDirFlags}.` : undefined),
  storeReadOnly: (dir) => `Reads still work. To write, give your user write access to ${dir}, or use another data directory (${dataDirFlags}).`,
};

/** The error as the CLI reports it: the catalogue's, with the CLI's own hint where it has one. */
export function withCliAdvice(e: KvError): KvError {
  const advise = e.origin && (ADVICE[e.origin.entry as keyof Catalogue] as ((...args: readonly unknown[]) => string | undefined) | undefined);
  const hint = advise?.(...e.origin!.args);
  if (hint === undefined) return e;
  const advised = new KvError(e.code, e.message, hint, e.details, e.exitCode);
  advised.origin = e.origin;
  return advised;
}
