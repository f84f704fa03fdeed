/**
 * JSON, pretty and collapsible: objects and arrays are disclosure widgets (details/summary), open to
 * two levels. A node's children are made only while it is open, and a thousand at a time: a value of
 * a few KB may nest thousands deep, or hold a hundred thousand items, and making them all at once
 * overflowed the stack or held the page for seconds.
 */
import { useState } from "preact/hooks";
import { safeJson } from "../../core/escape.js";

const OPEN_LEVELS = 2;
const CHILDREN_AT_A_TIME = 1000;

export function JsonTree({ value, name, depth = 0 }: { value: unknown; name?: string; depth?: number }) {
  const [open, setOpen] = useState(depth < OPEN_LEVELS);
  const [shown, setShown] = useState(CHILDREN_AT_A_TIME);
  const label = name === undefined ? null : <span class="json-name">{safeJson(name)}: </span>;
  if (value === null || typeof value !== "object") {
    return (
      <div class="json-leaf">
        {label}
        <span class={`json-${value === null ? "null" : typeof value}`}>{safeJson(value)}</span>
      </div>
    );
  }
  const isArray = Array.isArray(value);
  const count = isArray ? value.length : Object.keys(value).length;
  const [start, end] = isArray ? ["[", "]"] : ["{", "}"];
  return (
    <details open={open} class="json-node" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        {label}
        {start}
        <span class="muted">
          {" "}
          {count} {isArray ? "items" : "fields"}{" "}
        </span>
        {end}
      </summary>
      {open && (
        <div class="json-children">
          {firstChildren(value, shown).map(([k, v], i) => (
            <JsonTree key={k ?? i} value={v} name={k} depth={depth + 1} />
          ))}
          {count > shown && (
            <button type="button" onClick={() => setShown(shown + CHILDREN_AT_A_TIME)}>
              Show {Math.min(CHILDREN_AT_A_TIME, count - shown)} more of {count - shown} left
            </button>
          )}
        </div>
      )}
    </details>
  );
}

/** The first `n` items of an array (unnamed) or fields of an object. */
function firstChildren(value: object, n: number): [string | undefined, unknown][] {
  return Array.isArray(value) ? value.slice(0, n).map((v): [undefined, unknown] => [undefined, v]) : Object.entries(value).slice(0, n);
}
