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

/** Opens a TCP connection to the server behind `url`; destroyed when the test ends. */
export async function rawConnect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  onTestFinished(() => {
    socket.destroy();
  });
  socket.on("error", () => {});
  await once(socket, "connect");
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
