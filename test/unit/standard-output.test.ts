import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { devNull } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { writeTo } from "../../src/terminal/io.js";
import { DescriptorOutput, standardOutput, type OutputStream } from "../../src/terminal/standard-output.js";
import { tempDir } from "../support/cli.js";

/** A file to write to, opened for the test and closed after. */
function openFile(): { fd: number; text: () => string; close: () => void } {
  const path = join(tempDir(), "out");
  const fd = openSync(path, "w");
  return { fd, text: () => readFileSync(path, "utf8"), close: () => closeSync(fd) };
}

/** A stand-in for Node's stream of a descriptor (the system's side of it), keeping what it is given. */
function nodeStream(): Writable & { received: string[] } {
  const received: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { received });
}

const errno = (code: string) => Object.assign(new Error(`${code}: from the system`), { code });
const noStream = (): OutputStream => {
  throw new Error("no write should be handed over to Node's stream");
};

describe("standard output written to its descriptor", () => {
  it("writes text and bytes in order, each write whole, its callback after it", async () => {
    const file = openFile();
    const out = new DescriptorOutput(file.fd, noStream);
    const done: number[] = [];
    expect(out.write("é1 ", () => done.push(1))).toBe(true);
    expect(out.write(Buffer.from("two "), () => done.push(2))).toBe(true);
    await writeTo(out, "three\n");
    file.close();
    expect(file.text()).toBe("é1 two three\n");
    expect(done).toEqual([1, 2]);
  });

  it("goes on where the system wrote only part of a write", () => {
    const file = openFile();
    // At most 3 bytes a call, as a pipe may take when a signal interrupts a write.
    const out = new DescriptorOutput(file.fd, noStream, (fd, bytes, offset, length) => writeSync(fd, bytes, offset, Math.min(length, 3)));
    out.write("a longer line\n");
    file.close();
    expect(file.text()).toBe("a longer line\n");
  });

  it("hands the rest to Node's stream when the descriptor would block, and keeps the order", async () => {
    const file = openFile();
    const stream = nodeStream();
    let calls = 0;
    // Non-blocking and full on the third call: two bytes went out first.
    const out = new DescriptorOutput(
      file.fd,
      () => stream,
      (fd, bytes, offset, length) => {
        if (++calls === 3) throw errno("EAGAIN");
        return writeSync(fd, bytes, offset, Math.min(length, 1));
      },
    );
    await writeTo(out, "abcd");
    await writeTo(out, "ef");
    file.close();
    expect(file.text()).toBe("ab");
    expect(stream.received.join("")).toBe("cdef");
    // What Node's stream reports is reported by the output.
    const seen: Error[] = [];
    out.on("error", (e) => seen.push(e));
    stream.destroy(errno("EPIPE"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(["EPIPE"]);
  });

  it("reports a failed write to its callback, then once as an error event; later writes fail the same way", async () => {
    const out = new DescriptorOutput(99, noStream, () => {
      throw errno("EPIPE");
    });
    const events: string[] = [];
    out.on("error", (e) => events.push(`event ${(e as NodeJS.ErrnoException).code}`));
    expect(out.write("x", (e) => events.push(`callback ${(e as NodeJS.ErrnoException | null)?.code}`))).toBe(false);
    await expect(writeTo(out, "y")).rejects.toMatchObject({ code: "EPIPE" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(["callback EPIPE", "event EPIPE"]);
  });

  it("is used for a file and /dev/null (pipes: test/e2e/output-pipes.test.ts); anything that may be a terminal keeps Node's stream", () => {
    const file = openFile();
    const nullFd = openSync(devNull, "w");
    // A character device that is not /dev/null, as a terminal is.
    const zeroFd = openSync("/dev/zero", "w");
    try {
      const theirs = nodeStream();
      expect(standardOutput(file.fd, () => theirs)).toBeInstanceOf(DescriptorOutput);
      expect(standardOutput(nullFd, () => theirs)).toBeInstanceOf(DescriptorOutput);
      expect(standardOutput(zeroFd, () => theirs)).toBe(theirs);
      // A descriptor that is not open: Node's stream says what is wrong with it.
      expect(standardOutput(9999, () => theirs)).toBe(theirs);
    } finally {
      closeSync(nullFd);
      closeSync(zeroFd);
      file.close();
    }
  });
});
