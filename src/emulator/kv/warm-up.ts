import type { KvContext } from "./context.js";

/** Version-index entries a warm-up reads at most per row: past that, the rows' versions are too scattered for one range of the index to be worth reading. */
const VERSION_SPREAD = 4;

/**
 * Reads the rows a step of a long removal is about to change, outside the write lock: the rows
 * (`where`, in key order, `limit` of them, with their pages of the key index) and the range of the
 * version index they sit in. On a store larger than what the OS keeps in memory, a step that met its
 * pages cold read them while it held the lock: at 5M keys, 500 keys of a prefix held it 1.4 s where a
 * warm step takes 30 ms. What another process writes in between leaves a page or two cold again, no
 * more; nothing read here is relied on.
 */
export function warmUp(engine: KvContext, where: string, params: () => readonly unknown[], limit: number): void {
  engine.run(false, () => {
    const span = engine
      .stmt(
        `SELECT min(version) AS low, max(version) AS high, sum(length(value)) AS bytes
         FROM (SELECT version, value FROM entries WHERE ${where} ORDER BY key LIMIT ?)`,
      )
      .get(...params(), limit) as { low: number | null; high: number | null };
    if (span.low !== null && span.high !== null && span.high - span.low <= VERSION_SPREAD * limit)
      engine.stmt("SELECT count(*) FROM entries WHERE version BETWEEN ? AND ?").pluck().get(span.low, span.high);
  });
}
