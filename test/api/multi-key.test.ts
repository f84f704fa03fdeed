import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { HttpBackend } from "../../src/client/client.js";
import { API_LIMITS } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { KvError } from "../../src/core/errors.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * Operations on more keys than one request of the API takes (a delete of 1,000 keys, a bulk put of
 * 1,000 entries or 2 MiB), through the real client and the real server. A gateway between them
 * forwards every request and, where a test says so, fails one: the operation must then either have
 * done nothing, or say exactly which keys it did (PARTIALLY_APPLIED, exit 8).
 */

interface Seen {
  method: string;
  url: string;
  body: string;
}

/** What the gateway does with the nth request: pass it on, drop the connection, or answer for the server. */
type Verdict = "forward" | "drop" | { status: number; json: unknown };

async function setup(intercept: (seen: Seen, n: number) => Verdict | Promise<Verdict> = () => "forward") {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  const seen: Seen[] = [];
  const gateway = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const s: Seen = { method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString() };
    seen.push(s);
    const verdict = await intercept(s, seen.length);
    if (verdict === "drop") return req.socket.destroy();
    if (verdict !== "forward") {
      res.writeHead(verdict.status, { "content-type": "application/json; charset=utf-8" });
      return res.end(JSON.stringify(verdict.json));
    }
    const upstream = await request(`${server.url}${req.url}`, {
      method: req.method as "POST",
      headers: req.headers as Record<string, string>,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const body = Buffer.from(await upstream.body.arrayBuffer());
    const { connection: _c, "keep-alive": _k, "transfer-encoding": _t, ...headers } = upstream.headers;
    res.writeHead(upstream.statusCode, headers as Record<string, string>);
    res.end(body);
  });
  gateway.listen(0, "127.0.0.1");
  await once(gateway, "listening");
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        gateway.close(() => resolve());
        gateway.closeAllConnections();
      }),
  );
  const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  const client = await HttpBackend.open({ apiUrl: url, token, site: "local", retries: 0 });
  onTestFinished(() => client.close());
  const stored = () => server.engine.list("local", "default", { prefix: "", cursor: null, limit: 1000 }).keys.length;
  const present = (key: string) => server.engine.get("local", "default", key).entry !== null;
  return { server, client, seen, stored, present };
}

const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `k${String(i).padStart(5, "0")}`);
const fill = (server: ApiServer, keys: string[]) =>
  server.engine.putMany(
    "local",
    "default",
    keys.map((key) => ({ key, value: Buffer.from(key) })),
  );
const deletes = (seen: Seen[]) => seen.filter((s) => s.url.includes("/bulk/delete")).map((s) => JSON.parse(s.body) as { keys: string[]; dryRun?: boolean });

async function rejection(p: Promise<unknown>): Promise<KvError> {
  const e = await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KvError);
  return e as KvError;
}

describe("a delete of more keys than one request takes", () => {
  it("with one missing key removes nothing: the keys are checked before any is removed", async () => {
    const { server, client, seen, present } = await setup();
    const keys = keysOf(1_500);
    fill(server, keys);
    const err = await rejection(client.delete("default", [...keys, "missing"], { force: false }));
    expect(err).toMatchObject({ code: "KEY_NOT_FOUND", exitCode: 3, message: 'The key "missing" was not found in namespace "default"; nothing was removed.' });
    expect(keys.every(present)).toBe(true);
    expect(deletes(seen).map((d) => d.dryRun === true)).toEqual([true, true]);
  });

  it("all present: removes them all, as one delete would, a key given twice counting once", async () => {
    const { server, client, stored } = await setup();
    const keys = keysOf(2_500);
    fill(server, keys);
    const result = await client.delete("default", [...keys, keys[0]!], { force: false });
    expect(result.deleted).toEqual(keys);
    expect(result.missing).toEqual([]);
    expect(result.version).toBe(server.engine.get("local", "default", keys[2_499]!).read.version);
    expect(stored()).toBe(0);
  });

  it("a key removed by someone else between the check and its request: PARTIALLY_APPLIED, naming what went and what did not", async () => {
    let vanish = () => {};
    const { server, client, present } = await setup((s) => {
      const body = s.url.includes("/bulk/delete") ? (JSON.parse(s.body) as { keys: string[]; dryRun?: boolean }) : null;
      // Before the second real delete arrives, k01500 is gone.
      if (body && !body.dryRun && body.keys[0] === "k01000") vanish();
      return "forward";
    });
    vanish = () => server.engine.delete("local", "default", ["k01500"], { force: false });
    const keys = keysOf(2_500);
    fill(server, keys);
    const err = await rejection(client.delete("default", keys, { force: false }));
    expect(err.code).toBe("PARTIALLY_APPLIED");
    expect(err.exitCode).toBe(8);
    expect(err.message).toBe(
      'Removed 1,000 of 2,500 keys in namespace "default" ("k00000" … "k00999"), then a request failed: The key "k01500" was not found in namespace "default"; nothing was removed. The other 1,500 keys ("k01000" … "k02499") were not removed.',
    );
    expect(err.details).toMatchObject({
      action: "remove",
      namespace: "default",
      done: keys.slice(0, 1_000),
      unknown: [],
      notDone: keys.slice(1_000),
      cause: { code: "KEY_NOT_FOUND" },
    });
    expect(keys.slice(0, 1_000).some(present)).toBe(false);
    expect(keys.slice(1_000).filter(present)).toEqual(keys.slice(1_000).filter((k) => k !== "k01500"));
  });

  it("the target going away mid-way (--force): what went, what may have, and what did not", async () => {
    const { server, client, present } = await setup((s) =>
      s.url.includes("/bulk/delete") && (JSON.parse(s.body) as { keys: string[] }).keys[0] === "k01000" ? "drop" : "forward",
    );
    const keys = keysOf(2_500);
    fill(server, keys);
    const err = await rejection(client.delete("default", keys, { force: true }));
    expect(err.code).toBe("PARTIALLY_APPLIED");
    expect(err.details).toMatchObject({
      done: keys.slice(0, 1_000),
      unknown: keys.slice(1_000, 2_000),
      notDone: keys.slice(2_000),
      cause: { code: "UNAVAILABLE" },
    });
    expect(err.message).toContain('Whether 1,000 keys ("k01000" … "k01999") were removed is not known: the answer was lost.');
    expect(keys.slice(0, 1_000).some(present)).toBe(false);
    expect(keys.slice(1_000).every(present)).toBe(true);
  });

  it("a failure of the first request is that request's error: nothing was removed", async () => {
    const { server, client, present } = await setup((s) => (s.url.includes("/bulk/delete") ? "drop" : "forward"));
    const keys = keysOf(1_200);
    fill(server, keys);
    expect((await rejection(client.delete("default", keys, { force: true }))).code).toBe("UNAVAILABLE");
    expect(keys.every(present)).toBe(true);
  });

  it("splits by bytes too: 1,000 keys of 512 bytes, each escaped to 3 KB of JSON, fit the API's body limit", async () => {
    const { server, client, seen, stored } = await setup();
    const keys = Array.from({ length: 1_000 }, (_, i) => `${String(i).padStart(4, "0")}${"\u0001".repeat(508)}`);
    fill(server, keys);
    expect((await client.delete("default", keys, { force: true })).deleted).toHaveLength(1_000);
    expect(stored()).toBe(0);
    for (const s of seen) expect(Buffer.byteLength(s.body)).toBeLessThanOrEqual(API_LIMITS.maxJsonBody);
    expect(seen.length).toBeGreaterThan(1);
  });
});

