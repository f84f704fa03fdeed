import { KvError } from "./errors.js";

/**
 * The catalogue's entries for the environment: the data directory, its disk, the system, the
 * network. Never a bug, and never bad input: the target cannot be used as it is. system-errors.ts
 * says which failure of the system becomes which; the codes and their exit codes are in errors.ts.
 */
export const environmentErrors = {
  storeBusy: (dir: string) =>
    new KvError(
      "UNAVAILABLE",
      `The local store in ${dir} stayed locked by another process for too long.`,
      "Another yourspace process is holding a long write. Wait for it to finish, then run the command again.",
    ),
  projectFileBusy: (path: string, holder: number | undefined, lock: string) =>
    new KvError(
      "UNAVAILABLE",
      `Another yourspace command${holder === undefined ? "" : ` (process ${holder})`} is changing ${path}, and did not finish in time; nothing was changed.`,
      `Wait for it to finish, then run the command again. If no yourspace command is running, remove ${lock}.`,
    ),
  dataDirUnusable: (dir: string, problem: string, hint: string = "Fix it, or choose another data directory.") =>
    new KvError("DATA_DIR_UNUSABLE", `The data directory ${dir} cannot be used: ${problem}.`, hint),
  storeReadOnly: (dir: string, reason: string) =>
    new KvError(
      "STORE_READ_ONLY",
      `The local store in ${dir} is read-only (${reason}); this command writes to it, so nothing was changed.`,
      `Reads still work. To write, give your user write access to ${dir}, or use another data directory.`,
    ),
  storeReadOnlyRecording: (dir: string, reason: string) =>
    new KvError(
      "STORE_READ_ONLY",
      `The local store in ${dir} is read-only (${reason}), and its operations are being recorded, which writes to it; nothing was done.`,
      `Recording needs write access: give your user write access to ${dir}, or have a user who may write turn recording off.`,
    ),
  storeCorrupt: (dir: string, detail: string) =>
    new KvError(
      "STORE_CORRUPT",
      `The local store in ${dir} is damaged (${detail}).`,
      `Keep a copy of ${dir}, then move kv.sqlite and kv.sqlite-wal out of it to start an empty store; sqlite3's .recover command may save what is left.`,
    ),
  diskFull: (where: string, detail: string) =>
    new KvError(
      "DISK_FULL",
      `There is no room to write ${where} (${detail}); the write that needed it was not completed.`,
      "Free some space on that disk (or raise the quota or file size limit), then run the command again.",
    ),
  ioError: (where: string, detail: string) =>
    new KvError(
      "IO_ERROR",
      `The device holding ${where} failed to read or write (${detail}).`,
      "Check the disk, its free space and the file size limit (ulimit -f); dmesg shows device errors. Then run the command again.",
    ),
  networkFailure: (what: string, detail: string) =>
    new KvError("UNAVAILABLE", `The network failed (${what}): ${detail}.`, "Check that the server is running and reachable, then run the command again."),
  resourceLimit: (detail: string) =>
    new KvError(
      "RESOURCE_LIMIT",
      `The system refused a resource this command needs: ${detail}.`,
      "Close other programs, or raise the limit (ulimit -n for open files), then run the command again.",
    ),
};
