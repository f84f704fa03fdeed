import { errors } from "../core/errors.js";

export type ValueType = "text" | "json" | "arrayBuffer" | "stream";
const TYPES: readonly string[] = ["text", "json", "arrayBuffer", "stream"];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A value a function may put: text, bytes in any view, or a stream of bytes (read whole first). */
export async function bytesOf(value: unknown): Promise<Uint8Array> {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof ArrayBuffer || isForeign(value, "ArrayBuffer")) return new Uint8Array(value as ArrayBuffer);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value !== null && typeof value === "object" && typeof (value as ReadableStream).getReader === "function") return readAll(value as ReadableStream);
  throw errors.usage(
    `A value must be a string, an ArrayBuffer, a typed array or a ReadableStream, not ${value === null ? "null" : typeof value}.`,
    "Convert it first: JSON.stringify(object) for an object, String(n) for a number.",
  );
}

/** A stored value as the type asked for; a value that is not JSON rejects a "json" read. */
export function valueAs(bytes: Uint8Array, type: ValueType): unknown {
  switch (type) {
    case "text":
      return decoder.decode(bytes);
    case "json":
      try {
        return JSON.parse(decoder.decode(bytes)) as unknown;
      } catch (e) {
        throw errors.usage(`The value is not JSON (${(e as Error).message}).`, 'Read it as "text", or store JSON.');
      }
    case "arrayBuffer":
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    case "stream":
      return new ReadableStream({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
  }
}

/** The type argument of get: a name, or Cloudflare's options object ({ type, cacheTtl }). */
export function readOptionsOf(arg: unknown): { type: ValueType; cacheTtl?: number; consistency: "strong" | "eventual" } {
  if (arg === undefined || arg === null) return { type: "text", consistency: "eventual" };
  if (typeof arg === "string") return { type: checkType(arg), consistency: "eventual" };
  if (typeof arg !== "object") throw errors.usage(`A read's type must be "text", "json", "arrayBuffer" or "stream", not ${typeof arg}.`);
  const { type, cacheTtl, consistency } = arg as { type?: unknown; cacheTtl?: unknown; consistency?: unknown };
  if (cacheTtl !== undefined && (typeof cacheTtl !== "number" || !(cacheTtl >= 0)))
    throw errors.usage(`cacheTtl must be a number of seconds, not ${String(cacheTtl)}.`);
  if (consistency !== undefined && consistency !== "strong" && consistency !== "eventual")
    throw errors.usage(`consistency must be "strong" or "eventual", not ${JSON.stringify(consistency)}.`);
  return { type: type === undefined ? "text" : checkType(type), cacheTtl: cacheTtl as number | undefined, consistency: consistency ?? "eventual" };
}

function checkType(type: unknown): ValueType {
  if (typeof type === "string" && TYPES.includes(type)) return type as ValueType;
  throw errors.usage(`A read's type must be "text", "json", "arrayBuffer" or "stream", not ${JSON.stringify(type)}.`);
}

async function readAll(stream: ReadableStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream as unknown as AsyncIterable<unknown>) {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : await bytesOf(chunk);
    chunks.push(bytes);
    size += bytes.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** An object of another realm (a function's own ArrayBuffer) fails instanceof; its tag does not. */
function isForeign(value: unknown, tag: string): boolean {
  return Object.prototype.toString.call(value) === `[object ${tag}]`;
}
