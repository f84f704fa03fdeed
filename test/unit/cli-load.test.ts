import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

describe("loading the CLI", () => {
  it("formats no number: the first one a process formats loads ICU's locale data, milliseconds of every start-up", async () => {
    vi.resetModules();
    const localeFormat = vi.spyOn(Number.prototype, "toLocaleString");
    const { main } = await import("../../src/cli/run.js");
    expect(main).toBeTypeOf("function");
    expect(localeFormat).not.toHaveBeenCalled();
  });
});
