import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import { MAX_ENTRY_TEXT_BYTES } from "./entry-text-limit.js";
import { indexOfByte, NextByte, type ByteSearch } from "./next-byte.js";
import { firstInvalidUtf8 } from "./utf8.js";

/**
 * Bytes read at a time: large reads keep a long line cheap to skip. Every read goes into the same
 * buffer: a buffer a read would hold lives until the collector finds it, which in an import thread
 * with a small young generation kept 50–70 MiB of them alive at once.
 */
const READ_BYTES = 1_048_576;

export type Line =
  | { number: number; offset: number; text: string }
  /** The line's bytes are not UTF-8: `at` is the first bad byte, counted from the line's start. */
  | { number: number; offset: number; invalidUtf8At: number }
  /** The line is longer than MAX_ENTRY_TEXT_BYTES: `bytes` is its whole length, never held. */
  | { number: number; offset: number; tooLong: number };

/**
 * Part of a file that starts at a line's start: `end` excluded. Its lines are numbered from 1 (a
 * thread checking half a file needs no number, only whether the lines are valid).
 */
export interface ByteRange {
  start: number;
  end?: number;
}

/**
 * The lines of a file, as a reader of NDJSON needs them: each checked as UTF-8 on its bytes, before
 * decoding (which would turn a bad byte into U+FFFD), and bounded in length. A line ends at \n, \r\n
 * or a lone \r; a UTF-8 byte order mark before the first line is skipped. Each byte is searched once
 * for each kind of line end, however many lines a read holds.
 */
export async function* readLines(path: string, search: ByteSearch = indexOfByte, range?: ByteRange): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let held = 0;
  let length = 0;
  let number = 1;
  let offset = range?.start ?? 0;
  let position = offset;
  let afterCr = false;
  const finish = (): Line => {
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
    let start = offset;
    if (offset === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
      start += 3;
    }
    const line: Line =
      length > MAX_ENTRY_TEXT_BYTES
        ? { number, offset, tooLong: length }
        : isUtf8(bytes)
          ? { number, offset, text: bytes.toString("utf8") }
          : { number, offset, invalidUtf8At: start - offset + firstInvalidUtf8(bytes) };
    parts = [];
    held = 0;
    length = 0;
    return line;
  };
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const end = range?.end ?? Number.POSITIVE_INFINITY;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(READ_BYTES, end - position), position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const lf = new NextByte(chunk, 0x0a, search);
      const cr = new NextByte(chunk, 0x0d, search);
      let at = 0;
      if (afterCr && chunk[0] === 0x0a) {
        at = 1;
        offset++;
      }
      afterCr = false;
      while (at < chunk.length) {
        const lineEnd = nearer(lf.at(at), cr.at(at));
        const stop = lineEnd === -1 ? chunk.length : lineEnd;
        length += stop - at;
        if (length <= MAX_ENTRY_TEXT_BYTES) {
          parts.push(chunk.subarray(at, stop));
          held += stop - at;
        } else if (held > 0) {
          parts = [];
          held = 0;
        }
        if (lineEnd === -1) break;
        yield finish();
        const crlf = chunk[lineEnd] === 0x0d && chunk[lineEnd + 1] === 0x0a;
        if (chunk[lineEnd] === 0x0d && lineEnd + 1 === chunk.length) afterCr = true;
        at = lineEnd + (crlf ? 2 : 1);
        number++;
        offset = position + at;
      }
      // The next read overwrites the buffer: a line that goes on past this read keeps a copy of its start.
      const last = parts.length - 1;
      if (last >= 0 && parts[last]!.buffer === buffer.buffer) parts[last] = Buffer.from(parts[last]!);
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  if (length > 0) yield finish();
}

/** The nearer of two indexes, either of which may be -1 (none). */
function nearer(a: number, b: number): number {
  return a === -1 ? b : b === -1 ? a : Math.min(a, b);
}
