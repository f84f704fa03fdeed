import type { Row } from "../../src/emulator/store/rows.js";

/** A stored record of a live key, as the store's tables hold one: the parts a test does not name are plain. */
export function liveRow(key: string, value: string, version: number, place: Pick<Row, "commit_t" | "origin"> = { commit_t: 0, origin: "home" }): Row {
  return { key: Buffer.from(key), version, value: Buffer.from(value), tombstone: 0, expires_at: null, metadata: null, ...place };
}
