import { formatDuration } from "../../core/duration.js";
import type { ModelJson } from "../../core/emulator-views.js";

/** The consistency model in a line, as config and status print it (an endless cache TTL is null). */
export function describeModel(m: ModelJson): string {
  const timing =
    m.edgeStore === "replica"
      ? `push after ${formatDuration(m.delayMs)} + up to ${formatDuration(m.jitterMs)} jitter`
      : `edge caches for ${m.cacheTtlMs !== null ? formatDuration(m.cacheTtlMs) : "ever"}${m.propagation === "invalidate" ? `, invalidated after ${formatDuration(m.delayMs)} + up to ${formatDuration(m.jitterMs)}` : ""}`;
  return `profile ${m.profile} · home ${m.home} · edges ${m.edges.join(", ") || "none"} · ${m.edgeStore}, ${timing}`;
}
