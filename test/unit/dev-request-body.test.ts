import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { KvError } from "../../src/core/errors.js";
import { requestOf } from "../../src/dev/http-bridge.js";

/**
 * How yourspace dev reads a request's body for a function: whole, up to a cap. A real node:http
 * server on a loopback port receives the requests; the cap is made small here, the code path the same.
 */
async function received(send: (port: number) => void, maxBody: number): Promise<{ body?: string; error?: KvError }> {
  const outcome = new Promise<{ body?: string; error?: KvError }>((resolve) => {
    const server = createServer((req: IncomingMessage, res) => {
      requestOf(req, "http://localhost", maxBody).then(
        async (r) => resolve({ body: await r.standard().text() }),
        (e: KvError) => resolve({ error: e }),
      );
      res.end();
    });
    server.listen(0, "127.0.0.1", () => send((server.address() as AddressInfo).port));
    onTestFinished(() => new Promise<void>((done) => server.close(() => done())));
    server.on("connection", (socket) => onTestFinished(() => void socket.destroy()));
  });
  return outcome;
}

function post(port: number, chunks: string[], headers: Record<string, string> = {}): void {
  const req = request({ port, host: "127.0.0.1", method: "POST", path: "/", headers });
  req.on("error", () => {});
  for (const c of chunks) req.write(c);
  req.end();
}

describe("a request's body in yourspace dev", () => {
  it("is given whole up to the cap", async () => {
    const got = await received((port) => post(port, ["abc", "def"]), 6);
    expect(got).toEqual({ body: "abcdef" });
  });

  it("is refused with BODY_TOO_LARGE once more than the cap has come, length unannounced (chunked)", async () => {
    const got = await received((port) => post(port, ["abc", "defg"]), 6);
    expect(got.error).toBeInstanceOf(KvError);
    expect(got.error?.code).toBe("BODY_TOO_LARGE");
    expect(got.error?.message).toBe("The request body is 7 bytes or more; the limit is 6 bytes.");
  });

  it("is refused before it is read when its Content-Length is over the cap", async () => {
    const got = await received((port) => post(port, [], { "content-length": "1000" }), 6);
    expect(got.error?.code).toBe("BODY_TOO_LARGE");
    expect(got.error?.message).toBe("The request body is 1,000 bytes or more; the limit is 6 bytes.");
  });
});
