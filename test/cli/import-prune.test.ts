import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { EmulatorCore } from "../../src/emulator/emulator-core.js";
import type { Prompter } from "../../src/commands/context.js";
import { cliSession, type RunResult } from "../support/cli.js";

/**
 * `kv import --prune` removes keys, so every way an import can go wrong is tried here with keys to
 * lose: an import removes nothing unless it has read the whole file and written every entry of it.
 */

const ndjson = (rows: object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");
const answer = (yes: boolean): Prompter => ({ confirm: async () => yes, secret: async () => null, select: async () => null, text: async () => null });

/** A store holding p/a, p/b, p/old and q/x, and a file of p/a (changed), p/b and p/new. */
function seeded() {
  const { cwd, clock, run, write } = cliSession();
  const file = write(
    "next.ndjson",
    ndjson([
      { key: "p/a", value: "changed" },
      { key: "p/b", value: "2" },
      { key: "p/new", value: "n" },
    ]),
  );
  const keys = async () => (await run(["kv", "ls"])).out;
  const setUp = async () => {
    const seed = await run([
      "kv",
      "import",
      write(
        "seed.ndjson",
        ndjson([
          { key: "p/a", value: "1" },
          { key: "p/b", value: "2" },
          { key: "p/old", value: "o" },
          { key: "q/x", value: "x" },
        ]),
      ),
    ]);
    expect(seed.code, seed.stderr).toBe(0);
  };
  return { cwd, clock, run, write, file, keys, setUp };
}

const SEEDED = "p/a\np/b\np/old\nq/x\n";

function failed(r: RunResult, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.out).toBe("");
  expect(r.stderr).toMatch(message);
}

describe("kv import --prune needs an explicit scope", () => {
  it("refuses --prune without --prefix (it used to prune the whole namespace), naming --prefix '' for that", async () => {
    const s = seeded();
    await s.setUp();
    const r = await s.run(["kv", "import", s.file, "--prune", "--yes"]);
    failed(r, 2, /--prune needs --prefix/);
    expect(r.stderr).toContain(`--prefix ''`);
    expect(await s.keys()).toBe(SEEDED);
  });

  it('prunes the whole namespace when asked with --prefix ""', async () => {
    const s = seeded();
    await s.setUp();
    const whole = s.write("whole.ndjson", ndjson([{ key: "p/a", value: "1" }]));
    const r = await s.run(["kv", "import", whole, "--prune", "--prefix", "", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ unchanged: 1, deleted: 3 });
    expect(await s.keys()).toBe("p/a\n");
  });
});

describe("an empty or unreadable input never deletes anything", () => {
  // `false | yourspace kv import --prune --yes -` deleted every key and exited 0.
  for (const [name, input] of [
    ["empty stdin", ""],
    ["blank lines", "\n\n  \n"],
    ["an empty JSON array", "[]"],
    ["an empty JSON object", "{}"],
  ] as const) {
    it(`${name} with --prune --yes: exit 2, nothing removed`, async () => {
      const s = seeded();
      await s.setUp();
      for (const prefix of ["", "p/"]) {
        const r = await s.run(["kv", "import", "--prune", "--prefix", prefix, "--yes", "-"], { stdin: input });
        failed(r, 2, new RegExp(`stdin has no entries, so --prune would remove every key under "${prefix}"; nothing was changed`));
        expect(r.stderr).toContain(`yourspace kv rm --prefix ${prefix || "''"}`);
      }
      expect(await s.keys()).toBe(SEEDED);
    });
  }

  for (const [name, text] of [
    ["a JSON array cut short", '[{"key":"p/a","value":"1"},{"key":"p/b","va'],
    ["a JSON object cut short", '{"p/a":"1","p/b":'],
    ["NDJSON with a broken line", '{"key":"p/a","value":"1"}\n{"key":"p/b",\n'],
    ["NDJSON with an invalid entry", '{"key":"p/a","value":"1"}\n{"key":"p/b"}\n'],
  ] as const) {
    it(`${name} with --prune --yes: exit 2, nothing written or removed`, async () => {
      const s = seeded();
      await s.setUp();
      const before = (await s.run(["kv", "export"])).out;
      const r = await s.run(["kv", "import", s.write("broken", text), "--prune", "--prefix", "p/", "--yes"]);
      expect(r.code, r.stderr).toBe(2);
      expect((await s.run(["kv", "export"])).out).toBe(before);
    });
  }
});

