import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { onTestFinished } from "vitest";

/** Helpers for speaking HTTP/1.1 byte by byte to a server, for requests no well-behaved client sends. */

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RawConnection {
  socket: Socket;
  /** The first response on the connection: resolves once its head and (Content-Length) body are in. */
  response: Promise<RawResponse>;
  write(data: string | Buffer): Promise<void>;
}

/** A TCP connection to the server behind `url`, once connected; destroyed when the test ends. */
async function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  onTestFinished(() => {
    socket.destroy();
  });
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

/** Opens a TCP connection to the server behind `url`; destroyed when the test ends. */
export async function rawConnect(url: string): Promise<RawConnection> {
  const socket = await openSocket(url);
  const response = new Promise<RawResponse>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const tryParse = (ended: boolean) => {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (ended) reject(new Error(`connection ended before a response head: ${JSON.stringify(buffer.toString("latin1"))}`));
        return;
      }
      const [statusLine, ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(":");
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      const length = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
      const rest = buffer.subarray(end + 4);
      if (length !== undefined && rest.length < length && !ended) return;
      const body = length === undefined ? rest : rest.subarray(0, length);
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        json = undefined;
      }
      socket.off("data", onData);
      resolve({ status, headers, body, json });
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      tryParse(false);
    };
    socket.on("data", onData);
    socket.once("end", () => tryParse(true));
    socket.once("close", () => tryParse(true));
  });
  // Nothing waits on a response some tests never look at; keep a rejection from going unhandled.
  response.catch(() => {});
  const write = (data: string | Buffer) =>
    new Promise<void>((resolve, reject) => {
      socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  return { socket, response, write };
}

/** Sends one raw request (head and optional body) on a new connection and awaits the response. */
export async function rawRequest(url: string, head: string, body?: string | Buffer): Promise<RawResponse> {
  const c = await rawConnect(url);
  await c.write(head);
  if (body !== undefined) await c.write(body);
  return c.response;
}

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Parses a byte stream as a sequence of HTTP/1.1 responses, strictly: every byte must belong to a
 * status line, a header block or a body framed by Content-Length or chunked encoding. Interim (1xx)
 * responses are returned too, in place. Throws, naming the offset, on anything else.
 */
export function parseResponses(stream: Buffer, options: { head?: boolean } = {}): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at byte ${at} of ${stream.length}: ${JSON.stringify(stream.subarray(at, at + 80).toString("latin1"))}`);
  };
  while (at < stream.length) {
    const end = stream.indexOf("\r\n\r\n", at);
    if (end < 0) fail("a response head without its end");
    const [statusLine, ...lines] = stream.subarray(at, end).toString("latin1").split("\r\n");
    const status = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(statusLine!);
    if (!status) fail("not a status line");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, colon))) fail(`not a header line ${JSON.stringify(line)}`);
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    at = end + 4;
    const code = Number(status![1]);
    let body: Buffer = Buffer.alloc(0);
    if (code >= 200 && code !== 204 && code !== 304 && !options.head) {
      if (headers["transfer-encoding"] === "chunked") {
        const parts: Buffer[] = [];
        for (;;) {
          const lineEnd = stream.indexOf("\r\n", at);
          const size = lineEnd < 0 ? Number.NaN : Number.parseInt(stream.subarray(at, lineEnd).toString("latin1"), 16);
          if (!Number.isInteger(size)) fail("not a chunk size");
          at = lineEnd + 2;
          if (size === 0) {
            if (stream.subarray(at, at + 2).toString("latin1") !== "\r\n") fail("no end after the last chunk");
            at += 2;
            break;
          }
          if (at + size + 2 > stream.length) fail("a chunk cut short");
          parts.push(stream.subarray(at, at + size));
          at += size + 2;
        }
        body = Buffer.concat(parts);
      } else {
        const length = Number(headers["content-length"]);
        if (!Number.isInteger(length)) fail("a final response without Content-Length or chunked encoding");
        if (at + length > stream.length) fail("a body cut short");
        body = stream.subarray(at, at + length);
        at += length;
      }
    }
    responses.push({ status: code, headers, body });
  }
  return responses;
}

/** Writes `bytes` on a new connection and resolves to everything the server sent until it closed the connection. */
export async function rawExchange(url: string, bytes: string | Buffer): Promise<Buffer> {
  // A bare socket: rawConnect's parser of the first response would run on every chunk for nothing
  // (test/api/malformed makes thousands of these exchanges).
  const socket = await openSocket(url);
  const chunks: Buffer[] = [];
  socket.on("data", (d: Buffer) => chunks.push(d));
  const closed = once(socket, "close");
  await new Promise<void>((resolve, reject) => {
    socket.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
  await closed;
  return Buffer.concat(chunks);
}
