import { apiErrors } from "../../src/core/api-errors.js";
import { conditionErrors } from "../../src/core/condition-errors.js";
import { edgeErrors } from "../../src/core/edge-errors.js";
import { inputErrors } from "../../src/core/input-errors.js";
import { environmentErrors } from "../../src/core/environment-errors.js";
import { errors, type KvError } from "../../src/core/errors.js";
import { outcomeErrors } from "../../src/core/outcome-errors.js";
import { remoteErrors } from "../../src/core/remote-errors.js";

/** Every part of the catalogue: the entries of errors.ts and of the files beside it that make errors of its codes. */
const CATALOGUE = { errors, inputErrors, environmentErrors, apiErrors, remoteErrors, outcomeErrors, conditionErrors, edgeErrors };

type EntryName = { [Part in keyof typeof CATALOGUE]: keyof (typeof CATALOGUE)[Part] }[keyof typeof CATALOGUE];

const cause = errors.usage("Refused.");

/** Arguments for catalogue constructors whose parameters are not all strings; every other one gets "x" for each. */
const SAMPLE: Partial<Record<EntryName, unknown[]>> = {
  relayed: ["USAGE", "Refused.", "Check the request."],
  functionBuildFailed: ["functions/home.ts:3:1", 'Expected ")" but found "}"', 1, "};", { file: "functions/home.ts", line: 3, column: 1 }],
  valueTooLarge: [2_000_000],
  keysNotFound: [["a", "b"], "default"],
  keyNotFound: ["a", "default"],
  edgeStoreSwitchHeld: ["replicas", "caches", ["fra"]],
  tokenTextInvalid: [200],
  unknownRegion: ["mars", ["iad", "fra", "sin"]],
  regionPartitioned: ["sin", "iad", "write"],
  quota: ["local", "free", "keys", 100_000, 99_999, 2],
  interrupted: ["SIGINT", "Interrupted.", "Run the same command again."],
  namespaceNotFound: ["Default"],
  binaryToTerminal: ["logo.png", 2_048, "not UTF-8"],
  partiallyApplied: [{ action: "remove", namespace: "default", done: ["a"], unknown: ["b"], notDone: ["c"], cause }],
  prefixPartlyRemoved: [{ namespace: "default", prefix: "tmp/", removed: 1_000, counted: 2_500, cause }],
  importStopped: [cause, "after writing 2 entries", true],
  importEntriesFailed: [{ code: "INVALID_KEY", key: "a", where: "line 1", message: "The key is empty." }, 1, 3, false, undefined],
  changeUndone: [cause, "binding"],
  changeHalfDone: [cause, "binding", "EACCES", "yourspace.jsonc"],
  tokenForOtherUrl: ["work", "https://a.example", "https://b.example", "YOURSPACE_API_URL", undefined],
  serverEnded: [true, "the thread ended"],
  portInUse: [8787],
  portForbidden: [80, "127.0.0.1", "EACCES"],
  listenFailed: ["127.0.0.1", 8787, "EIO"],
  apiInTrouble: ["https://api.example", 502, "text/html, 10 bytes"],
  idempotencyKeyTooLong: [300, 255],
  bodyTooLarge: [2_000_000, 1_048_576],
  tooManyKeys: [10_000, 10_001],
  tooManyEntries: [10_000, 10_001],
  conditionFailed: ["flag", null, "0000000000000000002a"],
  batchConditionsFailed: [
    [
      { key: "a", expected: null, current: "0000000000000000002a" },
      { key: "b", expected: "00000000000000000001", current: null },
    ],
  ],
  notACounter: ["flag", "0000000000000000002a", "text", '"on"'],
  conditionNeedsOneKey: [2],
  bindingMissing: ["/admin/*", "FLAGS", ["default"]],
  bindingReadOnly: ["/admin/*", "default", "default"],
  namespaceBound: ["flags", [{ route: "/admin/*", variable: "FLAGS" }]],
  batchEntryInvalid: [1, "a", errors.usage("Refused.")],
};

/** More argument lists for entries whose texts differ by them. */
const VARIANTS: Partial<Record<EntryName, unknown[][]>> = {
  regionPartitioned: [
    ["sin", "iad", "read"],
    ["sin", "iad", "cache-miss"],
  ],
  namespaceNotFound: [["flags"], ["UPPER-case!"]],
  namespaceNameImpossible: [["Flags", undefined]],
  keyNotFound: [["a", "default", "edge sin"]],
  prefixPartlyRemoved: [[{ namespace: "default", prefix: "tmp/", removed: 1_000, counted: null, cause }]],
  importEntriesFailed: [[{ code: "INVALID_KEY", key: null, where: "line 1", message: "The key is empty." }, 1, 3, true, "report.ndjson"]],
  changeHalfDone: [[cause, "unbinding", "EACCES", "yourspace.jsonc"]],
  tokenForOtherUrl: [["work", "https://a.example", "https://b.example", "YOURSPACE_API_URL", "home"]],
  serverEnded: [[false, "the thread ended"]],
  conditionFailed: [
    ["flag", "00000000000000000001", null],
    ["flag", "00000000000000000001", "0000000000000000002a"],
  ],
  bindingMissing: [["/admin/*", "default", []]],
  namespaceBound: [["flags", Array.from({ length: 7 }, (_, i) => ({ route: `/r${i}/*`, variable: "FLAGS" }))]],
};

/** Every entry of the catalogue, made with sample arguments (each variant of the entries that have some). */
export function catalogueSamples(): { name: EntryName; args: unknown[]; error: KvError }[] {
  return Object.values(CATALOGUE).flatMap((part) =>
    (Object.entries(part) as [EntryName, (...a: unknown[]) => KvError][]).flatMap(([name, make]) =>
      [SAMPLE[name] ?? Array.from({ length: make.length }, () => "x"), ...(VARIANTS[name] ?? [])].map((args) => ({ name, args, error: make(...args) })),
    ),
  );
}
