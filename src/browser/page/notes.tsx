/** Messages to the user: failures (announced at once) and notices (announced when idle). */
import { PageError } from "./api.js";

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof PageError ? error.hint : null;
  return (
    <div role="alert" class="note error">
      <p>{message}</p>
      {hint && <p class="hint">{hint}</p>}
    </div>
  );
}

export function Notice({ text }: { text: string | null }) {
  return (
    <p role="status" class="note notice">
      {text ?? ""}
    </p>
  );
}
