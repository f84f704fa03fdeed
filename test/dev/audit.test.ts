import { describe, expect, it } from "vitest";
import { ok } from "../support/kv.js";
import { devProject, startDevProcess } from "../support/dev-process.js";

interface AuditRow {
  actor: string;
  action: string;
  key: string;
  region: string;
  outcome: string;
}

describe("the audit log names the route as the actor of its function's KV operations", () => {
  it.each(["real", "manual"])("on the %s clock", async (clock) => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/visit/*", function: "visit", kv: "read-write" }] }),
      "functions/visit.ts": `import { kv } from "yourspace:edge";
export default async () => {
  const seen = Number((await kv.get("visits")) ?? "0");
  await kv.put("visits", String(seen + 1));
  return new Response(String(seen + 1));
};
`,
    });
    await ok(project.kv("emulator", "clock", clock));
    const dev = await startDevProcess(project);
    expect(await (await dev.fetch("/visit/a", { region: "fra" })).text()).toBe("1");
    // A quiet server writes a request's read records out before its log line, which is the signal.
    const logged = dev.nextEvent((e) => e.event === "request" && e.path === "/visit/b");
    expect(await (await dev.fetch("/visit/b")).text()).toBe("2");
    await logged;
    const rows = JSON.parse((await ok(project.kv("audit", "--actor", "route:/visit/*", "--json"))).out) as AuditRow[] | { entries: AuditRow[] };
    const entries = (Array.isArray(rows) ? rows : rows.entries).map(({ actor, action, key, region, outcome }) => ({ actor, action, key, region, outcome }));
    expect(entries).toEqual(
      expect.arrayContaining([
        { actor: "route:/visit/*", action: "read", key: "visits", region: "fra", outcome: "not-found" },
        { actor: "route:/visit/*", action: "write", key: "visits", region: "fra", outcome: "ok" },
        { actor: "route:/visit/*", action: "read", key: "visits", region: "iad", outcome: "ok" },
        { actor: "route:/visit/*", action: "write", key: "visits", region: "iad", outcome: "ok" },
      ]),
    );
  });
});
