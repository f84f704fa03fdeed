import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { runCli, tempDir, type InProcessOptions } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/** The progress line of `kv import`: on a terminal's stderr only, redrawn in place, taking nothing else of the terminal. */

const REDRAW = "\r\u001b[2K";

/** The lines a terminal shows for this output: a redraw erases its line, colours are not text. */
function screen(stderr: string): string[] {
  return stderr
    .replace(/\u001b\[\d+m/g, "")
    .split("\n")
    .map((line) => line.slice(line.lastIndexOf(REDRAW) === -1 ? 0 : line.lastIndexOf(REDRAW) + REDRAW.length));
}

function importing(count: number, extra: Partial<InProcessOptions> = {}, flags: string[] = []) {
  const cwd = tempDir();
  const clock = new ManualClock(T0);
  const file = join(cwd, "entries.ndjson");
  writeFileSync(file, Array.from({ length: count }, (_, i) => `${JSON.stringify({ key: `k${i}`, value: "v" })}\n`).join(""));
  const writes: string[] = [];
  const sigintListeners: number[] = [];
  return runCli(["kv", "import", file, "--batch-size", "1", ...flags], {
    cwd,
    clock,
    ...extra,
    onStderr: (chunk) => {
      writes.push(chunk);
      if (chunk.includes("Importing")) {
        sigintListeners.push(process.listenerCount("SIGINT"));
        // Past the redraw interval: every batch is drawn.
        clock.advance(1_000);
      }
    },
  }).then((r) => ({ ...r, writes, sigintListeners }));
}

describe("the progress line", () => {
  it("is never written to a stderr that is not a terminal", async () => {
    const r = await importing(5);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("Importing");
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr).not.toContain("\u001b[");
  });

  it("is not drawn under --json or --quiet, even on a terminal", async () => {
    for (const flag of ["--json", "--quiet"]) {
      const r = await importing(5, { tty: { stderr: true } }, [flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain("Importing");
      expect(r.stderr).not.toContain("\r");
    }
  });

  it("on a terminal, redraws in place: each drawing returns to the start of the line and clears it, with no new line", async () => {
    const r = await importing(5, { tty: { stderr: true } });
    expect(r.code, r.stderr).toBe(0);
    const drawings = r.writes.filter((w) => w.includes("Importing"));
    expect(drawings).toHaveLength(6);
    for (const d of drawings) {
      expect(d.startsWith(REDRAW), JSON.stringify(d)).toBe(true);
      expect(d).not.toContain("\n");
      // Narrower than the terminal (80 columns when it does not say), so it never wraps.
      expect(d.length - REDRAW.length).toBeLessThan(80);
    }
    expect(drawings.map((d) => / (\d)\/5 /.exec(d)?.[1])).toEqual(["0", "1", "2", "3", "4", "5"]);
    // The last line replaces the bar and ends it.
    const last = r.writes.find((w) => w.includes("Imported 5 entries in"))!;
    expect(last.startsWith(REDRAW)).toBe(true);
    expect(last.endsWith("\n")).toBe(true);
  });

  it("installs no signal handlers of its own (Ctrl-C stays the process's; @clack's bar answered it with exit 0)", async () => {
    const before = process.listenerCount("SIGINT");
    const r = await importing(3, { tty: { stderr: true } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.sigintListeners.length).toBeGreaterThan(0);
    for (const n of r.sigintListeners) expect(n).toBe(before);
  });

  it("is cleared before an error, so the error starts its own line", async () => {
    const cwd = tempDir();
    const clock = new ManualClock(T0);
    const file = join(cwd, "entries.ndjson");
    writeFileSync(file, `${JSON.stringify({ key: "a", value: "v" })}\n${JSON.stringify({ key: "b", value: "v" })}\n`);
    const stop = new AbortController();
    const r = await runCli(["kv", "import", file, "--batch-size", "1"], {
      cwd,
      clock,
      tty: { stderr: true },
      signal: stop.signal,
      onStderr: (chunk) => {
        if (chunk.includes("Importing")) clock.advance(1_000);
        if (chunk.includes(" 1/2 ")) stop.abort("SIGINT");
      },
    });
    expect(r.code).toBe(130);
    // What the terminal shows: the bar made way for the note, and the error is on its own line.
    expect(screen(r.stderr)).toEqual([
      "target: embedded emulator at .yourspace (site local)",
      "! SIGINT: stopping after the step in progress (press Ctrl-C again to stop at once).",
      "✖ Import interrupted by SIGINT after 1 of 2 batches: 1 of 2 entries written (1 created, 0 updated, 0 unchanged).",
      "  Run the same command again to finish: batches are atomic, and entries already written are skipped as unchanged.",
      "",
    ]);
  });
});

describe("the progress of kv rm --prefix", () => {
  it("on a terminal, counts the keys removed so far against those counted, a step at a time", async () => {
    const cwd = tempDir();
    const clock = new ManualClock(T0);
    const file = join(cwd, "entries.ndjson");
    writeFileSync(file, Array.from({ length: 2_500 }, (_, i) => `${JSON.stringify({ key: `k${String(i).padStart(4, "0")}`, value: "v" })}\n`).join(""));
    expect((await runCli(["kv", "import", file, "--quiet"], { cwd, clock })).code).toBe(0);
    const r = await runCli(["kv", "rm", "--prefix", "k", "--yes"], {
      cwd,
      clock,
      tty: { stderr: true },
      // Past the redraw interval: every step is drawn.
      onStderr: (chunk) => chunk.includes("Removing") && clock.advance(1_000),
    });
    expect(r.code, r.stderr).toBe(0);
    const drawn = r.stderr.split(REDRAW).filter((s) => s.startsWith("Removing"));
    expect(drawn[0]).toContain(" 0/2,500 ");
    // The embedded target's first step takes 1,000 rows (StepSize), whatever the machine.
    expect(drawn[1]).toContain(" 1,000/2,500 ");
    expect(screen(r.stderr).join("\n")).toContain('Removed 2,500 keys under "k" from default.');
  });
});
