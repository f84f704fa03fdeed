import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { onTestFinished } from "vitest";
import { ApiServer } from "../../src/server/server.js";
import { tempDir } from "./cli.js";

/** A request as the gate saw it, whole. */
export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** An answer the gate gives instead of passing the request on. */
export interface GateAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * A loopback HTTP server in front of a real API server: it passes every request on, after `before`
 * has seen it (and may hold it, act, or answer in the server's place). Tests use it as the network
 * between the CLI and the API, to act at an exact point of a command: "when the second batch arrives".
 */
export async function gate(
  upstream: string,
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook that answers nothing is written with no return, which is void, not undefined
  before: (req: SeenRequest) => Promise<GateAnswer | void> | GateAnswer | void,
): Promise<{ url: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    // A request the test let through after the upstream or the client went away is simply dropped.
    pass(req, res).catch(() => res.destroy());
  });
  const pass = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const seenReq: SeenRequest = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
    seen.push(seenReq);
    const own = await before(seenReq);
    if (own) {
      res.writeHead(own.status, { "content-type": "application/json", ...own.headers });
      res.end(own.body);
      return;
    }
    const { host: _host, connection: _connection, "content-length": _length, ...headers } = req.headers;
    const answer = await request(`${upstream}${req.url}`, {
      method: req.method as "GET",
      headers: headers as Record<string, string>,
      body: seenReq.body.length ? seenReq.body : undefined,
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    const { connection: _c, "transfer-encoding": _t, "content-length": _l, "keep-alive": _k, ...back } = answer.headers;
    res.writeHead(answer.statusCode, back as Record<string, string>);
    res.end(body);
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The real API server in this process, on a loopback port, with a site token for `site`. */
export async function apiServer(site = "local"): Promise<{ server: ApiServer; url: string; token: string }> {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0 });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site });
  return { server, url: server.url, token };
}
