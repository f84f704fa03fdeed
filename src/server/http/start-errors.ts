import { apiErrors } from "../../core/api-errors.js";
import { describeThrown } from "../../core/describe-thrown.js";
import { KvError } from "../../core/errors.js";
import { environmentErrors } from "../../core/environment-errors.js";

/**
 * Why the emulator's server could not start, as catalogue errors with a next step: the address it
 * was asked to listen on, or the data directory. Whatever else stops it is still reported in words,
 * never as "[object Object]".
 */

type SystemError = { code?: unknown; syscall?: unknown; message?: unknown; path?: unknown };

/** A failure to listen on host:port. */
export function listenFailure(e: unknown, host: string, port: number): KvError {
  const { code } = (e ?? {}) as SystemError;
  const reason = describeThrown(e);
  switch (code) {
    case "EADDRINUSE":
      return apiErrors.portInUse(port);
    case "EACCES":
    case "EPERM":
      return apiErrors.portForbidden(port, host, reason);
    case "EADDRNOTAVAIL":
      return apiErrors.hostNotLocal(host, reason);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
      return apiErrors.hostUnresolvable(host, reason);
    case "EAFNOSUPPORT":
    case "EINVAL":
      return apiErrors.hostUnsupported(host, reason);
    default:
      return apiErrors.listenFailed(host, port, reason);
  }
}

/** Any other failure while the server starts: opening the data directory, most often. */
export function startFailure(e: unknown, dataDir: string): KvError {
  if (e instanceof KvError) return e;
  const { syscall, path } = (e ?? {}) as SystemError;
  // The file system refused the data directory (mkdir, open, ...): the store cannot be opened.
  if (typeof syscall === "string" && typeof path === "string") return environmentErrors.dataDirUnusable(dataDir, describeThrown(e));
  return apiErrors.startFailed(describeThrown(e));
}
