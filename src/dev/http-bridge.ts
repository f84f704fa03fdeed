import type { IncomingMessage, ServerResponse } from "node:http";
import { EdgeRequest } from "./edge-request.js";
import { sourceOf } from "./edge-response.js";

const NO_BODY = new Set(["GET", "HEAD"]);

/** A node request as the Request a function gets; a body is read whole first (dev bodies are small). */
export async function requestOf(req: IncomingMessage, origin: string): Promise<EdgeRequest> {
  const method = req.method ?? "GET";
  if (NO_BODY.has(method)) return new EdgeRequest(origin + (req.url ?? "/"), method, req.rawHeaders, null);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new EdgeRequest(origin + (req.url ?? "/"), method, req.rawHeaders, Buffer.concat(chunks));
}

/** Sends a Response, with the runner's own headers added, streaming its body as it comes. */
export async function send(res: ServerResponse, response: Response, extra: Record<string, string>): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  Object.assign(headers, extra);
  const source = sourceOf(response);
  // A body made of text or bytes goes out with the head, in one write.
  if (source !== undefined) {
    res.writeHead(response.status, headers);
    res.end(source ?? undefined);
    return;
  }
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}
