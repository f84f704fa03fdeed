import { existsSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { devProject, startDevProcess } from "../support/dev-process.js";

/**
 * `yourspace dev` serves the KV browser once it serves the project: its URL comes as a stderr event,
 * its writes are what the project's functions read, and `kv browse` finds it through the data
 * directory.
 */

describe("yourspace dev's KV browser", () => {
  it("prints its URL once dev serves; what the page writes, a function reads; kv browse finds it", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/flag", function: "flag", kv: "read-only" }] }),
      "functions/flag.ts": `import { kv } from "yourspace:edge";
export default async () => new Response((await kv.get("flags/beta")) ?? "unset");
`,
    });
    const dev = await startDevProcess(project, [], { browser: true });
    const { url } = await dev.eventsWhen(1, (e) => e.event === "browser").then(([e]) => e as { url: string });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/kv\/\?secret=[A-Za-z0-9_-]{43}$/);
    const opened = await request(url);
    await opened.body.dump();
    const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;
    const { origin } = new URL(url);
    const session = (await (await request(`${origin}/kv/session`, { headers: { cookie } })).body.json()) as any;
    expect(session).toMatchObject({ target: { kind: "emulator", dataDir: project.dataDir }, site: "local", emulator: true });

    const put = await request(`${origin}/kv/api/v1/sites/local/namespaces/default/values/${encodeURIComponent("flags/beta")}`, {
      method: "PUT",
      headers: { cookie, "x-yourspace-csrf": session.csrf },
      body: "on",
    });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
    expect(await (await dev.fetch("/flag")).text()).toBe("on");

    const found = await runCli(["kv", "browse", "--json"], { cwd: project.dir, env: project.env });
    expect(found.code, found.stderr).toBe(0);
    expect(new URL((JSON.parse(found.out) as { url: string }).url).origin).toBe(origin);
  });

  it("--no-browser: no URL, and nothing for kv browse to find", async () => {
    const project = devProject({ "yourspace.jsonc": JSON.stringify({ routes: [] }) });
    const dev = await startDevProcess(project, ["--no-browser"], { browser: true });
    expect((await dev.fetch("/")).status).toBe(404);
    expect(existsSync(join(project.dataDir, "browser-host.json"))).toBe(false);
    // Its browser, when on, is announced before dev stops however soon it is stopped: all events are in by its exit.
    const exited = new Promise((resolve) => dev.child.once("exit", resolve));
    dev.child.kill("SIGTERM");
    await exited;
    expect(dev.events.filter((e) => e.event === "browser")).toEqual([]);
  });
});