describe("every path to deletion in import", () => {
  it("a dry run removes nothing, and lists what a real run would remove", async () => {
    const s = seeded();
    await s.setUp();
    const r = await s.run(["kv", "import", s.file, "--prune", "--prefix", "p/", "--dry-run", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toContain("- p/old");
    expect(await s.keys()).toBe(SEEDED);
  });

  it("without a terminal and without --yes, nothing is written or removed; the hint names flags import has", async () => {
    const s = seeded();
    await s.setUp();
    const r = await s.run(["kv", "import", s.file, "--prune", "--prefix", "p/"], { interactive: false });
    failed(r, 2, /Refusing to remove 1 key under "p\/"/);
    expect(r.stderr).toContain("Pass --yes to confirm, or --dry-run to see every change first.");
    expect((await s.run(["kv", "get", "p/a"])).out).toBe("1");
    expect(await s.keys()).toBe(SEEDED);
  });

  it("declined at the prompt: nothing written or removed", async () => {
    const s = seeded();
    await s.setUp();
    const r = await s.run(["kv", "import", s.file, "--prune", "--prefix", "p/"], { interactive: true, prompter: answer(false) });
    failed(r, 1, /Cancelled; nothing was changed/);
    expect((await s.run(["kv", "get", "p/a"])).out).toBe("1");
    expect(await s.keys()).toBe(SEEDED);
  });

  it("confirmed at the prompt: the file is written, then what it lacks is removed", async () => {
    const s = seeded();
    await s.setUp();
    const r = await s.run(["kv", "import", s.file, "--prune", "--prefix", "p/"], { interactive: true, prompter: answer(true) });
    expect(r.code, r.stderr).toBe(0);
    expect(await s.keys()).toBe("p/a\np/b\np/new\nq/x\n");
  });

  it("an entry that fails at write (the clock moved past its expiry since the check): the others are written, nothing is pruned, exit non-zero", async () => {
    const s = seeded();
    await s.setUp();
    // Valid at the check, two minutes ahead; an hour passes at the prompt, before the first batch.
    const file = s.write(
      "one-fails.ndjson",
      ndjson([
        { key: "p/a", value: "changed" },
        { key: "p/b", value: "2", expiration: s.clock.now() / 1000 + 120 },
        { key: "p/new", value: "n" },
      ]),
    );
    const later: Prompter = {
      ...answer(true),
      confirm: async () => {
        s.clock.advance(3_600_000);
        return true;
      },
    };
    const r = await s.run(["kv", "import", file, "--prune", "--prefix", "p/", "--batch-size", "1"], { interactive: true, prompter: later });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/1 of 3 entries failed .*in the past.*; the others were written; nothing was pruned\./);
    expect(await s.keys()).toBe("p/a\np/b\np/new\np/old\nq/x\n");
    expect((await s.run(["kv", "get", "p/a"])).out).toBe("changed");
  });

  it("entries the tier refuses are refused by the check: nothing is written or removed", async () => {
    const s = seeded();
    await s.setUp();
    // Preview caps values at 256 KiB.
    expect((await s.run(["kv", "site", "--tier", "preview"])).code).toBe(0);
    const file = s.write(
      "too-big.ndjson",
      ndjson([
        { key: "p/a", value: "changed" },
        { key: "p/big", value: "x".repeat(300_000) },
        { key: "p/new", value: "n" },
      ]),
    );
    const r = await s.run(["kv", "import", file, "--prune", "--prefix", "p/", "--yes", "--batch-size", "1"]);
    failed(r, 2, /too-big\.ndjson:2 "p\/big": .*preview tier allows at most[\s\S]*1 of 3 entries in .*too-big\.ndjson is invalid; nothing was written\./);
    expect(await s.keys()).toBe(SEEDED);
    expect((await s.run(["kv", "get", "p/a"])).out).toBe("1");
  });

  it("a batch the target refuses whole stops the import, accounting for every batch sent; nothing is pruned", async () => {
    const s = seeded();
    expect((await s.run(["kv", "namespace", "create", "n"])).code).toBe(0);
    const seed = await s.run(["kv", "import", "-n", "n", s.write("seed-n.ndjson", ndjson([{ key: "p/old", value: "o" }]))]);
    expect(seed.code, seed.stderr).toBe(0);
    const file = s.write(
      "three.ndjson",
      ndjson([
        { key: "p/1", value: "1" },
        { key: "p/2", value: "2" },
        { key: "p/3", value: "3" },
      ]),
    );
    // Another process removes the namespace once the first batch is written: the second is refused whole.
    const other = EmulatorCore.open(join(s.cwd, ".yourspace"), s.clock);
    onTestFinished(() => other.close());
    const r = await s.run(["kv", "import", "-n", "n", file, "--prune", "--prefix", "p/", "--yes", "--batch-size", "1", "--concurrency", "1"], {
      tty: { stderr: true },
      onStderr: (chunk) => {
        // Each line drawn moves the test's clock past the redraw interval, so every batch is drawn.
        if (chunk.includes("Importing")) s.clock.advance(1_000);
        if (chunk.includes(" 1/3 ")) other.engine.removeNamespace("local", "n");
      },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /The namespace "n" does not exist\. The import stopped after 1 of 3 batches: 1 of 3 entries written \(1 created, 0 updated, 0 unchanged\); nothing was pruned\./,
    );
  });

  it("a quota refusal writes nothing and removes nothing", async () => {
    const s = seeded();
    await s.setUp();
    // 48 values of 1 MiB cross the free tier's 50,000,000 bytes.
    // The lines JSON.stringify writes, with the value's JSON made once (per line, it was most of the test's own CPU).
    const big = Buffer.from(JSON.stringify("y".repeat(1_048_576)));
    const file = join(s.cwd, "big.ndjson");
    writeFileSync(
      file,
      Buffer.concat(Array.from({ length: 48 }, (_, i) => [Buffer.from(`{"key":"p/${String(i).padStart(2, "0")}","value":`), big, Buffer.from("}\n")]).flat()),
    );
    const r = await s.run(["kv", "import", file, "--prune", "--prefix", "p/", "--yes"]);
    failed(r, 6, /free tier.*Nothing was written/);
    expect(await s.keys()).toBe(SEEDED);
  });

  it("without --prune too, a file that changes between its check and its writing is not reported as imported", async () => {
    const s = seeded();
    const file = s.write(
      "moving.ndjson",
      ndjson([
        { key: "p/a", value: "1" },
        { key: "p/b", value: "2" },
      ]),
    );
    let swapped = false;
    const r = await s.run(["kv", "import", file], {
      tty: { stderr: true },
      onStderr: (chunk) => {
        if (!swapped && chunk.includes("Importing")) {
          swapped = true;
          // An invalid entry now: the second reading skips it.
          writeFileSync(file, `${JSON.stringify({ key: "p/a", value: "1" })}\n{"key":"p/b"}\n`);
        }
      },
    });
    expect(swapped).toBe(true);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("✔");
    expect(r.stderr).toMatch(/changed while it was imported \(2 entries when checked, 1 when written\); 1 entry was written\./);
  });

  it("a file that changes between its check and its writing prunes nothing", async () => {
    const s = seeded();
    await s.setUp();
    const file = s.write(
      "moving.ndjson",
      ndjson([
        { key: "p/a", value: "1" },
        { key: "p/b", value: "2" },
      ]),
    );
    // The first line drawn on a terminal comes after the check and before the first batch.
    let swapped = false;
    const r = await s.run(["kv", "import", file, "--prune", "--prefix", "p/", "--yes"], {
      tty: { stderr: true },
      onStderr: (chunk) => {
        if (!swapped && chunk.includes("Importing")) {
          swapped = true;
          writeFileSync(
            file,
            ndjson([
              { key: "p/a", value: "1" },
              { key: "p/old", value: "o" },
            ]),
          );
        }
      },
    });
    expect(swapped).toBe(true);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/changed while it was imported.*nothing was pruned/);
    expect(await s.keys()).toBe(SEEDED);
  });
});
