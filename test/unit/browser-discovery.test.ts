import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { announce, discover } from "../../src/browser/host/discovery.js";
import { tempDir } from "../support/cli.js";

/** The KV browser host's discovery file: its key is as good as a session, so it is this user's alone. */
describe("the discovery file", () => {
  it("is 0600 even where a file of the name it is written under was left behind, readable by all", () => {
    const dataDir = tempDir();
    const file = join(dataDir, "browser-host.json");
    const leftover = `${file}.${process.pid}.tmp`;
    writeFileSync(leftover, "left by an earlier process of the same pid");
    chmodSync(leftover, 0o644);
    const withdraw = announce(dataDir, { origin: "http://127.0.0.1:4321", mintKey: "key" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ pid: process.pid, origin: "http://127.0.0.1:4321", mintKey: "key" });
    expect(discover(dataDir)?.origin).toBe("http://127.0.0.1:4321");
    expect(existsSync(leftover)).toBe(false);
    withdraw();
    expect(existsSync(file)).toBe(false);
  });
});
