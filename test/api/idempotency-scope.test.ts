import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { HEADERS, paths } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { formatVersion } from "../../src/emulator/kv/entry.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * Stored answers to Idempotency-Keys belong to the token that made the write and to the request it
 * sent: another token reusing the key gets a write of its own, never the first one's answer (which
 * may name keys in namespaces it cannot reach); the same token reusing it for another request is
 * refused; the same request retried is answered again.
 */

async function serve() {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const site = server.tokens.create({ site: "local" }).token;
  const scoped = server.tokens.create({ site: "local", kind: "scoped", namespaces: ["public"] }).token;
  server.engine.createNamespace("local", "secret");
  server.engine.createNamespace("local", "public");
  server.engine.put("local", "secret", "password-reset/alice", { value: Buffer.from("s3cret") });
  const call = async (token: string, method: string, path: string, body: string | undefined, key: string) => {
    const res = await request(`${server.url}${path}`, {
      method: method as "POST",
      headers: {
        authorization: `Bearer ${token}`,
        [HEADERS.idempotencyKey]: key,
        ...(body !== undefined && { "content-type": body.startsWith("{") ? "application/json" : "application/octet-stream" }),
      },
      body,
    });
    return { status: res.statusCode, text: await res.body.text() };
  };
  return { server, site, scoped, call };
}

/** The writes a scoped token may make that take an Idempotency-Key (namespaces are managed by site tokens only). */
const WRITES: Record<string, { method: string; path: (ns: string) => string; body?: (ns: string) => string }> = {
  "PUT value": { method: "PUT", path: (ns) => paths.value("local", ns, "password-reset/alice"), body: () => "overwritten" },
  "DELETE value": { method: "DELETE", path: (ns) => `${paths.value("local", ns, "password-reset/alice")}?force=true` },
  "POST bulkDelete": {
    method: "POST",
    path: (ns) => paths.bulkDelete("local", ns),
    body: () => JSON.stringify({ keys: ["password-reset/alice"], force: true }),
  },
  "POST deletePrefix": {
    method: "POST",
    path: (ns) => paths.deletePrefix("local", ns),
    body: () => JSON.stringify({ prefix: "password-reset/", cursor: null }),
  },
  "POST bulkPut": {
    method: "POST",
    path: (ns) => paths.bulkPut("local", ns),
    body: () => JSON.stringify({ entries: [{ key: "password-reset/alice", value: "x" }] }),
  },
};

describe("idempotency keys are scoped to the token and the request", () => {
  it("a scoped token reusing a site token's key cannot read that write's answer: its own write runs", async () => {
    for (const [endpoint, write] of Object.entries(WRITES)) {
      const { server, site, scoped, call } = await serve();
      const key = `key-of-${endpoint}`;
      const secret = await call(site, write.method, write.path("secret"), write.body?.("secret"), key);
      expect(secret.status, `${endpoint}: ${secret.text}`).toBe(200);
      const before = server.engine.homeSeq();
      const reused = await call(scoped, write.method, write.path("public"), write.body?.("public"), key);
      expect(reused.status, `${endpoint}: ${reused.text}`).toBe(200);
      // Not the site token's answer (its version, or the key it deleted), but the scoped token's own write.
      const own = JSON.parse(reused.text);
      if (endpoint === "PUT value") expect(own).toEqual({ version: formatVersion(before + 1), region: "iad" });
      if (endpoint === "POST bulkPut")
        expect(own).toEqual({ results: [{ key: "password-reset/alice", outcome: "created", version: formatVersion(before + 1) }] });
      if (endpoint === "DELETE value" || endpoint === "POST bulkDelete") expect(own).toEqual({ deleted: [], missing: ["password-reset/alice"], version: null });
      if (endpoint === "POST deletePrefix") expect(own).toEqual({ removed: 0, cursor: null });
    }
  });

  it("the example: a bulk delete's stored answer names a key of a namespace the scoped token cannot reach", async () => {
    const { site, scoped, call } = await serve();
    const deleted = await call(
      site,
      "POST",
      paths.bulkDelete("local", "secret"),
      JSON.stringify({ keys: ["password-reset/alice"], force: true }),
      "shared-key",
    );
    expect(JSON.parse(deleted.text)).toMatchObject({ deleted: ["password-reset/alice"] });
    const reused = await call(scoped, "POST", paths.bulkDelete("local", "public"), JSON.stringify({ keys: ["anything"], force: true }), "shared-key");
    expect(reused.status).toBe(200);
    expect(JSON.parse(reused.text)).toEqual({ deleted: [], missing: ["anything"], version: null });
  });

  it("the same token retrying the same request gets the first answer; another request under the key is refused", async () => {
    for (const [endpoint, write] of Object.entries(WRITES)) {
      const { server, site, call } = await serve();
      const first = await call(site, write.method, write.path("public"), write.body?.("public"), "k1");
      const seq = server.engine.homeSeq();
      const retry = await call(site, write.method, write.path("public"), write.body?.("public"), "k1");
      expect(retry, endpoint).toEqual(first);
      expect(server.engine.homeSeq(), endpoint).toBe(seq);
      const other = await call(site, write.method, write.path("secret"), write.body?.("secret"), "k1");
      expect(other.status, `${endpoint}: ${other.text}`).toBe(422);
      expect(JSON.parse(other.text)).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
      expect(server.engine.homeSeq(), endpoint).toBe(seq);
    }
  });

  it("a value written again with another body under the same key is refused, not answered as if written", async () => {
    const { server, site, call } = await serve();
    const path = paths.value("local", "public", "visits");
    expect((await call(site, "PUT", path, "1", "visit-key")).status).toBe(200);
    const second = await call(site, "PUT", path, "2", "visit-key");
    expect(second.status).toBe(422);
    expect(server.engine.get("local", "public", "visits").entry?.value.toString()).toBe("1");
  });
});
