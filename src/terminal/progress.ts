import type { Clock } from "../core/clock.js";
import type { Io } from "./io.js";
import type { Output } from "./output.js";
import { formatNumber as n } from "../core/numbers.js";

/** What a progress line needs of the command running it: where it draws, whether it may, and when to make way. */
interface ProgressHost {
  io: Pick<Io, "stderr">;
  out: Pick<Output, "stderrIsTTY" | "json" | "quiet">;
  clock: Clock;
  /** Aborted by a signal: the bar makes way for the note that answers it. */
  signal: AbortSignal;
}

export interface Progress {
  advance(n: number): void;
  /** Replaces the bar with a last line. */
  stop(message: string): void;
  /** Removes the bar, leaving the line empty for what comes next (an error). */
  clear(): void;
}

/** No display: for scripts, and where the command's own output would tear a line. */
export const noProgress: Progress = { advance() {}, stop() {}, clear() {} };

/** Back to the start of the line and erase it: every redraw overwrites the last one. */
const REDRAW = "\r\u001b[2K";
const BAR_WIDTH = 24;
/** A person cannot read faster than this; more redraws only cost time. */
const REDRAW_EVERY_MS = 100;

/**
 * One line on stderr with a bar, count, rate and time left, for a person at a terminal, redrawn in
 * place. Scripts (no terminal, --json or --quiet) get nothing: they get the summary at the end.
 * It takes nothing from the terminal but that line: no raw mode, no signal handlers (Ctrl-C stays
 * the process's, see src/commands/interruption.ts).
 */
export function startProgress(ctx: ProgressHost, label: string, total: number): Progress {
  if (!ctx.out.stderrIsTTY || ctx.out.json || ctx.out.quiet || total === 0) return noProgress;
  const now = () => ctx.clock.now();
  const stderr = ctx.io.stderr as NodeJS.WritableStream & { columns?: number };
  const started = now();
  let done = 0;
  let drawn = -Infinity;
  let shown = false;
  const describe = () => {
    const seconds = Math.max(0.001, (now() - started) / 1000);
    const rate = done / seconds;
    const left = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    const filled = Math.round((BAR_WIDTH * Math.min(done, total)) / total);
    return `${label} ${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)} ${n(done)}/${n(total)} · ${n(Math.round(rate))}/s · ${left}s left`;
  };
  // A line longer than the terminal wraps, and a carriage return then goes back only to the last row.
  const fitToWidth = (text: string) => text.slice(0, Math.max(1, (stderr.columns ?? 80) - 1));
  const draw = () => {
    drawn = now();
    shown = true;
    stderr.write(`${REDRAW}${fitToWidth(describe())}`);
  };
  draw();
  // A signal is answered on stderr at once (src/commands/interruption.ts): the bar makes way for it.
  const makeWay = () => clear();
  ctx.signal.addEventListener("abort", makeWay, { once: true });
  const clear = () => {
    if (shown) stderr.write(REDRAW);
    shown = false;
  };
  return {
    advance(count) {
      done += count;
      if (now() - drawn >= REDRAW_EVERY_MS) draw();
    },
    stop(message) {
      ctx.signal.removeEventListener("abort", makeWay);
      stderr.write(`${shown ? REDRAW : ""}${message}\n`);
      shown = false;
    },
    clear() {
      ctx.signal.removeEventListener("abort", makeWay);
      clear();
    },
  };
}
