import type { Context } from "./context.js";

export interface Progress {
  advance(n: number): void;
  stop(message: string): void;
}

const silent: Progress = { advance() {}, stop() {} };

/**
 * A progress bar on stderr with count, rate and time left, for a person at a terminal. Scripts (no
 * terminal, --json or --quiet) get none: they get the summary at the end.
 */
export async function startProgress(ctx: Context, label: string, total: number): Promise<Progress> {
  if (!ctx.out.stderrIsTTY || ctx.out.json || ctx.out.quiet || total === 0) return silent;
  const { progress } = await import("@clack/prompts");
  const bar = progress({ max: total, output: ctx.io.stderr, withGuide: false });
  const started = Date.now();
  let done = 0;
  let shown = 0;
  const describe = () => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = done / seconds;
    const left = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    return `${label} ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} · ${Math.round(rate).toLocaleString("en-US")}/s · ${left}s left`;
  };
  bar.start(describe());
  return {
    advance(n) {
      done += n;
      // Redraw at most ten times a second; the bar itself moves with every call.
      const now = Date.now();
      bar.advance(n, now - shown >= 100 ? describe() : undefined);
      if (now - shown >= 100) shown = now;
    },
    stop(message) {
      bar.stop(message);
    },
  };
}
