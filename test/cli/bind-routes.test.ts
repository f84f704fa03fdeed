import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { holdProjectFile } from "../../src/project/project-file-lock.js";
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

  it("unbinds the shorthand as the default namespace's binding, by namespace or by --as default", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    const shorthand = `{\n  "routes": [\n    { "pattern": "/x", "function": "x", "kv": "read-write" } // x writes\n  ]\n}\n`;
    for (const how of [["default"], ["--as", "default"]]) {
      writeFileSync(file, shorthand);
      const r = ok(await local(sb, ["kv", "unbind", ...how, "--route", "/x", "--json"]));
      expect(JSON.parse(r.out)).toEqual({ route: "/x", removed: ["default"], file });
      const text = readFileSync(file, "utf8");
      expect(text).toContain("// x writes");
      expect(parse(text)).toEqual({ routes: [{ pattern: "/x", function: "x" }] });
    }
  });

  it("unbinds a namespace by the variable the file names it as, when the target has no binding", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    writeFileSync(file, `{ "routes": [{ "pattern": "/x", "kv": { "STORE": { "namespace": "flags" }, "OTHER": { "namespace": "other" } } }] }\n`);
    ok(await local(sb, ["kv", "unbind", "flags", "--route", "/x"]));
    expect(parse(readFileSync(file, "utf8"))).toEqual({ routes: [{ pattern: "/x", kv: { OTHER: { namespace: "other" } } }] });
  });

  it("refuses to change a route block that yourspace dev would refuse, and changes nothing", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    ok(await local(sb, ["kv", "namespace", "create", "flags"]));
    for (const kv of ['"read-everything"', "[]", '{ "FLAGS": { "access": "read-only" } }']) {
      const text = `{ "routes": [{ "pattern": "/a", "kv": ${kv} }] }\n`;
      writeFileSync(file, text);
      expect(fails(await local(sb, ["kv", "bind", "flags", "--route", "/a"]), 2)).toContain(`routes[0] of ${file}`);
      expect(readFileSync(file, "utf8")).toBe(text);
      fails(await local(sb, ["kv", "unbind", "flags", "--route", "/a"]), 2);
      expect(readFileSync(file, "utf8")).toBe(text);
    }
    expect(ok(await local(sb, ["kv", "bindings"])).out).toBe("");
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

describe("kv bind and kv unbind beside another command changing the project file", () => {
  it("wait for it, then make their change to the file as that command left it, and let go of the file", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    writeFileSync(file, `{ "routes": [] }\n`);
    ok(await local(sb, ["kv", "namespace", "create", "flags"]));
    // Another command holds the file, and adds a route before it lets go.
    const release = await holdProjectFile(file);
    const binding = local(sb, ["kv", "bind", "flags", "--route", "/b"]);
    // Turns of the event loop in which a bind that did not wait would have read and written the file.
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    writeFileSync(file, `{ "routes": [{ "pattern": "/a", "function": "a" }] }\n`);
    release();
    ok(await binding);
    expect(parse(readFileSync(file, "utf8")).routes).toEqual([
      { pattern: "/a", function: "a" },
      { pattern: "/b", kv: { FLAGS: { namespace: "flags", access: "read-write" } } },
    ]);
    expect(existsSync(`${file}.lock`)).toBe(false);
    // Refused by the target (no such namespace), the command lets go of the file all the same.
    fails(await local(sb, ["kv", "bind", "nope", "--route", "/c"]), 3);
    ok(await local(sb, ["kv", "unbind", "flags", "--route", "/b"]));
    expect(parse(readFileSync(file, "utf8")).routes).toEqual([{ pattern: "/a", function: "a" }, { pattern: "/b" }]);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
