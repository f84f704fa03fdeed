import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { createBrotliCompress, createDeflate, createGzip } from "node:zlib";
import { HEADERS } from "../contract/index.js";
import { apiErrors } from "../core/api-errors.js";
import { EdgeRequest } from "./edge-request.js";
import { sourceOf, untouchedHeadersOf } from "./edge-response.js";

const NO_BODY = new Set(["GET", "HEAD"]);

/**
 * Headers that say how the body is framed on the wire. A Response's body is the bytes themselves, so
 * what it says of their framing need not hold (a length copied from another answer, a coding fetch()
 * has already undone): the server frames what it sends itself.
 */
const FRAMING = new Set<string>([HEADERS.contentLength, HEADERS.transferEncoding]);

/**
 * The largest request body a function is given: 100 MiB, what edge platforms commonly accept
 * (Cloudflare's Free and Pro plans). Bodies are read whole before the function runs, so without a
 * cap one upload could take all of the process's memory.
 */
const MAX_REQUEST_BODY_BYTES = 100 * 1_048_576;

/** A request without a body (GET, HEAD) as the Request a function gets, at once; null for one whose body requestOf() reads. */
export function bodilessRequestOf(req: IncomingMessage, origin: string): EdgeRequest | null {
  const method = req.method ?? "GET";
  return NO_BODY.has(method) ? new EdgeRequest(origin + (req.url ?? "/"), method, req.rawHeaders, null, origin.length) : null;
}

/**
 * A node request as the Request a function gets; a body is read whole first. One over the cap is
 * refused (BODY_TOO_LARGE) as soon as its length says so, or once that much of it has come.
 */
export async function requestOf(req: IncomingMessage, origin: string, maxBody = MAX_REQUEST_BODY_BYTES): Promise<EdgeRequest> {
  const bodiless = bodilessRequestOf(req, origin);
  if (bodiless) return bodiless;
  const method = req.method ?? "GET";
  const declared = Number(req.headers[HEADERS.contentLength]);
  if (declared > maxBody) throw apiErrors.bodyTooLarge(declared, maxBody);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw apiErrors.bodyTooLarge(size, maxBody);
    chunks.push(chunk as Buffer);
  }
  return new EdgeRequest(origin + (req.url ?? "/"), method, req.rawHeaders, Buffer.concat(chunks), origin.length);
}

/**
 * Sends a Response, with the runner's own headers added, streaming its body as it comes. A body is
 * sent encoded as its Content-Encoding says, as the platform does: a Response's body is never encoded
 * (fetch() decodes what it receives), so an origin's gzip answer passed on as it is, or a function's
 * `content-encoding: gzip`, arrives gzip-encoded. A body of text or bytes is sent at once (undefined);
 * a stream, by the promise returned.
 */
export function send(res: ServerResponse, response: Response, extra: Record<string, string>): Promise<void> | undefined {
  const untouched = untouchedHeadersOf(response);
  if (untouched !== undefined) {
    // `new Response(text or bytes)` as it was made: its headers are known without making its Headers.
    const source = sourceOf(response)!;
    const head: Record<string, string> = Object.assign(untouched, extra);
    head[HEADERS.contentLength] = String(Buffer.byteLength(source));
    res.writeHead(response.status, head);
    res.end(source);
    return undefined;
  }
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie" && !FRAMING.has(name)) headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  Object.assign(headers, extra);
  const encoder = encoderFor(response.headers.get("content-encoding"));
  const source = encoder ? undefined : sourceOf(response);
  // A body made of text or bytes goes out with the head, in one write.
  if (source !== undefined) {
    if (source !== null) headers[HEADERS.contentLength] = String(Buffer.byteLength(source));
    res.writeHead(response.status, headers);
    res.end(source ?? undefined);
    return undefined;
  }
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return undefined;
  }
  if (encoder) return pipeline(Readable.fromWeb(response.body as NodeReadableStream), encoder, res);
  return streamBody(res, response.body);
}

async function streamBody(res: ServerResponse, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

/** The compressor for a Content-Encoding the server can apply; none for identity or a coding it does not know. */
function encoderFor(coding: string | null): Transform | null {
  switch (coding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return createGzip();
    case "deflate":
      return createDeflate();
    case "br":
      return createBrotliCompress();
    default:
      return null;
  }
}
