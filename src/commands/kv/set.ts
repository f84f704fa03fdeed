import type { PutInput } from "../../core/backend.js";
import { isVersionText, type Condition } from "../../core/condition.js";
import { parseTimestamp, parseTtlSeconds } from "../../core/duration.js";
import { inputErrors } from "../../core/input-errors.js";
import { errors } from "../../core/errors.js";
import { conditionErrors } from "../../core/condition-errors.js";
import { parseMetadata } from "../../core/validate.js";
import type { Handler } from "../context.js";
import { readLimited, readValueFile } from "../../terminal/input.js";
import { formatBytes } from "../../terminal/format.js";

interface SetOptions {
  namespace: string;
  file?: string;
  ttl?: string;
  expiresAt?: string;
  metadata?: string;
  region?: string;
  ifAbsent?: boolean;
  ifVersion?: string;
}

export const run: Handler<SetOptions> = async (ctx, args, opts) => {
  const key = args.key as string;
  // Checked before the value is read: stdin is read once, and a refused command must not consume it.
  const onlyIf = conditionOf(opts);
  // stdin is made only if the value comes from it: making it loads Node's stream classes.
  const input: PutInput = { value: await readValue(() => ctx.io.stdin, args.value as string | undefined, opts.file, ctx.io.cwd) };
  if (opts.ttl !== undefined && opts.expiresAt !== undefined) throw inputErrors.expiryConflict();
  if (opts.ttl !== undefined) input.ttlSeconds = parseTtlSeconds(opts.ttl, "--ttl");
  if (opts.expiresAt !== undefined) input.expiresAt = parseTimestamp(opts.expiresAt);
  if (opts.metadata !== undefined) input.metadata = parseMetadata(opts.metadata);

  const backend = await ctx.backend();
  const result = await backend.put(opts.namespace, key, input, { region: opts.region ?? ctx.io.env.YOURSPACE_REGION, ...(onlyIf && { onlyIf }) });
  if (ctx.out.json) {
    await ctx.out.printJson({ key, namespace: opts.namespace, version: result.version, size: input.value.byteLength, region: result.region });
  } else {
    ctx.out.success(`Set ${key} in ${opts.namespace} (${formatBytes(input.value.byteLength)}, version ${result.version})`);
  }
};

/** The write's condition from --if-absent or --if-version (one at most), checked as every target checks a version. */
function conditionOf(opts: SetOptions): Condition | undefined {
  if (opts.ifAbsent && opts.ifVersion !== undefined) throw errors.usage("Give --if-absent or --if-version, not both: a key cannot be absent and at a version.");
  if (opts.ifAbsent) return { version: null };
  if (opts.ifVersion === undefined) return undefined;
  if (!isVersionText(opts.ifVersion)) throw conditionErrors.versionInvalid(opts.ifVersion);
  return { version: opts.ifVersion };
}

async function readValue(
  stdin: () => NodeJS.ReadableStream & { isTTY?: boolean },
  value: string | undefined,
  file: string | undefined,
  cwd: string,
): Promise<Buffer> {
  if (file !== undefined) {
    if (value !== undefined) throw errors.usage("Give the value either as an argument or with --file, not both.");
    return readValueFile(file, cwd);
  }
  if (value === "-" || (value === undefined && stdin().isTTY !== true)) return readLimited(stdin() as import("node:stream").Readable);
  if (value === undefined) {
    throw errors.usage("No value given.", 'Pass it as an argument, with --file <path>, or on stdin ("-").');
  }
  return Buffer.from(value, "utf8");
}
