import { resolve } from "node:path";
// node:fs loads its promises API on first use; node:fs/promises would load it (and readline) at start-up.
import { promises as fs } from "node:fs";
import type { Readable } from "node:stream";
import { inputErrors } from "../core/input-errors.js";
import { errors } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";

/** Past the limit, input is still counted (not kept) up to here, so the error can give the real size. */
const COUNT_UP_TO = 64 * 1_048_576;

/**
 * Reads all of a stream, keeping at most `limit` bytes. An oversized input is counted, without being
 * kept, so the error names its real size; past 64 MiB reading stops and the error says "more than".
 */
export async function readLimited(stream: Readable, limit: number = LIMITS.maxValueBytes): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    if (total <= limit) chunks.push(buf);
    else if (total > COUNT_UP_TO) {
      stream.destroy();
      throw inputErrors.valueTooLarge(COUNT_UP_TO, true);
    }
  }
  if (total > limit) throw inputErrors.valueTooLarge(total);
  return Buffer.concat(chunks, total);
}

/** Reads a file byte for byte, refusing one over the value limit before reading it. `path` is found from `cwd`, the command's directory. */
export async function readValueFile(path: string, cwd: string): Promise<Buffer> {
  const at = resolve(cwd, path);
  let size: number;
  try {
    const info = await fs.stat(at);
    if (info.isDirectory()) throw errors.file(path, "it is a directory");
    size = info.size;
  } catch (e) {
    throw asFileError(e, path);
  }
  if (size > LIMITS.maxValueBytes) throw inputErrors.valueTooLarge(size);
  try {
    const handle = await fs.open(at, "r");
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
