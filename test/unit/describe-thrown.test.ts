import { describe, expect, it } from "vitest";
import { describeThrown } from "../../src/core/describe-thrown.js";

// The CLI's error boundary and the server thread name whatever was thrown with this: never "[object Object]".
describe("describeThrown", () => {
  it.each([
    [new Error("disk on fire."), "disk on fire"],
    [{ message: "from a library" }, "from a library"],
    ["  a string  ", "a string"],
    [{ code: 42, reason: "plain object" }, "{ code: 42, reason: 'plain object' }"],
    [undefined, "undefined"],
    [null, "null"],
    [new Error(""), "Error"],
  ])("%o is %s", (thrown, words) => {
    const text = describeThrown(thrown);
    expect(text).not.toContain("[object Object]");
    if (words === "Error") expect(text).toMatch(/^Error/);
    else expect(text).toBe(words);
  });
});
