import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { writeTo } from "../../src/terminal/io.js";

describe("writeTo", () => {
  it("lets a synchronous stream finish each write before the writer goes on, so nothing piles up", async () => {
    // As stdout redirected to a file: every write completes at once and its callback is deferred to
    // process.nextTick. A loop of writeTo() must not keep those callbacks (and their chunks) waiting.
    let finished = 0;
    const sync = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
    const original = sync.write.bind(sync);
    sync.write = ((chunk: unknown, cb?: (e?: Error | null) => void) =>
      original(chunk as string, () => {
        finished++;
        cb?.();
      })) as typeof sync.write;
    for (let i = 1; i <= 100; i++) {
      await writeTo(sync, `line ${i}\n`);
      expect(finished).toBe(i);
    }
  });

  it("waits for drain when the stream is full", async () => {
    const pending: (() => void)[] = [];
    const slow = new Writable({
      highWaterMark: 4,
      write(_chunk, _encoding, callback) {
        pending.push(callback);
      },
    });
    let done = false;
    const write = writeTo(slow, "more than four bytes").then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    pending.shift()!();
    await write;
    expect(done).toBe(true);
  });
});
