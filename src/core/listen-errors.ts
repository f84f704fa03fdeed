import { apiErrors } from "./api-errors.js";
import { describeThrown } from "./describe-thrown.js";
import type { KvError } from "./errors.js";

/**
 * Why a local server (the emulator's API, the KV browser's host, yourspace dev) could not listen on
 * the address it was asked for, as a catalogue error with a next step.
 */
/** A failure to listen on host:port. */
export function listenFailure(e: unknown, host: string, port: number): KvError {
  const { code } = (e ?? {}) as { code?: unknown };
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
