/** Where `byte` next occurs in `bytes` at or after `from`, or -1: `Buffer.indexOf`, unless a test counts the bytes it reads. */
export type ByteSearch = (bytes: Buffer, byte: number, from: number) => number;

export const indexOfByte: ByteSearch = (bytes, byte, from) => bytes.indexOf(byte, from);

/**
 * The next occurrence of one byte in a buffer, remembered. A reader that looks for the nearer of two
 * bytes (a quote or a backslash, a \n or a \r) from position after position would otherwise search
 * past the nearer one for the other each time, reading the same stretch again for every match: on a
 * value of a million escapes, a million times. Remembered, each byte of the buffer is read at most
 * once per byte looked for.
 */
export class NextByte {
  /** The last answer (an index, or -1 for none), or -2 before the first search. */
  private found = -2;

  constructor(
    private readonly bytes: Buffer,
    private readonly byte: number,
    private readonly search: ByteSearch = indexOfByte,
  ) {}

  /** The index of the next `byte` at or after `from`, or -1. `from` never decreases from one call to the next. */
  at(from: number): number {
    if (this.found === -1 || this.found >= from) return this.found;
    this.found = this.search(this.bytes, this.byte, from);
    return this.found;
  }
}
