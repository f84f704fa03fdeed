import { EventEmitter } from "node:events";
import { fstatSync, statSync, writeSync } from "node:fs";
import { devNull } from "node:os";

/**
 * What the CLI writes to: Node's stream for a terminal, a DescriptorOutput otherwise, or whatever a
 * test gives it. A Writable is one.
 */
export interface OutputStream {
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  on(event: "error", listener: (error: Error) => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
  once(event: "drain", listener: () => void): unknown;
  isTTY?: boolean;
  columns?: number;
}

type WriteBytes = (fd: number, bytes: Uint8Array, offset: number, length: number) => number;

/**
 * Standard output or error when it is a pipe, a socket, a file or /dev/null: written with write(2),
 * as Node writes these on Linux too (synchronously), but without making Node's stream for it. Making
 * that stream loads Node's stream classes, and for a pipe its network ones: 3–5 ms of every command
 * whose output a script reads (`$(yourspace kv get k)`, `| jq`).
 *
 * A descriptor another process left non-blocking can refuse a write until its reader catches up
 * (EAGAIN): from then on Node's own stream, which waits for it, carries the output, after everything
 * already written. A write that fails otherwise (EPIPE: the reader went away; EFBIG, ENOSPC: no room)
 * is reported as Node's stream reports it: to the write's callback, then as an "error" event.
 */
export class DescriptorOutput extends EventEmitter implements OutputStream {
  readonly isTTY = false;
  private failure: Error | undefined;
  private stream: OutputStream | undefined;

  constructor(
    private readonly fd: number,
    /** Node's stream for the descriptor (process.stdout), made only if a write would block. */
    private readonly nodeStream: () => OutputStream,
    private readonly writeBytes: WriteBytes = writeSync,
  ) {
    super();
  }

  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean {
    if (this.stream) return this.stream.write(chunk, callback);
    if (this.failure) return this.fail(this.failure, callback, false);
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let written = 0;
    try {
      while (written < bytes.length) written += this.writeBytes(this.fd, bytes, written, bytes.length - written);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") return this.handOver().write(bytes.subarray(written), callback);
      this.failure = e as Error;
      return this.fail(this.failure, callback, true);
    }
    if (callback) process.nextTick(callback, null);
    return true;
  }

  /** Node's order: the write's callback, then (the first time) the stream's "error". */
  private fail(error: Error, callback: ((error?: Error | null) => void) | undefined, first: boolean): false {
    process.nextTick(() => {
      callback?.(error);
      if (first) this.emit("error", error);
    });
    return false;
  }

  private handOver(): OutputStream {
    const stream = this.nodeStream();
    stream.on("error", (e) => this.emit("error", e));
    (stream as unknown as EventEmitter).on("drain", () => this.emit("drain"));
    this.stream = stream;
    return stream;
  }
}

/**
 * Standard output (1) or error (2) as the CLI writes it: a DescriptorOutput unless it is a terminal
 * (or something else this cannot tell from one), which gets Node's own stream for colour, width and
 * prompts.
 */
export function standardOutput(fd: number, nodeStream: () => OutputStream): OutputStream {
  return process.platform !== "win32" && writtenDirectly(fd) ? new DescriptorOutput(fd, nodeStream) : nodeStream();
}

function writtenDirectly(fd: number): boolean {
  try {
    const stats = fstatSync(fd);
    if (stats.isFIFO() || stats.isSocket() || stats.isFile()) return true;
    // A terminal is a character device too; /dev/null is the one told apart, by its device number.
    return stats.isCharacterDevice() && stats.rdev === statSync(devNull).rdev;
  } catch {
    return false;
  }
}
