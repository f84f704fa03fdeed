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
