import { isUtf8 } from "node:buffer";
import { Transform, type TransformCallback } from "node:stream";
import { MAX_ENTRY_TEXT_BYTES } from "./entry-text-limit.js";
import { indexOfByte, NextByte, type ByteSearch } from "./next-byte.js";
import { firstInvalidUtf8, incompleteTail } from "./utf8.js";

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

interface GuardOptions {
  /**
   * Also refuse a byte outside every array and object that is not whitespace. Every import format
   * (NDJSON, a JSON array, a JSON object) has nothing else there, so a stream copied before its
   * format is known (standard input, a pipe) stops at the first such byte rather than filling the
   * disk with /dev/zero.
   */
  outsideValues?: "whitespace";
  /** How a byte is searched for; the default is Buffer.indexOf. */
  search?: ByteSearch;
}

/**
 * Checks the text of a JSON import file (an array of entries, or an object of keys and values) on its
 * way to the JSON parser: every byte is UTF-8, checked before anything decodes it, and no element of
 * the top-level array or object is longer than MAX_ENTRY_TEXT_BYTES. Fails with an ImportTextError
 * that gives the position: of the bad byte, or of the start of the element that is too long.
 * Each byte of a chunk is read once for each byte searched for (quotes, backslashes, newlines).
 */
export class JsonTextGuard extends Transform {
  private readonly search: ByteSearch;

  constructor(private readonly options: GuardOptions = {}) {
    super();
    this.search = options.search ?? indexOfByte;
  }

  private carry: Buffer = Buffer.alloc(0);
  /** The file offset of the current chunk's first byte. */
  private position = 0;
  /** The current chunk's newlines, for positions within it. */
  private newlines: NextByte | undefined;
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
    this.newlines = new NextByte(whole, 0x0a, this.search);
    if (!isUtf8(whole)) return done(new ImportTextError("utf8", this.at(this.position + firstInvalidUtf8(whole))));
    const failure = this.walk(whole);
    if (failure) return done(failure);
    this.at(this.position + whole.length);
    this.position += whole.length;
    this.carry = Buffer.from(bytes.subarray(whole.length));
    done(null, whole);
  }

  override _flush(done: TransformCallback): void {
    if (this.carry.length > 0) {
      this.newlines = new NextByte(this.carry, 0x0a, this.search);
      return done(new ImportTextError("utf8", this.at(this.position)));
    }
    done();
  }

  /** Follows strings and nesting, to know where each top-level element starts and how long it grows. */
  private walk(bytes: Buffer): ImportTextError | undefined {
    const quotes = new NextByte(bytes, 0x22, this.search);
    const backslashes = new NextByte(bytes, 0x5c, this.search);
    let i = 0;
    while (i < bytes.length) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        const quote = quotes.at(i);
        const backslash = backslashes.at(i);
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
        return new ImportTextError("not-json", this.at(this.position + i));
      }
      if (this.depth === 1 && this.elementFirst === undefined && !SEPARATORS.has(b)) this.elementFirst = this.at(this.position + i);
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

  /** The position of `offset`, a byte of the current chunk (or its end), counting newlines up to it. */
  private at(offset: number): TextPosition {
    for (let i = this.counted - this.position; ; i++) {
      i = this.newlines!.at(i);
      if (i === -1 || this.position + i >= offset) break;
      this.lines++;
      this.lineStart = this.position + i + 1;
    }
    this.counted = offset;
    return { line: this.lines + 1, column: offset - this.lineStart, offset };
  }
}
