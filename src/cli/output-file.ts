import type { WriteStream } from "node:fs";
import { open, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { errors } from "../core/errors.js";

/**
 * A file the CLI writes (an export, an import's report) that appears whole or not at all. It is
 * written beside its target under a temporary name and renamed over the target by commit(); abort()
 * removes it and leaves the target as it was. A symbolic link stays a link: the file it points to is
 * replaced. A target that is not a regular file (a named pipe), or is under /dev or /proc
 * (/dev/stdout), is written in place, as a shell's redirection would. A target that cannot be written is reported by create(), before any
 * work starts.
 */
export class OutputFile {
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    /** Where the stream writes; null when it writes the target itself. */
    private readonly temp: string | null,
    readonly stream: WriteStream,
  ) {
    // Kept for commit(): a write that fails (a full disk) must not crash the process from an event.
    stream.on("error", (e) => (this.failure ??= e));
  }

  static async create(path: string): Promise<OutputFile> {
    try {
      const existing = await stat(path).catch(() => undefined);
      if (existing?.isDirectory()) throw Object.assign(new Error(path), { code: "EISDIR" });
      // A device or pipe, or /dev/stdout and its kind, even when they lead to a regular file.
      const inPlace = existing && (!existing.isFile() || /^\/(dev|proc)\//.test(path));
      if (inPlace) return new OutputFile(path, null, (await open(path, "w")).createWriteStream());
      const target = existing ? await realpath(path) : path;
      const temp = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
      const handle = await open(temp, "w");
      return new OutputFile(target, temp, handle.createWriteStream());
    } catch (e) {
      throw errors.file(path, reasonOf(e as NodeJS.ErrnoException, path));
    }
  }

  /** Finishes writing and puts the file in place of its target. */
  async commit(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => this.stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
      if (this.failure) throw this.failure;
      if (this.temp !== null) await rename(this.temp, this.path);
    } catch (e) {
      if (this.temp !== null) await rm(this.temp, { force: true });
      throw errors.file(this.path, reasonOf(e as NodeJS.ErrnoException, this.path));
    }
  }

  /** Drops what was written. */
  async abort(): Promise<void> {
    if (!this.stream.closed) {
      const closed = new Promise<void>((resolve) => this.stream.once("close", () => resolve()));
      this.stream.destroy();
      await closed;
    }
    if (this.temp !== null) await rm(this.temp, { force: true });
  }
}

function reasonOf(e: NodeJS.ErrnoException, path: string): string {
  switch (e.code) {
    case "ENOENT":
    case "ENOTDIR":
      return `its directory ${dirname(path)} does not exist`;
    case "EISDIR":
      return "it is a directory";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "permission denied";
    case "ENOSPC":
      return "the disk is full";
    default:
      return e.message;
  }
}
