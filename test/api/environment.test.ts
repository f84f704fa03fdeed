import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import BetterSqlite3 from "better-sqlite3";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { STORE_FILE } from "../../src/emulator/store/store-file.js";

/** The API server meets the environment's failures as the CLI does: catalogued, never a 500 "bug". */
describe("a damaged store behind the API server", () => {
  it("answers a request that reaches the damage with 503 STORE_CORRUPT", async () => {
    const dataDir = tempDir();
    let server = await ApiServer.start({ dataDir, port: 0, clock: new ManualClock(T0) });
    const { token } = server.tokens.create({ site: "local" });
    await server.stop();
    // The meters are read by the usage report only: the server starts, and that request finds the damage.
    const db = new BetterSqlite3(join(dataDir, STORE_FILE));
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    const pages = db.prepare("SELECT pageno FROM dbstat WHERE name IN ('meters', 'sqlite_autoindex_meters_1')").pluck().all() as number[];
    db.close();
    const fd = openSync(join(dataDir, STORE_FILE), "r+");
    for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
    closeSync(fd);
    server = await ApiServer.start({ dataDir, port: 0, clock: new ManualClock(T0) });
    onTestFinished(() => server.stop());
    const res = await request(`${server.url}/v1/sites/local/usage`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.body.json()) as { code: string; message: string; hint: string };
    expect(res.statusCode).toBe(503);
    expect(body.code).toBe("STORE_CORRUPT");
    expect(body.message).toContain(dataDir);
    expect(body.hint).toBeTruthy();
  });
});
