import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { STATUS } from "../../src/contract/index.js";
import { ERROR_EXIT, type ErrorCode } from "../../src/core/errors.js";

const ROOT = resolve(import.meta.dirname, "../..");

interface Row {
  code: string;
  exit: number;
  status: number;
  message: string;
  hint: string;
}

/** The rows of the "Codes" table of docs/errors.md: the catalogue as scripts read it. */
function documentedCodes(): Row[] {
  const text = readFileSync(resolve(ROOT, "docs/errors.md"), "utf8");
  const section = text.slice(text.indexOf("\n## Codes"));
  return section
    .split("\n")
    .filter((line) => /^\| `[A-Z_]+` \|/.test(line))
    .map((line) => {
      const cells = line.split(" | ").map((c) => c.replace(/^\| ?|\s*\|$/g, "").trim());
      return { code: cells[0]!.replaceAll("`", ""), exit: Number(cells[1]), status: Number(cells[2]), message: cells[3] ?? "", hint: cells[4] ?? "" };
    });
}

describe("the error catalogue (src/core/errors.ts, src/contract/contract.ts, docs/errors.md)", () => {
  const rows = documentedCodes();
  const byCode = new Map(rows.map((r) => [r.code, r]));

  it("documents every code once, and no code that does not exist", () => {
    expect(rows.length).toBe(byCode.size);
    expect([...byCode.keys()].sort()).toEqual(Object.keys(ERROR_EXIT).sort());
  });

  it.each(Object.keys(ERROR_EXIT) as ErrorCode[])("%s: the documented exit code and HTTP status are the ones the code has", (code) => {
    const row = byCode.get(code);
    expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
    expect(row!.exit, `exit code of ${code}`).toBe(ERROR_EXIT[code]);
    expect(row!.status, `HTTP status of ${code}`).toBe(STATUS[code]);
    expect(row!.message, `message of ${code}`).not.toBe("");
    expect(row!.hint, `hint of ${code}`).not.toBe("");
  });

  it("gives every code an HTTP status, and only catalogued codes", () => {
    expect(Object.keys(STATUS).sort()).toEqual(Object.keys(ERROR_EXIT).sort());
  });

  it("is given whole, with the same statuses and exit codes, by the errors table of docs/api.md", () => {
    const api = readFileSync(resolve(ROOT, "docs/api.md"), "utf8");
    const section = api.slice(api.indexOf("\n## Errors"), api.indexOf("\n## ", api.indexOf("\n## Errors") + 1));
    const table = section
      .split("\n")
      .filter((line) => /^\| `[A-Z_]+` \|/.test(line))
      .map((line) => line.split(" | ").map((c) => c.replace(/^\| ?/, "").replaceAll("`", "").trim()));
    expect(table.map(([code]) => code).sort()).toEqual(Object.keys(ERROR_EXIT).sort());
    for (const [code, status, exit] of table)
      expect([code, Number(status), Number(exit)]).toEqual([code, STATUS[code as ErrorCode], ERROR_EXIT[code as ErrorCode]]);
  });

  it("is linked from the README's section for scripts", () => {
    const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
    const forScripts = readme.slice(readme.indexOf("### For scripts"), readme.indexOf("### Exit codes"));
    expect(forScripts).toContain("docs/errors.md");
  });
});
