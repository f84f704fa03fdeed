// The CPU time of a page's renderer main thread, from a Chromium trace (browser.startTracing with
// TRACE_CATEGORIES): how much work the page itself does before a moment, apart from the time it waits
// for other processes or, on a busy machine, for a core. Thread time (each task's `tdur`) is counted,
// not wall time.

export const TRACE_CATEGORIES = ["devtools.timeline", "toplevel", "loading", "blink.user_timing"];

const SCRIPT = /^(EvaluateScript|v8\.evaluateModule|FunctionCall|RunMicrotasks|TimerFire|FireAnimationFrame)$/;
const STYLE_AND_LAYOUT = /^(UpdateLayoutTree|Layout)$/;
const TOP_LEVEL = /^(RunTask|ThreadControllerImpl::RunTask)$/;

/**
 * The renderer main thread that requested `scriptUrlEnd` (the page's bundle), from its last navigation
 * start until `untilMs` in the page's clock: CPU ms in all, in script, and in style and layout.
 */
export function rendererCpu(traceJson, scriptUrlEnd, untilMs) {
  const events = JSON.parse(traceJson).traceEvents;
  const request = events.find((e) => e.name === "ResourceSendRequest" && (e.args?.data?.url ?? "").endsWith(scriptUrlEnd));
  if (!request) return { total: NaN, script: NaN, styleAndLayout: NaN };
  const thread = events.filter((e) => e.pid === request.pid && e.tid === request.tid);
  const start = thread.filter((e) => e.name === "navigationStart").at(-1)?.ts;
  if (start === undefined) return { total: NaN, script: NaN, styleAndLayout: NaN };
  const end = start + untilMs * 1000;
  const within = thread.filter((e) => e.ph === "X" && e.ts >= start && e.ts < end);
  /** Thread time of the events named so, nested ones counted once. */
  const cpu = (names) => {
    let sum = 0;
    let until = 0;
    for (const e of within.filter((w) => names.test(w.name)).sort((a, b) => a.ts - b.ts)) {
      if (e.ts < until) continue;
      sum += e.tdur ?? e.dur;
      until = e.ts + e.dur;
    }
    return sum / 1000;
  };
  return { total: cpu(TOP_LEVEL), script: cpu(SCRIPT), styleAndLayout: cpu(STYLE_AND_LAYOUT) };
}
