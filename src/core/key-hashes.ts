/**
 * A set of 64-bit key hashes held in one typed array (open addressing, linear probing). A Set of
 * numbers costs about 50 bytes per key in V8; this costs 8 bytes per slot at a load of at most one
 * half, and leaves nothing for the collector. For the few hashes that repeat in a file (KeyHashLog
 * finds them): a table of every key of a 5M-line file would take 128 MiB, and 192 MiB as it grows.
 */
export class KeyHashes {
  /** Pairs of 32-bit words; the pair (0, 0) marks an empty slot, so a hash of 0 is stored as (0, 1). */
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1 << 16) {
    const size = 2 ** Math.max(4, Math.ceil(Math.log2(capacity * 2)));
    this.slots = new Uint32Array(size * 2);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the hash of `key`; returns false when the hash was already there (the key may repeat). */
  add(key: string): boolean {
    const [hi, lo] = hash(key);
    return this.insert(hi, lo);
  }

  /** Adds a hash as its two words (from KeyHashLog). */
  addHash(hi: number, lo: number): void {
    this.insert(hi, lo);
  }

  /** Whether the hash of `key` is in the set. */
  has(key: string): boolean {
    const [hi, lo] = hash(key);
    for (let i = (lo ^ hi) & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.slots[i * 2]!;
      const l = this.slots[i * 2 + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
    }
  }

  private insert(hi: number, lo: number): boolean {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    for (let i = (lo ^ hi) & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.slots[i * 2]!;
      const l = this.slots[i * 2 + 1]!;
      if (h === 0 && l === 0) {
        this.slots[i * 2] = hi;
        this.slots[i * 2 + 1] = lo;
        this.count++;
        return true;
      }
      if (h === hi && l === lo) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = old.length - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
}

/** Hashes a chunk of the log holds: 8 MiB each. */
const CHUNK = 1 << 20;
/** Where a hash's high word sits in its 64-bit slot: sorted as 64-bit numbers, slots order by (hi, lo). */
const HI = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/**
 * The hash of every key of a file, 8 bytes a key and nothing more (a million keys take 8 MiB, 5
 * million 40 MiB): appended to chunks of fixed size, so the log never copies itself to grow. Which
 * hashes repeat is found once every key is in, by sorting each chunk as 64-bit numbers and merging
 * the chunks in order, where equal hashes come next to each other.
 */
export class KeyHashLog {
  private readonly chunks: Uint32Array[] = [];
  /** Hashes in the last chunk. */
  private filled = CHUNK;
  /** The chunks of other logs (another thread's, over another part of the file), and their lengths. */
  private readonly adopted: LoggedHashes = { chunks: [], lengths: [] };

  /** The hashes as they are held, to hand to another thread (their buffers can be transferred). */
  take(): LoggedHashes {
    return { chunks: this.chunks, lengths: this.chunks.map((_, i) => (i === this.chunks.length - 1 ? this.filled : CHUNK)) };
  }

  /** Adds another log's hashes (what its take() gave): their repeats with these are found too. */
  adopt(other: LoggedHashes): void {
    this.adopted.chunks.push(...other.chunks);
    this.adopted.lengths.push(...other.lengths);
  }

  add(key: string): void {
    if (this.filled === CHUNK) {
      this.chunks.push(new Uint32Array(CHUNK * 2));
      this.filled = 0;
    }
    const [hi, lo] = hash(key);
    const words = this.chunks[this.chunks.length - 1]!;
    words[this.filled * 2 + HI] = hi;
    words[this.filled * 2 + LO] = lo;
    this.filled++;
  }

  /** The hashes added more than once. Sorts the log in place: nothing is added after. */
  repeated(): KeyHashes {
    const repeated = new KeyHashes(16);
    const runs: Run[] = [];
    const { chunks, lengths } = this.take();
    chunks.push(...this.adopted.chunks);
    lengths.push(...this.adopted.lengths);
    chunks.forEach((words, i) => {
      const length = lengths[i]!;
      new BigUint64Array(words.buffer, words.byteOffset, length).sort();
      if (length > 0) runs.push({ words, length, at: 0 });
    });
    // The runs in a binary heap by their next hash: the smallest is taken each time.
    for (let i = (runs.length >> 1) - 1; i >= 0; i--) siftDown(runs, i);
    let lastHi = -1;
    let lastLo = -1;
    while (runs.length > 0) {
      const run = runs[0]!;
      const hi = run.words[run.at * 2 + HI]!;
      const lo = run.words[run.at * 2 + LO]!;
      if (hi === lastHi && lo === lastLo) repeated.addHash(hi, lo);
      lastHi = hi;
      lastLo = lo;
      if (++run.at === run.length) {
        // The run is done: the heap's last takes its place.
        const last = runs.pop()!;
        if (runs.length > 0) runs[0] = last;
      }
      siftDown(runs, 0);
    }
    return repeated;
  }
}

/** A log's chunks of hashes, and how many each holds. */
export interface LoggedHashes {
  chunks: Uint32Array[];
  lengths: number[];
}

/** A sorted chunk of the log, being merged: `at` is its next hash. */
interface Run {
  words: Uint32Array;
  length: number;
  at: number;
}

function before(a: Run, b: Run): boolean {
  const ah = a.words[a.at * 2 + HI]!;
  const bh = b.words[b.at * 2 + HI]!;
  return ah < bh || (ah === bh && a.words[a.at * 2 + LO]! < b.words[b.at * 2 + LO]!);
}

function siftDown(heap: Run[], from: number): void {
  for (let i = from; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let least = i;
    if (l < heap.length && before(heap[l]!, heap[least]!)) least = l;
    if (r < heap.length && before(heap[r]!, heap[least]!)) least = r;
    if (least === i) return;
    [heap[i], heap[least]] = [heap[least]!, heap[i]!];
    i = least;
  }
}

/** Two independent 32-bit FNV-1a style hashes of the UTF-16 code units; (0, 0) is moved to (0, 1). */
function hash(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a === 0 && b === 0 ? [0, 1] : [a, b];
}
