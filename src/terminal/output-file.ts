import type { FileHandle } from "node:fs/promises";
// node:fs loads its promises API on first use; node:fs/promises would load it (and readline) at start-up.
import { existsSync, promises as fs, type Stats, type WriteStream } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { errors, KvError } from "../core/errors.js";
import { isStoreFile } from "../core/store-files.js";
import { fromSystemError } from "../core/system-errors.js";
import { escapeControls } from "../core/escape.js";
import { writeTo } from "./io.js";

export interface OutputFileOptions {
  /** What a relative path is relative to (the command's working directory). */
  cwd?: string;
  /** Whether a file that exists may be replaced: --force says yes; otherwise a person is asked, if there is one. */
  force?: boolean;
  /** Asks a person; undefined when there is nobody to ask. */
  confirm?: (question: string) => Promise<boolean>;
  /** The data directory whose store files (core/store-files.ts) are never written, however they are named. */
  dataDir?: string;
}

/**
 * Paths that stand for a stream this process already has (/dev/stdout, /dev/fd/3, /proc/self/fd/1)
 * or for the kernel's files: written in place. /dev/shm and the like hold ordinary files.
 */
const STREAM_ALIAS = /^\/(proc\/|dev\/(stdout|stderr|fd\/))/;

/**
 * A file the CLI writes (an export, a value, an import's report) that appears whole or not at all. It
 * is written beside its target under a temporary name and renamed over the target by commit(); abort()
 * removes it and leaves the target as it was. A file that exists is replaced only with --force or
 * after a person said yes, and the new one keeps its mode (and its owner and group, where the
 * system lets us). A symbolic link stays a link: the file it points to is replaced. A target that is
 * not a regular file (a named pipe), or is one of a process's streams by name (/dev/stdout,
 * /dev/fd/N, /proc/…), is written in place, as a shell's redirection would, without asking. A target
 * that cannot be written, or that is one of the store's own files, is reported by create(), before
 * any work starts.
 */
export class OutputFile {
  private failure: Error | undefined;

  private constructor(
    /** The path as the user gave it. */
    readonly path: string,
    /** The file that is replaced. */
    private readonly target: string,
    /** Where the stream writes; null when it writes the target itself. */
    private readonly temp: string | null,
    readonly stream: WriteStream,
  ) {
    // Kept for commit(): a write that fails (a full disk) must not crash the process from an event.
    stream.on("error", (e) => (this.failure ??= e));
  }

  /** Opens `path` (as the user wrote it: messages name it so) for writing. */
  static async create(path: string, options: OutputFileOptions = {}): Promise<OutputFile> {
    const full = resolve(options.cwd ?? ".", path);
    if (options.dataDir !== undefined && isStoreFile(full, options.dataDir)) throw errors.storeFileNamed(path, options.dataDir);
    let existing: Stats | undefined;
    try {
      existing = await fs.stat(full).catch(() => undefined);
      if (existing?.isDirectory()) throw Object.assign(new Error(path), { code: "EISDIR" });
      // A device or pipe, or /dev/stdout and its kind, even when they lead to a regular file.
      const inPlace = existing && (!existing.isFile() || STREAM_ALIAS.test(full));
      if (inPlace) return new OutputFile(path, full, null, (await fs.open(full, "w")).createWriteStream());
    } catch (e) {
      throw fileFailure(e, path, full);
    }
    if (existing) await mayReplace(path, options);
    try {
      const target = existing ? await fs.realpath(full) : full;
      const temp = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
      const handle = await openTemp(temp, existing);
      return new OutputFile(path, target, temp, handle.createWriteStream());
    } catch (e) {
      throw fileFailure(e, path, full);
    }
  }

  /** Writes `chunk` to the file; a failure is reported as the file's (fileFailure), and the file is dropped. */
  async write(chunk: string | Uint8Array): Promise<void> {
    try {
      await writeTo(this.stream, chunk);
    } catch (e) {
      await this.abort();
      throw fileFailure(e, this.path, this.target);
    }
  }

  /** Finishes writing and puts the file in place of its target. */
  async commit(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => this.stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
      if (this.failure) throw this.failure;
      if (this.temp !== null) await fs.rename(this.temp, this.target);
    } catch (e) {
      if (this.temp !== null) await fs.rm(this.temp, { force: true });
      throw fileFailure(e, this.path, this.target);
    }
  }

  /** Drops what was written. */
  async abort(): Promise<void> {
    if (!this.stream.closed) {
      const closed = new Promise<void>((resolve) => this.stream.once("close", () => resolve()));
      this.stream.destroy();
      await closed;
    }
    if (this.temp !== null) await fs.rm(this.temp, { force: true });
  }
}

async function mayReplace(path: string, { force, confirm }: OutputFileOptions): Promise<void> {
  if (force) return;
  if (!confirm) throw errors.replaceNeedsForce(path);
  if (!(await confirm(`Replace ${escapeControls(path)}?`))) throw errors.cancelled();
}

/**
 * The temporary file, created afresh (never through a link someone left at its name). In place of
 * a file that exists it is private until it has that file's mode, so content meant for the owner
 * alone is never readable by others on the way.
 */
async function openTemp(temp: string, existing: Stats | undefined): Promise<FileHandle> {
  const create = () => fs.open(temp, "wx", existing ? 0o600 : 0o666);
  let handle: FileHandle;
  try {
    handle = await create();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // Left by a process of ours that died with the same pid.
    await fs.rm(temp, { force: true });
    handle = await create();
  }
  if (existing) {
    try {
      // Owner and group first: changing them may clear the set-id bits that chmod then restores.
      await handle.chown(existing.uid, existing.gid).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EPERM" && e.code !== "EINVAL") throw e;
      });
      await handle.chmod(existing.mode & 0o7777);
    } catch (e) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw e;
    }
  }
  return handle;
}

/** What the environment refused a file, as the catalogue says it for any file. */
const ENVIRONMENT_CODES: readonly string[] = ["DISK_FULL", "IO_ERROR", "RESOURCE_LIMIT"];

/**
 * A failure to open or write `path` (as the user wrote it; `full` resolved), naming it and never its
 * temporary name: a full disk or a file past the size limit is DISK_FULL, a failing device IO_ERROR,
 * the system's limits RESOURCE_LIMIT, as for the store's files; anything else is FILE_ERROR with the reason.
 */
function fileFailure(e: unknown, path: string, full: string): KvError {
  if (e instanceof KvError) return e;
  const failure = e as NodeJS.ErrnoException;
  const system = fromSystemError({ code: failure.code, message: failure.message, syscall: failure.syscall }, { subject: path });
  if (system && ENVIRONMENT_CODES.includes(system.code)) return system;
  return errors.file(path, reasonOf(failure, path, full));
}

/** Why `path` (as the user wrote it; `full` resolved) cannot be written, in words. */
function reasonOf(e: NodeJS.ErrnoException, path: string, full = path): string {
  switch (e.code) {
    case "ENOENT":
    case "ENOTDIR":
      // /proc and its kind answer ENOENT to a new file in a directory that is there.
      return existsSync(dirname(full)) ? `no file can be created in ${dirname(path)}` : `its directory ${dirname(path)} does not exist`;
    case "EISDIR":
      return "it is a directory";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "permission denied";
    default:
      return e.message;
  }
}
