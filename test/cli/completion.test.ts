import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { completionScript } from "../../src/cli/completion.js";

const BASH = resolve(import.meta.dirname, "../../completions/yourspace.bash");

/** What bash offers after the words typed so far (the last one being completed). */
function complete(...words: string[]): string[] {
  const script = `source ${JSON.stringify(BASH)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")}); COMP_CWORD=${words.length - 1}; _yourspace; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync("bash", ["-c", script], { encoding: "utf8" }).split("\n").filter(Boolean);
}

describe("shell completions", () => {
  it("are the ones the registry generates (rebuilt by npm run build)", () => {
    expect(readFileSync(BASH, "utf8")).toBe(completionScript("bash"));
    expect(readFileSync(resolve(import.meta.dirname, "../../completions/_yourspace"), "utf8")).toBe(completionScript("zsh"));
  });

  it("complete commands, subcommands and options, past arguments and global options", () => {
    expect(complete("yourspace", "k")).toEqual(["kv"]);
    expect(complete("yourspace", "kv", "em")).toEqual(["emulator"]);
    expect(complete("yourspace", "--data-dir", "x", "kv", "emulator", "to")).toEqual(["token"]);
    expect(complete("yourspace", "kv", "get", "flags/a", "--con")).toEqual(["--consistency"]);
    expect(complete("yourspace", "kv", "import", "f.json", "--dr")).toEqual(["--dry-run"]);
  });
});
