import { errors, type KvError } from "../../src/core/errors.js";

/** Arguments for catalogue constructors whose parameters are not all strings; every other one gets "x" for each. */
const SAMPLE: Partial<Record<keyof typeof errors, unknown[]>> = {
  valueTooLarge: [2_000_000],
  keysNotFound: [["a", "b"], "default"],
  unknownRegion: ["mars", ["iad", "fra", "sin"]],
  regionPartitioned: ["sin", "iad", "write"],
  quota: ["local", "free", "keys", 100_000, 99_999, 2],
  interrupted: ["SIGINT", "Interrupted.", "Run the same command again."],
  namespaceNotFound: ["Default"],
  binaryToTerminal: ["logo.png", 2_048, "not UTF-8"],
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
  partiallyApplied: [{ action: "remove", namespace: "default", done: ["a"], unknown: ["b"], notDone: ["c"], cause: errors.usage("Refused.") }],
};

/** More argument lists for entries whose texts differ by them. */
const VARIANTS: Partial<Record<keyof typeof errors, unknown[][]>> = {
  regionPartitioned: [["sin", "iad", "read"]],
  namespaceNotFound: [["flags"], ["UPPER-case!"]],
  conditionFailed: [
    ["flag", "00000000000000000001", null],
    ["flag", "00000000000000000001", "0000000000000000002a"],
  ],
  bindingMissing: [["/admin/*", "default", []]],
};

/** Every entry of the catalogue, made with sample arguments (each variant of the entries that have some). */
export function catalogueSamples(): { name: keyof typeof errors; args: unknown[]; error: KvError }[] {
  return (Object.entries(errors) as [keyof typeof errors, (...a: unknown[]) => KvError][]).flatMap(([name, make]) =>
    [SAMPLE[name] ?? Array.from({ length: make.length }, () => "x"), ...(VARIANTS[name] ?? [])].map((args) => ({ name, args, error: make(...args) })),
  );
}
