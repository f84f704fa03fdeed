import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { LIMITS } from "../../../core/limits.js";

/**
 * The most text one entry of an import file can take. JSON may escape any byte of a value, key or
 * metadata as \u00XX, six bytes of text each: the longest valid entry is six times a 1 MiB value, a
 * 512-byte key and 1 KiB of metadata, plus its field names. Text beyond this is refused without
 * being held, so no file, however built, makes the reader build a string near V8's limit (~512 MiB).
 */
export const MAX_ENTRY_TEXT_BYTES = 8 * 1_048_576;
const LONGEST_VALID_ENTRY = 6 * (LIMITS.maxValueBytes + LIMITS.maxKeyBytes + LIMITS.maxMetadataBytes) + 256;
if (LONGEST_VALID_ENTRY > MAX_ENTRY_TEXT_BYTES) throw new Error("MAX_ENTRY_TEXT_BYTES is below the longest valid entry");

/** Bytes read at a time: large reads keep a long line cheap to skip. */
const READ_BYTES = 1_048_576;

export type Line =
  | { number: number; offset: number; text: string }
  /** The line's bytes are not UTF-8: `at` is the first bad byte, counted from the line's start. */
  | { number: number; offset: number; invalidUtf8At: number }
  /** The line is longer than MAX_ENTRY_TEXT_BYTES: `bytes` is its whole length, never held. */
  | { number: number; offset: number; tooLong: number };

/**
 * The lines of a file, as a reader of NDJSON needs them: each checked as UTF-8 on its bytes, before
 * decoding (which would turn a bad byte into U+FFFD), and bounded in length. A line ends at \n, \r\n
 * or a lone \r; a UTF-8 byte order mark before the first line is skipped.
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let held = 0;
  let length = 0;
  let number = 1;
  let offset = 0;
  let position = 0;
  let afterCr = false;
  const finish = (): Line => {
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
    let start = offset;
    if (number === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
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
  for await (const chunk of createReadStream(path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
    let at = 0;
    if (afterCr && chunk[0] === 0x0a) {
      at = 1;
      offset++;
    }
    afterCr = false;
    while (at < chunk.length) {
      const end = lineEnd(chunk, at);
      const stop = end === -1 ? chunk.length : end;
      length += stop - at;
      if (length <= MAX_ENTRY_TEXT_BYTES) {
        parts.push(chunk.subarray(at, stop));
        held += stop - at;
      } else if (held > 0) {
        parts = [];
        held = 0;
      }
      if (end === -1) break;
      yield finish();
      const crlf = chunk[end] === 0x0d && chunk[end + 1] === 0x0a;
      if (chunk[end] === 0x0d && end + 1 === chunk.length) afterCr = true;
      at = end + (crlf ? 2 : 1);
      number++;
      offset = position + at;
    }
    position += chunk.length;
  }
  if (length > 0) yield finish();
}

/** The index of the next \n or \r from `from`, or -1. */
function lineEnd(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(0x0a, from);
  const cr = chunk.indexOf(0x0d, from);
  return lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
}

/**
 * The index of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or `bytes.length` when a sequence is cut short at the end,
 * or -1 when every byte is well formed.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) min = 0xa0;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) min = 0x90;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return bytes.length;
      const c = bytes[i + k]!;
      if (c < (k === 1 ? min : 0x80) || c > (k === 1 ? max : 0xbf)) return i + k;
    }
    i += need + 1;
  }
  return -1;
}

/** How many bytes at the end of `bytes` start a UTF-8 sequence that the next chunk completes. */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return size > back ? back : 0;
    }
  }
  return 0;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
/** Bytes between the elements of a JSON array or object: whitespace, commas, the closing bracket. */
const SEPARATORS = new Set([0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x5d, 0x7d]);

/** Where in a file something is: line (from 1), byte in that line (from 0), byte in the file. */
export interface TextPosition {
  line: number;
  column: number;
  offset: number;
}

export class ImportTextError extends Error {
  constructor(
    readonly kind: "utf8" | "too-long" | "not-json",
    readonly position: TextPosition,
  ) {
    super(kind === "utf8" ? "invalid UTF-8" : kind === "too-long" ? "an entry is too large" : "not JSON");
  }
}

/**
 * Checks the text of a JSON import file (an array of entries, or an object of keys and values) on its
 * way to the JSON parser: every byte is UTF-8, checked before anything decodes it, and no element of
 * the top-level array or object is longer than MAX_ENTRY_TEXT_BYTES. Fails with an ImportTextError
 * that gives the position: of the bad byte, or of the start of the element that is too long.
 */
