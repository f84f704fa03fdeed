import { describe, expect, it } from "vitest";
import { cliSession } from "../support/cli.js";

// main() runs with a directory of its own (io.cwd), which is not the process's when the CLI runs in
// process (tests, and later the dev runner): files it is named are found from there.
describe("files named relative to the command's directory", () => {
  it("kv import and kv set --file find them there, and name them as given", async () => {
    const s = cliSession();
    expect(process.cwd()).not.toBe(s.cwd);
    s.write("in.ndjson", `${JSON.stringify({ key: "a", value: "1" })}\n`);
    s.write("value.txt", "from a file");
    const imported = await s.run(["kv", "import", "in.ndjson"]);
    expect(imported.code, imported.stderr).toBe(0);
    const set = await s.run(["kv", "set", "b", "--file", "value.txt"]);
    expect(set.code, set.stderr).toBe(0);
    expect((await s.run(["kv", "get", "a"])).out).toBe("1");
    expect((await s.run(["kv", "get", "b"])).out).toBe("from a file");

    const missing = await s.run(["kv", "import", "nope.ndjson"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Cannot use the file nope.ndjson: it does not exist.");
    const missingValue = await s.run(["kv", "set", "c", "--file", "nope.txt"]);
    expect(missingValue.code).toBe(2);
    expect(missingValue.stderr).toContain("Cannot use the file nope.txt: it does not exist.");
  });
});
