import { formatDuration } from "../../core/duration.js";
import type { ModelParams } from "../../emulator/index.js";

/** The consistency model as config and status print it. */
export function modelJson(m: ModelParams): Record<string, unknown> {
  return { ...m, cacheTtlMs: finite(m.cacheTtlMs), deltaMs: undefined };
}

export function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

export function describeModel(m: ModelParams): string {
  const timing =
    m.edgeStore === "replica"
      ? `push after ${formatDuration(m.delayMs)} + up to ${formatDuration(m.jitterMs)} jitter`
      : `edge caches for ${Number.isFinite(m.cacheTtlMs) ? formatDuration(m.cacheTtlMs) : "ever"}${m.propagation === "invalidate" ? `, invalidated after ${formatDuration(m.delayMs)} + up to ${formatDuration(m.jitterMs)}` : ""}`;
  return `profile ${m.profile} · home ${m.home} · edges ${m.edges.join(", ") || "none"} · ${m.edgeStore}, ${timing}`;
}
