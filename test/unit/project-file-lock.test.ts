import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { holdProjectFile } from "../../src/project/project-file-lock.js";
import { tempDir } from "../support/cli.js";

describe("the hold on the project file (kv bind, kv unbind)", () => {
  it("is one command's at a time: a second waits until the first lets go", async () => {
    const file = join(tempDir(), "yourspace.jsonc");
    const releaseFirst = await holdProjectFile(file);
    expect(readFileSync(`${file}.lock`, "utf8")).toBe(`${process.pid}\n`);
    let second = false;
    const waiting = holdProjectFile(file).then((release) => {
      second = true;
      return release;
    });
    // The second can only be given the file once the first's lock file is gone.
    await new Promise((resolve) => setImmediate(resolve));
    expect(second).toBe(false);
    releaseFirst();
    const releaseSecond = await waiting;
    expect(second).toBe(true);
    releaseSecond();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("takes over a lock whose process is gone", async () => {
    const file = join(tempDir(), "yourspace.jsonc");
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(`${file}.lock`, `${gone}\n`);
    const release = await holdProjectFile(file);
    expect(readFileSync(`${file}.lock`, "utf8")).toBe(`${process.pid}\n`);
    release();
  });
});
