import type { DeleteOptions, DeleteResult, GetResult, IncrOptions, IncrResult } from "../core/backend.js";
import { isVersionText, type Condition } from "../core/condition.js";
import { conditionErrors } from "../core/condition-errors.js";
import { parseIncrement } from "../core/int64.js";
import { validateKey } from "../core/validate.js";
import { conditionHeaders, counterBody, isCounter, isDeleteResult, paths, QUERY, type WireCounter, type WireDelete } from "../contract/index.js";
import { JSON_BODY, once } from "./request-headers.js";
import type { Transport } from "./transport.js";

/** A condition's version is checked as the embedded target checks it: a typo is bad input, not a failed condition. */
export function checkVersion(onlyIf: Condition | undefined): void {
  if (onlyIf !== undefined && onlyIf.version !== null && !isVersionText(onlyIf.version)) throw conditionErrors.versionInvalid(onlyIf.version);
}

/** A removal with a condition: one key, by the value's own route, its condition as a precondition header. */
export async function deleteIf(
  http: Transport,
  site: string,
  ns: string,
  keys: readonly string[],
  options: DeleteOptions & { onlyIf: Condition },
  readAtHome: (key: string) => Promise<GetResult>,
): Promise<DeleteResult> {
  keys.forEach(validateKey);
  checkVersion(options.onlyIf);
  const count = new Set(keys).size;
  if (count !== 1) throw conditionErrors.conditionNeedsOneKey(count);
  const key = keys[0]!;
  // The API's removal has no dry run: a strong read answers what home holds now, as the embedded dry run does.
  if (options.dryRun && options.onlyIf.version !== null) {
    const { entry } = await readAtHome(key);
    const current = entry === null ? null : entry.version;
    if (current !== options.onlyIf.version) throw conditionErrors.conditionFailed(key, options.onlyIf.version, current);
    return { deleted: [key], missing: [], version: null };
  }
  const res = await http.call({
    method: "DELETE",
    path: paths.value(site, ns, key),
    query: { [QUERY.region]: options.region, [QUERY.force]: options.force ? "true" : undefined },
    headers: { ...once(), ...conditionHeaders(options.onlyIf) },
    repeatable: true,
  });
  return http.json<WireDelete>(res, isDeleteResult);
}

/** An increment at home, by the counter's route. */
export async function increment(http: Transport, site: string, ns: string, key: string, options: IncrOptions): Promise<IncrResult> {
  validateKey(key);
  // Checked here as the engine checks it, so that the message is the embedded target's.
  if (options.by !== undefined) parseIncrement(options.by);
  const res = await http.call({
    method: "POST",
    path: paths.counter(site, ns, key),
    query: { [QUERY.region]: options.region },
    body: counterBody(options.by, options.ttlSeconds),
    // Retried with the same key, an increment is added once.
    headers: { ...JSON_BODY, ...once() },
    repeatable: true,
  });
  return http.json<WireCounter>(res, isCounter);
}
