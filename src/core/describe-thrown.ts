import { inspect } from "node:util";

/** A thrown value in words: an error's message, or a short description of anything else. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error || (e !== null && typeof e === "object" && typeof (e as { message?: unknown }).message === "string")) {
    const message = String((e as { message: string }).message).trim();
    if (message) return message.replace(/\.$/, "");
  }
  if (typeof e === "string" && e.trim()) return e.trim().replace(/\.$/, "");
  return inspect(e, { depth: 2, breakLength: Number.POSITIVE_INFINITY, maxStringLength: 200 });
}
