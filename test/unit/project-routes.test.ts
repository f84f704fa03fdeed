import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readProjectRoutes } from "../../src/dev/project-routes.js";
import { tempDir } from "../support/cli.js";

function project(config: unknown, files: string[] = []): string {
  const dir = tempDir();
  writeFileSync(join(dir, "yourspace.jsonc"), typeof config === "string" ? config : JSON.stringify(config));
  for (const file of files) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), "export default () => new Response('x');\n");
  }
  return dir;
}

const rw = (route: string, variable: string, namespace = "default") => ({ route, variable, namespace, access: "read-write", createdAt: 0 });
const ro = (route: string, variable: string, namespace = "default") => ({ route, variable, namespace, access: "read-only", createdAt: 0 });

describe("the routes yourspace dev reads from yourspace.jsonc", () => {
  it("reads the shorthand, named bindings, both in one block, kv read-write where unsaid, and finds functions by path or by name (.ts, then .js)", async () => {
    const dir = project(
      `{
  // comments and trailing commas are fine
  "routes": [
    { "pattern": "/admin/*", "function": "admin", "kv": "read-only" },
    { "pattern": "/api/*", "function": "functions/api.js", "kv": { "FLAGS": { "namespace": "flags", "access": "read-only" } } },
    { "pattern": "/both", "function": "both", "kv": { "default": { "namespace": "default", "access": "read-write" }, "FLAGS": { "namespace": "flags" } } },
    { "pattern": "/bound-only", "kv": "read-write" },
    { "pattern": "/silent", "function": "both" },
  ],
}`,
      ["functions/admin.ts", "functions/api.js", "functions/both.js"],
    );
    const { routes, path } = await readProjectRoutes(join(dir));
    expect(path).toBe(join(dir, "yourspace.jsonc"));
    expect(routes.map((r) => ({ pattern: r.pattern.text, file: r.file, bindings: r.bindings }))).toEqual([
      { pattern: "/admin/*", file: join(dir, "functions/admin.ts"), bindings: [ro("/admin/*", "default")] },
      { pattern: "/api/*", file: join(dir, "functions/api.js"), bindings: [rw("/api/*", "default"), ro("/api/*", "FLAGS", "flags")] },
      { pattern: "/both", file: join(dir, "functions/both.js"), bindings: [rw("/both", "default"), rw("/both", "FLAGS", "flags")] },
      { pattern: "/bound-only", file: null, bindings: [rw("/bound-only", "default")] },
      // A block that does not make kv read-only gets it read-write, as on the platform.
      { pattern: "/silent", file: join(dir, "functions/both.js"), bindings: [rw("/silent", "default")] },
    ]);
  });

  it.each([
    [{ routes: [{ pattern: "nope", function: "a" }] }, "INVALID_ROUTE", /does not start with "\/"/],
    [{ routes: [{ pattern: "/a", function: "missing" }] }, "USAGE", /functions\/missing\.ts and functions\/missing\.js/],
    [{ routes: [{ pattern: "/a", kv: "write-only" }] }, "USAGE", /the shorthand is "read-only" or "read-write"/],
    [{ routes: [{ pattern: "/a", kv: { FLAGS: { access: "read-only" } } }] }, "USAGE", /FLAGS .* needs a "namespace"/],
    [{ routes: [{ pattern: "/a", kv: ["x"] }] }, "USAGE", /must be "read-only", "read-write" or an object/],
    [{ routes: "all" }, "USAGE", /must be an array/],
    [
      { routes: [{ pattern: "/a", kv: { X: { namespace: "Bad Name!" } } }] },
      "INVALID_NAMESPACE",
      /^The binding X in routes\[0\] of .* names "Bad Name!", which is not a valid namespace name\.$/,
    ],
  ])("refuses a bad block: %j", async (config, code, message) => {
    const refused = readProjectRoutes(project(config));
    await expect(refused).rejects.toMatchObject({ code, message: expect.stringMatching(message) as unknown });
    // The fix is in the file: the hint shows what to write, never the generic usage one.
    const { hint } = (await refused.catch((e: unknown) => e)) as { hint: string };
    expect(hint).not.toMatch(/documented usage/);
  });
});
