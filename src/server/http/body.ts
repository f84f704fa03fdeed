import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { apiErrors } from "../../core/api-errors.js";
import type { KvError } from "../../core/errors.js";
import { HEADERS, type BodyShape, type FieldKind } from "../../contract/index.js";

type TooLarge = (size: number, limit: number) => KvError;

/**
 * A request header (the first, if sent twice), read from the raw list: Node builds `req.headers`, an
 * object of every header, on first use, which a value's GET or PUT otherwise never needs.
 */
export function headerOf(req: IncomingMessage, lowerCaseName: string): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerCaseName.length && name.toLowerCase() === lowerCaseName) return raw[i + 1];
  }
  return undefined;
}

/** Whether a request sends a body: a declared length other than 0, or a chunked one. */
export function sendsBody(req: IncomingMessage): boolean {
  const length = headerOf(req, HEADERS.contentLength);
  return (length !== undefined && length !== "0") || headerOf(req, HEADERS.transferEncoding) !== undefined;
}

/** SHA-256 of the bodies read of requests that carry an Idempotency-Key. */
const digests = new WeakMap<IncomingMessage, Buffer>();
const NO_BODY = createHash("sha256").digest();

/**
 * What a request asked, as one string: method, path and query, metadata and precondition headers, and body. A retry of
 * the same request has the same fingerprint; a different request under the same Idempotency-Key does not.
 */
export function requestFingerprint(req: IncomingMessage): string {
  return createHash("sha256")
    .update(
      `${req.method} ${req.url}\n${headerOf(req, HEADERS.metadata) ?? ""}\n${headerOf(req, HEADERS.ifMatch) ?? ""}\n${headerOf(req, HEADERS.ifNoneMatch) ?? ""}\n`,
    )
    .update(digests.get(req) ?? NO_BODY)
    .digest("base64url");
}

/** Requests sent with `Expect: 100-continue` whose "100 Continue" is not sent yet: it goes out when the body is first read. */
const awaitingContinue = new WeakMap<IncomingMessage, ServerResponse>();

/**
 * Marks a request whose client waits for "100 Continue" before it sends its body. The 100 is sent
 * when a handler starts reading the body, so a request refused before that (a bad token, a declared
 * length over the limit) is answered without inviting a body it would not read. Only for a request
 * whose answer is next on its connection: one sent earlier on the same connection must be answered
 * first, or the 100 lands inside that answer.
 */
export function continueWhenRead(req: IncomingMessage, res: ServerResponse): void {
  awaitingContinue.set(req, res);
}

function inviteBody(req: IncomingMessage): void {
  const res = awaitingContinue.get(req);
  if (res === undefined) return;
  awaitingContinue.delete(req);
  if (!res.headersSent) res.writeContinue();
}

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before a byte is read; a body that streams past the limit is cut off as soon as it does.
 */
export async function readBody(req: IncomingMessage, limit: number, tooLarge: TooLarge = apiErrors.bodyTooLarge): Promise<Buffer> {
  const body = await readLimited(req, limit, tooLarge);
  // Only a write that may be retried needs it (see requestFingerprint).
  if (headerOf(req, HEADERS.idempotencyKey) !== undefined) digests.set(req, createHash("sha256").update(body).digest());
  return body;
}

async function readLimited(req: IncomingMessage, limit: number, tooLarge: TooLarge): Promise<Buffer> {
  const declared = headerOf(req, HEADERS.contentLength);
  if (declared !== undefined) {
    if (!/^\d+$/.test(declared)) throw apiErrors.contentLengthInvalid(declared);
    if (Number(declared) > limit) throw tooLarge(Number(declared), limit);
    inviteBody(req);
    // The parser stops the body at its declared length, so it cannot run past the limit.
    return readDeclared(req, Number(declared));
  }
  inviteBody(req);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) throw tooLarge(total, limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/** A body of a declared length, read with plain listeners: cheaper than an async iterator for the small bodies most requests send. */
function readDeclared(req: IncomingMessage, length: number): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    // Closed before the end: the client went away, or the request timed out.
    const onClose = () => {
      done();
      reject(Object.assign(new Error(`The request body ended after ${total} of ${length} bytes.`), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    };
    const done = () => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = headerOf(req, HEADERS.contentType) ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw apiErrors.contentTypeNotJson(type);
  }
  const body = await readBody(req, limit);
  // Decoding would replace bad bytes with U+FFFD, and so store a key or name nobody sent.
  if (!isUtf8(body)) throw apiErrors.bodyNotUtf8();
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw apiErrors.bodyNotJson((e as Error).message);
  }
}

const KIND_TEXT: Record<FieldKind, string> = {
  string: "a string",
  stringOrNull: "a string or null",
  boolean: "true or false",
  integer: "a whole number",
  number: "a number",
  int64: "a number or a decimal string",
  strings: "an array of strings",
  array: "an array",
};

function fits(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "stringOrNull":
      return value === null || typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return Number.isSafeInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "int64":
      // Only the kind: which numbers and texts are integers, and in range, is checked with the value
      // itself (core/int64.ts, parseIncrement), whose USAGE error can say so.
      return typeof value === "number" || typeof value === "string";
    case "strings":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "array":
      return Array.isArray(value);
  }
}

function kindOf(value: unknown): string {
  if (typeof value === "number") return numberText(value);
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A number that is not the kind a field takes, by what it is: "a number" would say nothing (1e400 read as Infinity, 1.5 for a whole number). */
function numberText(value: number): string {
  if (!Number.isFinite(value)) return "a number beyond a 64-bit float (read as infinite)";
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return "a whole number beyond 2^53 − 1, where a number is not exact";
  return `the number ${value}`;
}

/**
 * A JSON body that must be an object of `shape`: every field of the right kind, the required ones
 * present, no others (a misspelt "dryRun" must not turn a dry run into a write).
 */
export async function readObject(req: IncomingMessage, limit: number, { fields: shape, example }: BodyShape): Promise<Record<string, unknown>> {
  const doc = await readJson(req, limit);
  const malformed = (why: string) => apiErrors.bodyNotShaped(example, why);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw malformed(`this one is ${kindOf(doc)}`);
  const fields = doc as Record<string, unknown>;
  for (const name of Object.keys(fields)) if (!Object.hasOwn(shape, name)) throw malformed(`it has an unknown field ${JSON.stringify(name)}`);
  for (const [name, { kind, required }] of Object.entries(shape)) {
    const value = fields[name];
    if (value === undefined) {
      if (required) throw malformed(`"${name}" is missing`);
    } else if (!fits(value, kind)) throw malformed(`"${name}" must be ${KIND_TEXT[kind]}, not ${kindOf(value)}`);
  }
  return fields;
}