describe("a bulk put of more entries than one request takes", () => {
  it("writes in requests of at most 1,000 entries and 2 MiB, and answers one outcome per entry, in order", async () => {
    const { client, seen, server } = await setup();
    const big = Array.from({ length: 12 }, (_, i) => ({ key: `big/${i}`, value: Buffer.alloc(700_000, i) }));
    const small = keysOf(2_100).map((key) => ({ key, value: Buffer.from(key) }));
    const outcomes = await client.bulkPut("default", [...big, ...small]);
    expect(outcomes.map((o) => o.key)).toEqual([...big, ...small].map((e) => e.key));
    expect(outcomes.every((o) => o.outcome === "created")).toBe(true);
    for (const s of seen) {
      expect(Buffer.byteLength(s.body)).toBeLessThanOrEqual(API_LIMITS.maxBulkBody);
      expect((JSON.parse(s.body) as { entries: unknown[] }).entries.length).toBeLessThanOrEqual(API_LIMITS.maxBulkEntries);
    }
    expect(server.engine.get("local", "default", "big/11").entry?.value.length).toBe(700_000);
  });

  it("a request refused after others were written: PARTIALLY_APPLIED, with what was written and what was not", async () => {
    let puts = 0;
    const { client, present } = await setup((s) => {
      if (!s.url.includes("/bulk/put")) return "forward";
      return ++puts === 2
        ? {
            status: 503,
            json: { code: "UNAVAILABLE", message: "Region iad cannot reach the home region (partitioned); the write was not committed.", hint: null },
          }
        : "forward";
    });
    const keys = keysOf(2_500);
    const err = await rejection(
      client.bulkPut(
        "default",
        keys.map((key) => ({ key, value: Buffer.from(key) })),
      ),
    );
    expect(err.code).toBe("PARTIALLY_APPLIED");
    expect(err.message).toBe(
      'Wrote 1,000 of 2,500 entries in namespace "default" ("k00000" … "k00999"), then a request failed: Region iad cannot reach the home region (partitioned); the write was not committed. The other 1,500 entries ("k01000" … "k02499") were not written.',
    );
    expect(err.details).toMatchObject({ action: "write", done: keys.slice(0, 1_000), unknown: [], notDone: keys.slice(1_000) });
    expect(keys.slice(0, 1_000).every(present)).toBe(true);
    expect(keys.slice(1_000).some(present)).toBe(false);
  });

  it("a dry run that fails part way is that failure: a dry run writes nothing", async () => {
    let puts = 0;
    const { client } = await setup((s) => (s.url.includes("/bulk/put") && ++puts === 2 ? "drop" : "forward"));
    const err = await rejection(
      client.bulkPut(
        "default",
        keysOf(1_500).map((key) => ({ key, value: Buffer.from(key) })),
        { dryRun: true },
      ),
    );
    expect(err.code).toBe("UNAVAILABLE");
  });
});
