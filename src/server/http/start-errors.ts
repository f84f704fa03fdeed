import { describeThrown, errors, KvError } from "../../core/errors.js";

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
      return errors.usage(`Port ${port} is already in use.`, "Choose another with --port, or --port 0 for any free port.");
    case "EACCES":
    case "EPERM":
      return errors.usage(`This user may not listen on port ${port} of ${host} (${reason}).`, "Use a port from 1024 up, or --port 0 for any free port.");
    case "EADDRNOTAVAIL":
      return errors.usage(
        `${host} is not an address of this machine, so the emulator cannot listen on it (${reason}).`,
        "Give --host an address this machine has, 0.0.0.0 for all of them, or leave it out for 127.0.0.1.",
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
      return errors.usage(
        `--host "${host}" is neither an IP address nor a name this machine can resolve (${reason}).`,
        "Give an IP address, such as 127.0.0.1 or 0.0.0.0.",
      );
    case "EAFNOSUPPORT":
    case "EINVAL":
      return errors.usage(`The emulator cannot listen on ${host} here (${reason}).`, "Give --host an IPv4 address, such as 127.0.0.1, or leave it out.");
    default:
      return new KvError(
        "UNAVAILABLE",
        `The emulator could not listen on ${host}:${port}: ${reason}.`,
        "Check --host and --port, or try --port 0 for any free port.",
      );
  }
}

/** Any other failure while the server starts: opening the data directory, most often. */
export function startFailure(e: unknown, dataDir: string): KvError {
  if (e instanceof KvError) return e;
  const { syscall, path } = (e ?? {}) as SystemError;
  // The file system refused the data directory (mkdir, open, ...): the store cannot be opened.
  if (typeof syscall === "string" && typeof path === "string") return errors.dataDirUnusable(dataDir, describeThrown(e));
  return new KvError(
    "UNAVAILABLE",
    `The emulator could not start: ${describeThrown(e)}.`,
    "Check --data-dir (or YOURSPACE_DATA_DIR), --host and --port; YOURSPACE_DEBUG=1 shows more.",
  );
}
