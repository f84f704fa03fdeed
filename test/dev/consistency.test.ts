import { describe, expect, it } from "vitest";
import { ok } from "../support/kv.js";
import { devProject, startDevProcess } from "../support/dev-process.js";

/** A route that reads a flag (eventual, or strong with ?strong) and one that writes it, answering what happened. */
const FILES = {
  "yourspace.jsonc": JSON.stringify({
    routes: [
      { pattern: "/flag", function: "flag", kv: "read-write" },
      { pattern: "/set", function: "set", kv: "read-write" },
      { pattern: "/now", function: "now" },
    ],
  }),
  "functions/flag.ts": `import { kv } from "yourspace:edge";
export default async function (req: { url: URL }) {
  const consistency = req.url.searchParams.has("strong") ? "strong" : "eventual";
  const read = await kv.getWithMetadata("flags/homepage-v2", { type: "text", consistency });
  return Response.json(read);
}
`,
  "functions/set.ts": `import { kv, EdgeKvError } from "yourspace:edge";
export default async function (req: { url: URL }) {
  try {
    await kv.put("flags/homepage-v2", req.url.searchParams.get("v") ?? "");
    return Response.json({ ok: true });
  } catch (e) {
    if (e instanceof EdgeKvError) return Response.json({ code: e.code, message: e.message }, { status: 503 });
    throw e;
  }
}
`,
  "functions/now.ts": `export default () => Response.json({ now: Date.now(), date: new Date().getTime(), text: Date() });\n`,
};

async function manualProject() {
  const project = devProject(FILES);
  await ok(project.kv("emulator", "config", "--profile", "yourspace", "--regions", "iad*,fra,sin", "--delay", "100ms", "--jitter", "200ms"));
  await ok(project.kv("emulator", "clock", "manual"));
  return project;
}

describe("yourspace dev on the manual clock: the model's regions, as a function sees them", () => {
  it("a flag set in fra is stale in sin, fresh after the clock advances 300 ms; strong reads see home", async () => {
    const project = await manualProject();
    await ok(project.kv("set", "flags/homepage-v2", "off"));
    await ok(project.kv("emulator", "settle"));
    const dev = await startDevProcess(project);
    // Set from the CLI in another process, in fra: home has it at once, sin only after Δ.
    await ok(project.kv("set", "flags/homepage-v2", "on", "--region", "fra"));

    const stale = await dev.fetch("/flag", { region: "sin" });
    expect(await stale.json()).toMatchObject({ value: "off", region: "sin", servedFrom: "replica" });
    expect(stale.headers.get("x-yourspace-kv")).toMatch(/^flags%2Fhomepage-v2 v=\d{20} from=replica stale=1 age=\d+$/);

    const strong = await dev.fetch("/flag?strong", { region: "sin" });
    expect(await strong.json()).toMatchObject({ value: "on", servedFrom: "home" });
    const atHome = await dev.fetch("/flag");
    expect(await atHome.json()).toMatchObject({ value: "on", region: "iad", servedFrom: "home" });

    await ok(project.kv("emulator", "advance", "300ms"));
    const fresh = await dev.fetch("/flag", { region: "sin" });
    expect(await fresh.json()).toMatchObject({ value: "on", servedFrom: "replica" });
    expect(fresh.headers.get("x-yourspace-kv")).toContain("stale=0");

    const logged = await dev.eventsWhen(3, (e) => e.event === "request" && e.region === "sin");
    expect(logged[0]).toMatchObject({
      method: "GET",
      path: "/flag",
      status: 200,
      kv: [{ op: "get", key: "flags/homepage-v2", servedFrom: "replica", stale: true }],
    });
  });

  it("a partition makes a function's write in that region fail with the typed error; home still takes it", async () => {
    const project = await manualProject();
    await ok(project.kv("emulator", "partition", "sin"));
    const dev = await startDevProcess(project);
    const refused = await dev.fetch("/set?v=on", { region: "sin" });
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { code: string; message: string };
    expect(body.code).toBe("UNAVAILABLE");
    expect(body.message).toContain("partitioned");
    expect((await project.kv("get", "flags/homepage-v2")).code).toBe(3);

    expect(await (await dev.fetch("/set?v=on")).json()).toEqual({ ok: true });
    expect((await ok(project.kv("get", "flags/homepage-v2"))).out).toBe("on");
  });

  it("functions see emulated time: Date.now() and new Date() follow the manual clock and never run backwards", async () => {
    const project = await manualProject();
    const dev = await startDevProcess(project);
    const before = (await (await dev.fetch("/now")).json()) as { now: number; date: number; text: string };
    expect(before.date).toBe(before.now);
    expect(before.text).toBe(new Date(before.now).toString());
    await ok(project.kv("emulator", "advance", "1h"));
    const after = (await (await dev.fetch("/now")).json()) as { now: number; date: number };
    expect(after.now).toBe(before.now + 3_600_000);
    expect(after.date).toBe(after.now);
  });
});
