import { apiErrors } from "../../core/api-errors.js";
import { describeThrown } from "../../core/describe-thrown.js";
import { KvError } from "../../core/errors.js";
import { environmentErrors } from "../../core/environment-errors.js";

/**
 * Why the emulator's server could not start, as catalogue errors with a next step: the data
 * directory (the address is core/listen-errors.ts). Whatever else stops it is still reported in
 * words, never as "[object Object]".
 */

type SystemError = { syscall?: unknown; path?: unknown };

/** Any other failure while the server starts: opening the data directory, most often. */
export function startFailure(e: unknown, dataDir: string): KvError {
  if (e instanceof KvError) return e;
  const { syscall, path } = (e ?? {}) as SystemError;
  // The file system refused the data directory (mkdir, open, ...): the store cannot be opened.
  if (typeof syscall === "string" && typeof path === "string") return environmentErrors.dataDirUnusable(dataDir, describeThrown(e));
  return apiErrors.startFailed(describeThrown(e));
}
