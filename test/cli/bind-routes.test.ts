import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { fails, local, ok, sandbox } from "../support/site.js";

/** kv bind and the route blocks `yourspace dev` reads: the pattern syntax, and the launch post's shorthand. */
describe("kv bind on route blocks written by hand", () => {
  it("turns a route's shorthand into named bindings, keeping the shorthand's access as \"default\"", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    writeFileSync(file, `{\n  // flags are read, never written\n  "routes": [{ "pattern": "/flags/*", "function": "flags", "kv": "read-only" }]\n}\n`);
    ok(await local(sb, ["kv", "namespace", "create", "sessions"]));
    ok(await local(sb, ["kv", "bind", "sessions", "--route", "/flags/*", "--as", "SESSIONS"]));
    const text = readFileSync(file, "utf8");
    expect(text).toContain("// flags are read, never written");
    expect(parse(text)).toEqual({
      routes: [
        {
          pattern: "/flags/*",
          function: "flags",
          kv: { default: { namespace: "default", access: "read-only" }, SESSIONS: { namespace: "sessions", access: "read-write" } },
        },
      ],
    });
    // Unbinding a route whose kv is the shorthand finds nothing named: nothing changes.
    writeFileSync(file, `{ "routes": [{ "pattern": "/x", "kv": "read-write" }] }\n`);
    fails(await local(sb, ["kv", "unbind", "sessions", "--route", "/x", "--as", "SESSIONS"]), 3);
    expect(readFileSync(file, "utf8")).toBe(`{ "routes": [{ "pattern": "/x", "kv": "read-write" }] }\n`);
  });

  it.each([
    ["admin/*", 'does not start with "/"'],
    ["/a*/b", '"*" may only end a pattern'],
    ["/a b", "a space"],
    ["", "it is empty"],
  ])("refuses the route pattern %j (exit 2, INVALID_ROUTE) and writes nothing", async (pattern, why) => {
    const sb = sandbox();
    const r = await local(sb, ["kv", "bind", "default", "--route", pattern, "--json"]);
    expect(r.code).toBe(2);
    const error = (JSON.parse(r.stderr.trim().split("\n").at(-1)!) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("INVALID_ROUTE");
    expect(error.message).toContain(why);
    expect(ok(await local(sb, ["kv", "bindings"])).out).toBe("");
  });
});
