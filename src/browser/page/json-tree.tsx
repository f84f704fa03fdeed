/** JSON, pretty and collapsible: objects and arrays are disclosure widgets (details/summary), open to two levels. */
import { safeJson } from "../../core/escape.js";

export function JsonTree({ value, name, depth = 0 }: { value: unknown; name?: string; depth?: number }) {
  const label = name === undefined ? null : <span class="json-name">{safeJson(name)}: </span>;
  if (value === null || typeof value !== "object") {
    return (
      <div class="json-leaf">
        {label}
        <span class={`json-${value === null ? "null" : typeof value}`}>{safeJson(value)}</span>
      </div>
    );
  }
  const entries: [string | undefined, unknown][] = Array.isArray(value) ? value.map((v) => [undefined, v]) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return (
    <details open={depth < 2} class="json-node">
      <summary>
        {label}
        {open}
        <span class="muted">
          {" "}
          {entries.length} {Array.isArray(value) ? "items" : "fields"}{" "}
        </span>
        {close}
      </summary>
      <div class="json-children">
        {entries.map(([k, v], i) => (
          <JsonTree key={k ?? i} value={v} name={k} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}
