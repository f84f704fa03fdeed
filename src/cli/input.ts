import { open, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { errors } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";

/**
 * Reads all of a stream, but never more than the value limit plus one byte: an oversized input is
 * reported with its size class without buffering gigabytes.
 */
export async function readLimited(stream: Readable, limit: number = LIMITS.maxValueBytes): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buf);
    total += buf.length;
    if (total > limit) {
      stream.destroy();
      throw errors.valueTooLarge(total);
    }
  }
  return Buffer.concat(chunks, total);
}

/** Reads a file byte for byte, refusing one over the value limit before reading it. */
export async function readValueFile(path: string): Promise<Buffer> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw errors.file(path, "it is a directory");
    size = info.size;
  } catch (e) {
    throw asFileError(e, path);
  }
  if (size > LIMITS.maxValueBytes) throw errors.valueTooLarge(size);
  try {
    const handle = await open(path, "r");
    try {
      return await readLimited(handle.createReadStream({ autoClose: false }));
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw asFileError(e, path);
  }
}

function asFileError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return errors.file(path, "it does not exist");
  if (code === "EACCES" || code === "EPERM") return errors.file(path, "permission denied");
  if (code === "EISDIR") return errors.file(path, "it is a directory");
  return e;
}
