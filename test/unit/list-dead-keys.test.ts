import { describe, expect, it } from "vitest";
import { freshEngine } from "../support/engine.js";

/**
 * A page passes over at most ten deleted or expired keys per key it may list (list.ts): past them it
 * ends short, with a cursor after the last one it passed. 2,500 deleted and 2,500 expired keys
 * between live ones, listed 100 to a page, make the scan meet that bound many times; what must hold
 * is that pages stay short of work, never wrong: every live key once, in order, none of the dead.
 */
describe("list pages over deleted and expired keys", () => {
  it("ends a page short after 1,000 dead keys for a limit of 100, and lists every live key once across the pages", () => {
    const { engine, clock, db } = freshEngine();
    const key = (i: number) => `k/${String(i).padStart(5, "0")}`;
    const live: string[] = [];
    // Keys 0–2,499 deleted, 2,500–4,999 expired, every 1,000th of each kept, then 20 live keys.
    // One transaction around the writes, as a bulk import's batch is: 5,000 commits would take seconds.
    db.transaction(() => {
      for (let i = 0; i < 5_020; i++) {
        const kept = i >= 5_000 || i % 1_000 === 500;
        const expires = kept || i < 2_500 ? {} : { expiresAt: clock.now() + 60_000 };
        engine.put("local", "default", key(i), { value: Buffer.from("v"), ...expires });
        if (kept) live.push(key(i));
      }
    })();
    engine.delete(
      "local",
      "default",
      Array.from({ length: 2_500 }, (_, i) => key(i)).filter((k) => !live.includes(k)),
      { force: true },
    );
    clock.advance(120_000);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = engine.list("local", "default", { prefix: "k/", cursor, limit: 100 });
      pages.push(page.keys.map((k) => k.key));
      cursor = page.cursor;
    } while (cursor !== null);
    expect(pages.flat()).toEqual(live);
    // 4,995 dead keys, at most 1,000 to a page: at least five pages, the first ones short.
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages.slice(0, 4).every((p) => p.length < 100)).toBe(true);
    expect(pages[0]!.length).toBeLessThan(100);
  });
});