export class JsonTextGuard extends Transform {
  /**
   * `outsideValues`: also refuse a byte outside every array and object that is not whitespace. Every
   * import format (NDJSON, a JSON array, a JSON object) has nothing else there, so a stream copied
   * before its format is known (standard input, a pipe) stops at the first such byte rather than
   * filling the disk with /dev/zero.
   */
  constructor(private readonly options: { outsideValues?: "whitespace" } = {}) {
    super();
  }

  private carry: Buffer = Buffer.alloc(0);
  /** The file offset of the current chunk's first byte. */
  private position = 0;
  /** Newlines are counted up to `counted`: `lines` of them, the last ending at `lineStart`. */
  private counted = 0;
  private lines = 0;
  private lineStart = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Where the current element of the top-level container started (after its comma), and its first byte. */
  private elementStart = 0;
  private elementFirst: TextPosition | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.check(chunk, done);
    } catch (e) {
      done(e as Error);
    }
  }

  private check(chunk: Buffer, done: TransformCallback): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const tail = incompleteTail(bytes);
    const whole = tail > 0 ? bytes.subarray(0, bytes.length - tail) : bytes;
    if (!isUtf8(whole)) return done(new ImportTextError("utf8", this.at(whole, this.position + firstInvalidUtf8(whole))));
    const failure = this.walk(whole);
    if (failure) return done(failure);
    this.at(whole, this.position + whole.length);
    this.position += whole.length;
    this.carry = Buffer.from(bytes.subarray(whole.length));
    done(null, whole);
  }

  override _flush(done: TransformCallback): void {
    if (this.carry.length > 0) return done(new ImportTextError("utf8", this.at(this.carry, this.position)));
    done();
  }

  /** Follows strings and nesting, to know where each top-level element starts and how long it grows. */
  private walk(bytes: Buffer): ImportTextError | undefined {
    let i = 0;
    while (i < bytes.length) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        const quote = bytes.indexOf(0x22, i);
        const backslash = bytes.indexOf(0x5c, i);
        if (backslash !== -1 && (quote === -1 || backslash < quote)) {
          this.escaped = true;
          i = backslash + 1;
        } else if (quote !== -1) {
          this.inString = false;
          i = quote + 1;
        } else i = bytes.length;
        continue;
      }
      const b = bytes[i]!;
      if (
        this.depth === 0 &&
        this.options.outsideValues === "whitespace" &&
        b !== 0x5b &&
        b !== 0x7b &&
        !WHITESPACE.has(b) &&
        !this.inByteOrderMark(bytes, i)
      ) {
        return new ImportTextError("not-json", this.at(bytes, this.position + i));
      }
      if (this.depth === 1 && this.elementFirst === undefined && !SEPARATORS.has(b)) this.elementFirst = this.at(bytes, this.position + i);
      if (b === 0x22) this.inString = true;
      else if (b === 0x5b || b === 0x7b) {
        if (++this.depth === 1) this.startElement(this.position + i + 1);
      } else if (b === 0x5d || b === 0x7d) {
        if (this.depth-- === 1 && this.tooLong(this.position + i)) return this.tooLongError();
      } else if (b === 0x2c && this.depth === 1) {
        if (this.tooLong(this.position + i)) return this.tooLongError();
        this.startElement(this.position + i + 1);
      }
      i++;
    }
    if (this.depth >= 1 && this.tooLong(this.position + bytes.length)) return this.tooLongError();
    return undefined;
  }

  /** A UTF-8 byte order mark may open the text. */
  private inByteOrderMark(bytes: Buffer, i: number): boolean {
    const at = this.position + i;
    return at < 3 && this.position === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  }

  private startElement(offset: number): void {
    this.elementStart = offset;
    this.elementFirst = undefined;
  }

  private tooLong(end: number): boolean {
    return end - this.elementStart > MAX_ENTRY_TEXT_BYTES;
  }

  private tooLongError(): ImportTextError {
    return new ImportTextError("too-long", this.elementFirst!);
  }

  /** The position of `offset`, a byte of the current chunk `bytes` (or its end), counting newlines up to it. */
  private at(bytes: Buffer, offset: number): TextPosition {
    for (let i = this.counted - this.position; ; i++) {
      i = bytes.indexOf(0x0a, i);
      if (i === -1 || this.position + i >= offset) break;
      this.lines++;
      this.lineStart = this.position + i + 1;
    }
    this.counted = offset;
    return { line: this.lines + 1, column: offset - this.lineStart, offset };
  }
}
