import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { HEADERS, MEDIA, STATUS, type ErrorBody } from "../../contract/index.js";
import type { KvError } from "../../core/errors.js";
import { sendsBody } from "./body.js";

/** An answer: JSON (`json`) or raw bytes (`body`). */
export interface Reply {
  status: number;
  json?: unknown;
  body?: Buffer;
  /** Header names and values in turn, as res.writeHead() takes them. Made for this reply alone: send() adds to them. */
  headers?: string[];
}

/** Answers a refusal with its catalogue entry, at the entry's status unless told another. */
export function refuse(res: ServerResponse, e: KvError, headers?: string[], status = STATUS[e.code]): void {
  const body: ErrorBody = e.toJSON();
  send(res, { status, json: body, headers });
}

/** Servers shutting down: their answers close the connection, so the server can finish. */
const stopping = new WeakSet<object>();

export function markStopping(server: object, on: boolean): void {
  if (on) stopping.add(server);
  else stopping.delete(server);
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  // The reply's own headers, made for this answer alone, are completed in place.
  const headers = reply.headers ?? [];
  // A request whose body was not read to the end (refused early) cannot be followed on this connection.
  const req = res.req;
  const unread = sendsBody(req) && !req.readableEnded;
  if (unread || (res.req.socket && stopping.has((res.req.socket as unknown as { server: object }).server))) headers.push(HEADERS.connection, "close");
  // JSON goes out as a string: node:http then sends the head and the body in one write, where a
  // Buffer would be a second chunk (a writev) and an allocation, on every write's answer.
  let payload: Buffer | string;
  if (reply.body !== undefined) payload = reply.body;
  else {
    payload = JSON.stringify(reply.json ?? null);
    headers.push(HEADERS.contentType, MEDIA.jsonAnswer);
  }
  headers.push(HEADERS.contentLength, String(typeof payload === "string" ? Buffer.byteLength(payload) : payload.length));
  res.writeHead(reply.status, headers);
  res.end(payload);
  if (unread) res.once("finish", () => res.req.socket?.destroySoon());
}

const REASONS: Record<number, string> = { 400: "Bad Request", 405: "Method Not Allowed", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

/** An answer written straight to a socket that the HTTP server no longer handles (a parse error, CONNECT), then closed. */
export function answerAndClose(socket: Socket, status: number, error: KvError): void {
  const body: ErrorBody = error.toJSON();
  const text = JSON.stringify(body);
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
    `${HEADERS.contentType}: ${MEDIA.jsonAnswer}`,
    `${HEADERS.contentLength}: ${Buffer.byteLength(text)}`,
    `${HEADERS.connection}: close`,
  ];
  if (socket.writable) socket.end(`${head.join("\r\n")}\r\n\r\n${text}`);
  else socket.destroy();
}
