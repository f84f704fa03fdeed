/**
 * A recorded history carries what an independent checker needs (docs/history.md): each list page's
 * cursor, the key it starts after, its limit and whether it is the last; the cache TTL a read was
 * served with; the edge a partition cut; changes of settings and clock with their new values;
 * and who each operation was for, CLI user or API token.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { check } from "../../src/emulator/history/checker.js";
import { formatViolations } from "../../src/emulator/history/violations.js";
import type { HistoryOp } from "../../src/emulator/history/recorder.js";
import { DEFAULT_PARAMS } from "../../src/emulator/regions/model.js";
import { runCli, tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

describe("a recorded history", () => {
  it("records list pages, cache TTLs, partitions, settings and clock changes, and the actor of CLI and API operations", async () => {
    const cwd = tempDir();
    const dataDir = join(cwd, "data");
    const clock = new ManualClock(T0);
    const env = { YOURSPACE_DATA_DIR: dataDir, YOURSPACE_CONFIG_DIR: join(cwd, "config") };
    const kv = async (...argv: string[]) => {
      const r = await runCli(["kv", ...argv], { cwd, env, clock });
      expect(r.code, `${argv.join(" ")}: ${r.stderr}`).toBe(0);
      return r;
    };
    await kv("emulator", "record", "h.jsonl");
    await kv("emulator", "clock", "manual");
    await kv("set", "p/a", "1");
    await kv("set", "p/b", "2");
    await kv("ls", "p/", "--limit", "1", "--all");
    await kv("emulator", "partition", "fra");
    await kv("emulator", "heal", "fra");
    await kv("emulator", "config", "--profile", "cloudflare");
    await kv("get", "p/a", "--region", "fra", "--consistency", "eventual", "--cache-ttl", "2m");
    await kv("get", "p/a", "--region", "fra", "--consistency", "eventual");
    const server = await ApiServer.start({ dataDir, port: 0, clock });
    onTestFinished(() => server.stop());
    const { token, info } = server.tokens.create({ site: "local" });
    const id = info.id;
    const res = await request(`${server.url}/v1/sites/local/namespaces/default/values/p%2Fc`, {
      method: "PUT",
      body: "3",
      headers: { authorization: `Bearer ${token}` },
    });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    await kv("emulator", "clock", "real");

    const ops = readFileSync(join(cwd, "h.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as HistoryOp);
    const lists = ops.filter((o) => o.f === "list");
    expect(lists).toHaveLength(2);
    expect(lists[0]).toMatchObject({ cursor: null, after: null, limit: 1, complete: false, items: [{ key: "p/a" }] });
    expect(lists[1]).toMatchObject({ cursor: lists[0]!.nextCursor, after: "p/a", limit: 1, complete: true, nextCursor: null, items: [{ key: "p/b" }] });
    expect(ops.find((o) => o.fault?.kind === "partition")!.fault).toEqual({ kind: "partition", region: "fra", regions: ["fra"] });
    expect(ops.find((o) => o.fault?.kind === "config")!.fault!.params).toMatchObject({
      profile: "cloudflare",
      cacheTtlMs: 60_000,
      home: "iad",
      edges: ["fra", "sin"],
    });
    expect(ops.filter((o) => o.fault?.kind === "clock").map((o) => o.fault)).toEqual([
      { kind: "clock", mode: "manual" },
      { kind: "clock", mode: "real", offsetMs: 0 },
    ]);
    const gets = ops.filter((o) => o.f === "get");
    expect(gets.map((o) => [o.servedFrom, o.cacheTtlMs, o.cacheTtlUsedMs])).toEqual([
      ["origin", 120_000, 120_000],
      ["cache", undefined, 120_000],
    ]);
    const apiPut = ops.find((o) => o.f === "put" && o.key === "p/c")!;
    expect(apiPut).toMatchObject({ client: "server", actor: `token:${id}` });
    expect(ops.find((o) => o.f === "put" && o.key === "p/a")!.actor).toMatch(/^local:/);
    expect(formatViolations(check(ops, DEFAULT_PARAMS))).toBe("");
  });
});
