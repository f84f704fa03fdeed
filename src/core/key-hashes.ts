/**
 * A set of 64-bit key hashes held in one typed array (open addressing, linear probing), for finding
 * repeated keys in a file of millions of entries. A Set of numbers costs about 50 bytes per key in V8;
 * this costs 8 bytes per slot at a load of at most one half, and leaves nothing for the collector.
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
