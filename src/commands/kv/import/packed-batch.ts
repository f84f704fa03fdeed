import type { BulkEntry } from "../../../core/bulk.js";
import type { Metadata } from "../../../core/validate.js";

/**
 * A batch of parsed entries as the parser thread hands it to the writing thread: the keys and values
 * in one buffer and the numbers in typed arrays, all moved across (transferred), not copied. Cloning
 * a thousand entry objects would cost the writing thread about as much as parsing them.
 */
export interface PackedBatch {
  /** Each entry's key (UTF-8) then its value, entry after entry. */
  bytes: ArrayBuffer;
  /** Two a entry: where its key ends in `bytes`, then where its value ends. */
  ends: Float64Array;
  /** The entry's line in the file. */
  lines: Float64Array;
  /** Epoch ms, NaN for none; null when no entry of the batch has one. */
  expiresAt: Float64Array | null;
  /** Seconds, NaN for none; null when no entry of the batch has one. */
  ttlSeconds: Float64Array | null;
  /** Cloned: few entries have metadata, and it is any JSON. Null when none has. */
  metadata: (Metadata | undefined)[] | null;
}

/** An entry on its way to the target, and where the file has it. */
export interface Pending {
  entry: BulkEntry;
  where: string;
}

/** An entry as the NDJSON reader gives it, with its line. */
export interface LineEntry {
  entry: BulkEntry;
  line: number;
}

export function pack(batch: LineEntry[]): { packed: PackedBatch; transfer: ArrayBuffer[] } {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: the buffer is sized without measuring each key.
  let room = 0;
  for (const { entry } of batch) room += entry.key.length * 3 + entry.value.length;
  const bytes = Buffer.allocUnsafeSlow(room);
  const ends = new Float64Array(batch.length * 2);
  const lines = new Float64Array(batch.length);
  let expiresAt: Float64Array | null = null;
  let ttlSeconds: Float64Array | null = null;
  let metadata: (Metadata | undefined)[] | null = null;
  let at = 0;
  for (let i = 0; i < batch.length; i++) {
    const { entry, line } = batch[i]!;
    at += bytes.write(entry.key, at, "utf8");
    ends[2 * i] = at;
    at += entry.value.copy(bytes, at);
    ends[2 * i + 1] = at;
    lines[i] = line;
    if (entry.expiresAt !== undefined) (expiresAt ??= new Float64Array(batch.length).fill(NaN))[i] = entry.expiresAt;
    if (entry.ttlSeconds !== undefined) (ttlSeconds ??= new Float64Array(batch.length).fill(NaN))[i] = entry.ttlSeconds;
    if (entry.metadata !== undefined) (metadata ??= new Array<Metadata | undefined>(batch.length).fill(undefined))[i] = entry.metadata;
  }
  const transfer: ArrayBuffer[] = [bytes.buffer as ArrayBuffer, ends.buffer as ArrayBuffer, lines.buffer as ArrayBuffer];
  if (expiresAt) transfer.push(expiresAt.buffer as ArrayBuffer);
  if (ttlSeconds) transfer.push(ttlSeconds.buffer as ArrayBuffer);
  return { packed: { bytes: bytes.buffer as ArrayBuffer, ends, lines, expiresAt, ttlSeconds, metadata }, transfer };
}

/** The batch's entries, each value a view of the batch's one buffer. `name` is the file's, for `where`. */
export function unpack(packed: PackedBatch, name: string): Pending[] {
  const bytes = Buffer.from(packed.bytes);
  const { ends, lines, expiresAt, ttlSeconds, metadata } = packed;
  const batch: Pending[] = new Array<Pending>(lines.length);
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const keyEnd = ends[2 * i]!;
    const valueEnd = ends[2 * i + 1]!;
    const entry: BulkEntry = { key: bytes.toString("utf8", at, keyEnd), value: bytes.subarray(keyEnd, valueEnd) };
    if (metadata && metadata[i] !== undefined) entry.metadata = metadata[i];
    if (expiresAt && !Number.isNaN(expiresAt[i])) entry.expiresAt = expiresAt[i];
    if (ttlSeconds && !Number.isNaN(ttlSeconds[i])) entry.ttlSeconds = ttlSeconds[i];
    batch[i] = { entry, where: `${name}:${lines[i]}` };
    at = valueEnd;
  }
  return batch;
}
