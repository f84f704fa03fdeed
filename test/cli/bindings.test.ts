import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, type ParseError } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import type { Prompter } from "../../src/commands/context.js";
import { cliSession, runCli } from "../support/cli.js";
import { createToken, fails, json, local, ok, sandbox, startServer, type HttpAnswer, type Sandbox } from "../support/site.js";

/**
 * `kv bind`, `kv unbind`, `kv bindings` and route tokens: the CLI in process on the embedded emulator,
 * and against the API server `kv emulator start` runs, in process on a loopback port (CLI and raw HTTP
 * with undici). A project directory the user cannot write needs another user: test/e2e/bind-permissions.
 */

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function readJsonc(path: string): unknown {
  const problems: ParseError[] = [];
  const doc = parse(readFileSync(path, "utf8"), problems, { allowTrailingComma: true, disallowComments: false });
  expect(problems, `${path} is not valid JSONC`).toEqual([]);
  return doc;
}

/** A hand-written project file: 4-space indentation, // and /* *\/ comments, trailing commas, other settings. */
const HAND_WRITTEN = `{
    // The shop's project file.
    "name": "shop-frontend", /* kept by hand */
    "routes": [
        /* the public API */
        {
            "pattern": "/api/*",
            "function": "api", // handled by api.ts
        },
        {
            "pattern": "/admin/*",
            "function": "admin"
        }
    ],
    // trailing note
}
`;

/** HAND_WRITTEN once FLAGS is bound to /admin/*: only the admin block changes, in the file's own indentation. */
const HAND_WRITTEN_BOUND = HAND_WRITTEN.replace(
  `            "function": "admin"\n`,
  `            "function": "admin",
            "kv": {
                "FLAGS": {
                    "namespace": "flags",
                    "access": "read-only"
                }
            }
`,
);

const COMMENTS = ["// The shop's project file.", "/* kept by hand */", "/* the public API */", "// handled by api.ts", "// trailing note"];

describe("kv bind / unbind / bindings on the embedded emulator", () => {
  it("creates yourspace.jsonc with the route block when missing; bindings lists it (tab-separated without a terminal, a table on one, --json); unbind removes it", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    ok(await local(sb, ["kv", "namespace", "create", "flags"]));
    ok(await local(sb, ["kv", "namespace", "create", "sessions"]));
    expect(existsSync(file)).toBe(false);

    const bound = ok(await local(sb, ["kv", "bind", "flags", "--route", "/admin/*", "--access", "read-only", "--as", "FLAGS"]));
    expect(bound.stderr).toContain(`Bound flags to route /admin/* as FLAGS, read-only (created ${file})`);
    expect(bound.stderr).toContain("kv emulator token create --route '/admin/*'");
    expect(readJsonc(file)).toEqual({ routes: [{ pattern: "/admin/*", kv: { FLAGS: { namespace: "flags", access: "read-only" } } }] });
    expect(readFileSync(file, "utf8")).toMatch(/^\{\n {2}\/\/ /);

    // Defaults: read-write, the namespace upper-cased. --json says which file and whether it was created.
    const second = json(await local(sb, ["kv", "bind", "sessions", "--route", "/api/*", "--json"]));
    expect(second).toEqual({
      binding: { route: "/api/*", variable: "SESSIONS", namespace: "sessions", access: "read-write", createdAt: expect.stringMatching(ISO) },
      file,
      created: false,
    });
    expect(readJsonc(file)).toEqual({
      routes: [
        { pattern: "/admin/*", kv: { FLAGS: { namespace: "flags", access: "read-only" } } },
        { pattern: "/api/*", kv: { SESSIONS: { namespace: "sessions", access: "read-write" } } },
      ],
    });

    // No terminal: one tab-separated line per binding, ordered by route.
    expect(ok(await local(sb, ["kv", "bindings"])).out).toBe("/admin/*\tFLAGS\tflags\tread-only\n/api/*\tSESSIONS\tsessions\tread-write\n");
    const listed = json(await local(sb, ["kv", "bindings", "--json"]));
    expect(listed).toEqual({
      bindings: [
        { route: "/admin/*", variable: "FLAGS", namespace: "flags", access: "read-only", createdAt: expect.stringMatching(ISO) },
        { route: "/api/*", variable: "SESSIONS", namespace: "sessions", access: "read-write", createdAt: expect.stringMatching(ISO) },
      ],
    });
    // On a terminal, a table (the same main() the binary runs, with stdout claiming to be a TTY).
    const tty = await runCli(["kv", "bindings"], { cwd: sb.cwd, env: sb.env, tty: { stdout: true } });
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.out).toMatch(/│ route +│ variable +│ namespace +│ access +│/);
    expect(tty.out).toMatch(/│ \/admin\/\* +│ FLAGS +│ flags +│ read-only +│/);
    expect(tty.out).not.toContain("\t");

    // Rebinding the same variable replaces it, in the target and in the file.
    ok(await local(sb, ["kv", "bind", "flags", "--route", "/admin/*", "--as", "FLAGS", "--access", "read-write"]));
    expect(ok(await local(sb, ["kv", "bindings"])).out).toBe("/admin/*\tFLAGS\tflags\tread-write\n/api/*\tSESSIONS\tsessions\tread-write\n");
    expect((readJsonc(file) as any).routes[0].kv.FLAGS).toEqual({ namespace: "flags", access: "read-write" });

    const unbound = ok(await local(sb, ["kv", "unbind", "flags", "--route", "/admin/*"]));
    expect(unbound.stderr).toContain("Unbound FLAGS from route /admin/*.");
    expect(ok(await local(sb, ["kv", "bindings"])).out).toBe("/api/*\tSESSIONS\tsessions\tread-write\n");
    expect(readJsonc(file)).toEqual({
      routes: [{ pattern: "/admin/*" }, { pattern: "/api/*", kv: { SESSIONS: { namespace: "sessions", access: "read-write" } } }],
    });
    fails(await local(sb, ["kv", "unbind", "flags", "--route", "/admin/*"]), 3, /Route \/admin\/\* has no binding of flags/);

    expect(json(await local(sb, ["kv", "unbind", "--as", "SESSIONS", "--route", "/api/*", "--json"]))).toEqual({
      route: "/api/*",
      removed: ["SESSIONS"],
      file,
    });
    const none = ok(await local(sb, ["kv", "bindings"]));
    expect(none.out).toBe("");
    expect(none.stderr).toContain("No bindings.");
    expect(json(await local(sb, ["kv", "bindings", "--json"]))).toEqual({ bindings: [] });
  });

  it("in an existing yourspace.jsonc keeps every comment, the other content and the formatting; unbind restores the file byte for byte", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    writeFileSync(file, HAND_WRITTEN);
    ok(await local(sb, ["kv", "namespace", "create", "flags"]));

    const bound = ok(await local(sb, ["kv", "bind", "flags", "--route", "/admin/*", "--access", "read-only", "--as", "FLAGS"]));
    expect(bound.stderr).toContain(`(${file})`);
    expect(bound.stderr).not.toContain("created");
    const text = readFileSync(file, "utf8");
    for (const comment of COMMENTS) expect(text).toContain(comment);
    expect(text).toBe(HAND_WRITTEN_BOUND);
    expect(readJsonc(file)).toEqual({
      name: "shop-frontend",
      routes: [
        { pattern: "/api/*", function: "api" },
        { pattern: "/admin/*", function: "admin", kv: { FLAGS: { namespace: "flags", access: "read-only" } } },
      ],
    });

    // A route the file does not have yet gets a block of its own; nothing else moves.
    ok(await local(sb, ["kv", "bind", "flags", "--route", "/new/*", "--as", "NEW_FLAGS"]));
    const withNew = readFileSync(file, "utf8");
    for (const comment of COMMENTS) expect(withNew).toContain(comment);
    expect(withNew.startsWith(HAND_WRITTEN_BOUND.slice(0, HAND_WRITTEN_BOUND.indexOf("        }\n    ],")))).toBe(true);
    expect((readJsonc(file) as any).routes[2]).toEqual({ pattern: "/new/*", kv: { NEW_FLAGS: { namespace: "flags", access: "read-write" } } });
    expect(withNew).toContain(`        {\n            "pattern": "/new/*",\n            "kv": {\n                "NEW_FLAGS": {`);

    ok(await local(sb, ["kv", "unbind", "flags", "--route", "/new/*", "--as", "NEW_FLAGS"]));
    ok(await local(sb, ["kv", "unbind", "flags", "--route", "/admin/*"]));
    // The /new/* block stays (it may hold other settings); the admin block is exactly as it was written.
    expect(readFileSync(file, "utf8")).toBe(
      HAND_WRITTEN.replace(`        }\n    ],`, `        },\n        {\n            "pattern": "/new/*"\n        }\n    ],`),
    );
  });

  it("binding a namespace that does not exist exits 3 and leaves the project file as it was (or absent)", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    fails(await local(sb, ["kv", "bind", "ghost", "--route", "/admin/*"]), 3, /The namespace "ghost" does not exist/);
    expect(existsSync(file)).toBe(false);

    writeFileSync(file, HAND_WRITTEN);
    const before = statSync(file).mtimeMs;
    fails(await local(sb, ["kv", "bind", "ghost", "--route", "/admin/*", "--access", "read-only"]), 3, /"ghost"/);
    expect(readFileSync(file, "utf8")).toBe(HAND_WRITTEN);
    expect(statSync(file).mtimeMs).toBe(before);
    expect(json(await local(sb, ["kv", "bindings", "--json"]))).toEqual({ bindings: [] });
  });

  it("without a terminal nothing is asked: a missing --route or namespace exits 2 at once, as do a bad --access or --as", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    ok(await local(sb, ["kv", "namespace", "create", "flags"]));
    fails(await local(sb, ["kv", "bind", "flags"]), 2, /--route <pattern>/);
    fails(await local(sb, ["kv", "bind", "--route", "/admin/*"]), 2, /Name the namespace to bind/);
    fails(await local(sb, ["kv", "bind"]), 2, /Name the namespace to bind/);
    fails(await local(sb, ["kv", "bind", "flags", "--route", "/admin/*", "--access", "admin"]), 2, /--access/);
    fails(await local(sb, ["kv", "bind", "flags", "--route", "/admin/*", "--as", "lower-case"]), 2, /"lower-case" is not a variable name/);
    fails(await local(sb, ["kv", "unbind", "flags"]), 2, /--route/);
    // Terminals on both sides, but CI is set: still a script, still never prompted.
    const ci = await runCli(["kv", "bind", "flags"], { cwd: sb.cwd, env: { ...sb.env, CI: "1" }, tty: { stdin: true, stderr: true } });
    expect(ci.code, ci.stderr).toBe(2);
    expect(ci.stderr).toContain("Name the route with --route <pattern>.");
    expect(ci.stderr).toContain("For example: yourspace kv bind flags --route '/api/*'");
    expect(existsSync(file)).toBe(false);
    expect(json(await local(sb, ["kv", "bindings", "--json"]))).toEqual({ bindings: [] });
  });

  // BUG: `kv bind` registers the binding with the target before it reads the project file, so when the
  // file cannot be edited (here "routes" is not an array) the command fails with exit 2, the file is left
  // as it was, yet the target now has the binding: a route token reaches the namespace although the
  // command reported failure. Reproduce:
  //   printf '{ "routes": { "pattern": "/x/*" } }\n' > yourspace.jsonc
  //   yourspace kv namespace create flags; yourspace kv bind flags --route '/x/*'   # exit 2
  //   yourspace kv bindings                                                          # /x/*  FLAGS  flags  read-write
  it("a bind that fails on the project file registers nothing with the target", async () => {
    const sb = sandbox();
    const file = join(sb.cwd, "yourspace.jsonc");
    writeFileSync(file, '{ "routes": { "pattern": "/x/*" } }\n');
    ok(await local(sb, ["kv", "namespace", "create", "flags"]));
    fails(await local(sb, ["kv", "bind", "flags", "--route", "/x/*"]), 2, /"routes" .* must be an array/);
    expect(readFileSync(file, "utf8")).toBe('{ "routes": { "pattern": "/x/*" } }\n');
    expect(json(await local(sb, ["kv", "bindings", "--json"]))).toEqual({ bindings: [] });
  });
});

describe("kv bind through the server target (YOURSPACE_API_URL / YOURSPACE_TOKEN)", () => {
  it("records the binding in the project file and registers it with the server; missing namespace exits 3; unbind; no --route exits 2", async () => {
    const sb = sandbox();
    const srv = await startServer(sb);
    const file = join(sb.cwd, "yourspace.jsonc");
    expect((await srv.http("POST", "/v1/sites/local/namespaces", { body: '{"name":"flags"}', type: "application/json" })).status).toBe(201);

    fails(await srv.remote(["kv", "bind", "ghost", "--route", "/admin/*"]), 3, /"ghost"/);
    expect(existsSync(file)).toBe(false);
    fails(await srv.remote(["kv", "bind", "flags"]), 2, /--route/);
    expect(existsSync(file)).toBe(false);

    const bound = ok(await srv.remote(["kv", "bind", "flags", "--route", "/admin/*", "--access", "read-only", "--as", "FLAGS"]));
    expect(bound.stderr).toContain(`target: platform API at ${srv.apiUrl}`);
    expect(bound.stderr).toContain(`created ${file}`);
    expect(readJsonc(file)).toEqual({ routes: [{ pattern: "/admin/*", kv: { FLAGS: { namespace: "flags", access: "read-only" } } }] });
    expect(ok(await srv.remote(["kv", "bindings"])).out).toBe("/admin/*\tFLAGS\tflags\tread-only\n");
    const remoteJson = json(await srv.remote(["kv", "bindings", "--json"]));
    expect(remoteJson).toEqual({
      bindings: [{ route: "/admin/*", variable: "FLAGS", namespace: "flags", access: "read-only", createdAt: expect.stringMatching(ISO) }],
    });
    // The server's store is the data directory: the embedded target sees the same binding, and so does the API.
    expect(json(await local(sb, ["--local", "kv", "bindings", "--json"]))).toEqual(remoteJson);
    const http = await srv.http("GET", "/v1/sites/local/bindings");
    expect(http.status).toBe(200);
    expect(http.json).toEqual(remoteJson);

    ok(await srv.remote(["kv", "unbind", "flags", "--route", "/admin/*"]));
    expect((await srv.http("GET", "/v1/sites/local/bindings")).json).toEqual({ bindings: [] });
    expect(readJsonc(file)).toEqual({ routes: [{ pattern: "/admin/*" }] });
  });
});

describe("route tokens", () => {
  const BINDING = [/Route \/admin\/\* /, /namespace "flags"/, /read-only/, /\(as FLAGS\)/];

  /** A server with namespaces flags (beta=on, gamma=off) and other (secret=s3cr3t), flags bound read-only to /admin/* as FLAGS. */
  async function setup(sb: Sandbox) {
    const srv = await startServer(sb);
    const must = async (status: number, answer: Promise<HttpAnswer>) => {
      const a = await answer;
      expect(a.status, a.text).toBe(status);
    };
    await must(201, srv.http("POST", "/v1/sites/local/namespaces", { body: '{"name":"flags"}', type: "application/json" }));
    await must(201, srv.http("POST", "/v1/sites/local/namespaces", { body: '{"name":"other"}', type: "application/json" }));
    await must(200, srv.http("PUT", "/v1/sites/local/namespaces/flags/values/beta", { body: "on" }));
    await must(200, srv.http("PUT", "/v1/sites/local/namespaces/flags/values/gamma", { body: "off" }));
    await must(200, srv.http("PUT", "/v1/sites/local/namespaces/other/values/secret", { body: "s3cr3t" }));
    await must(
      200,
      srv.http("PUT", "/v1/sites/local/bindings", {
        body: JSON.stringify({ route: "/admin/*", variable: "FLAGS", namespace: "flags", access: "read-only" }),
        type: "application/json",
      }),
    );
    // Made while the server runs, by another process on the same data directory.
    const made = await createToken(sb, ["--route", "/admin/*"]);
    expect(made).toMatchObject({ site: "local", kind: "route", route: "/admin/*" });
    const snapshot = async () => {
      const a = await srv.http("GET", "/v1/sites/local/namespaces/flags/export");
      expect(a.status).toBe(200);
      return a.text;
    };
    return { srv, route: made.token, snapshot };
  }

  it("a read-only route token reads its namespace and is refused, naming the binding, on every write path: CLI (--token) and raw HTTP", async () => {
    const sb = sandbox();
    const { srv, route, snapshot } = await setup(sb);
    const asRoute = (args: string[]) => srv.remote(["--token", route, ...args]);
    const before = await snapshot();
    expect(before.trim().split("\n")).toHaveLength(2);

    expect(ok(await asRoute(["kv", "get", "-n", "flags", "beta"])).out).toBe("on");
    expect(ok(await asRoute(["kv", "export", "-n", "flags"])).out).toBe(before);

    fails(await asRoute(["kv", "set", "-n", "flags", "beta", "hacked"]), 4, ...BINDING);
    fails(await asRoute(["kv", "rm", "-n", "flags", "beta"]), 4, ...BINDING);
    fails(await asRoute(["kv", "rm", "-n", "flags", "--prefix", "", "--yes"]), 4, ...BINDING);
    const importFile = join(sb.cwd, "flags.ndjson");
    writeFileSync(importFile, `${JSON.stringify({ key: "beta", value: "hacked" })}\n${JSON.stringify({ key: "delta", value: "new" })}\n`);
    fails(await asRoute(["kv", "import", "-n", "flags", importFile]), 4, ...BINDING);

    const writes: [string, "PUT" | "DELETE" | "POST", string, string | undefined, string | undefined][] = [
      ["put value", "PUT", "/v1/sites/local/namespaces/flags/values/beta", "hacked", "application/octet-stream"],
      ["delete value", "DELETE", "/v1/sites/local/namespaces/flags/values/beta", undefined, undefined],
      ["bulk delete", "POST", "/v1/sites/local/namespaces/flags/bulk/delete", '{"keys":["beta","gamma"],"force":true}', "application/json"],
      ["bulk put", "POST", "/v1/sites/local/namespaces/flags/bulk/put", '{"entries":[{"key":"beta","value":"hacked"}]}', "application/json"],
      ["prefix delete", "POST", "/v1/sites/local/namespaces/flags/bulk/delete-prefix", '{"prefix":"","cursor":null}', "application/json"],
    ];
    for (const [name, method, path, body, type] of writes) {
      const res = await srv.http(method, path, { token: route, body, type });
      expect(res.status, `${name}: ${res.text}`).toBe(403);
      expect(res.json.code, name).toBe("PERMISSION_DENIED");
      for (const p of BINDING) expect(res.json.message, name).toMatch(p);
    }
    // Reads over HTTP are fine.
    const got = await srv.http("GET", "/v1/sites/local/namespaces/flags/values/beta", { token: route });
    expect([got.status, got.text]).toEqual([200, "on"]);
    const keys = await srv.http("GET", "/v1/sites/local/namespaces/flags/keys", { token: route });
    expect(keys.json.keys.map((k: { key: string }) => k.key)).toEqual(["beta", "gamma"]);

    expect(await snapshot()).toBe(before);
  });

  it("cannot reach a namespace its route is not bound to, nor manage the site; a read-write binding lets it write at once, an unbind cuts it off at once", async () => {
    const sb = sandbox();
    const { srv, route } = await setup(sb);
    const asRoute = (args: string[]) => srv.remote(["--token", route, ...args]);
    const unbound = /Route \/admin\/\* is not bound to namespace "other"; it is bound to "flags"/;

    fails(await asRoute(["kv", "get", "-n", "other", "secret"]), 4, unbound);
    fails(await asRoute(["kv", "set", "-n", "other", "secret", "x"]), 4, unbound);
    for (const [method, path] of [
      ["GET", "/v1/sites/local/namespaces/other/values/secret"],
      ["GET", "/v1/sites/local/namespaces/other/keys"],
      ["GET", "/v1/sites/local/namespaces/other/export"],
      ["PUT", "/v1/sites/local/namespaces/other/values/secret"],
      ["DELETE", "/v1/sites/local/namespaces/other/values/secret"],
      ["POST", "/v1/sites/local/namespaces/other/bulk/put"],
      ["POST", "/v1/sites/local/namespaces/other/bulk/delete"],
    ] as const) {
      const body =
        method === "PUT"
          ? "x"
          : path.endsWith("bulk/put")
            ? '{"entries":[{"key":"secret","value":"x"}]}'
            : path.endsWith("bulk/delete")
              ? '{"keys":["secret"]}'
              : undefined;
      const res = await srv.http(method, path, { token: route, body, type: method === "POST" ? "application/json" : undefined });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(403);
      expect(res.json.message).toMatch(unbound);
      expect(res.text).not.toContain("s3cr3t");
    }
    const listed = await srv.http("GET", "/v1/sites/local/namespaces", { token: route });
    expect(listed.status).toBe(200);
    expect(listed.json.namespaces.map((n: { name: string }) => n.name)).toEqual(["flags"]);
    expect((await srv.http("GET", "/v1/sites/local/namespaces/other/values/secret")).text).toBe("s3cr3t");

    // Managing namespaces, bindings, the site or the audit log needs a site token.
    const admin: [string, "GET" | "POST" | "PUT" | "PATCH" | "DELETE", string, string | undefined][] = [
      ["create namespace", "POST", "/v1/sites/local/namespaces", '{"name":"fresh"}'],
      ["remove namespace", "DELETE", "/v1/sites/local/namespaces/flags", undefined],
      ["bind", "PUT", "/v1/sites/local/bindings", '{"route":"/admin/*","variable":"FLAGS","namespace":"flags","access":"read-write"}'],
      ["bind another", "PUT", "/v1/sites/local/bindings", '{"route":"/admin/*","variable":"OTHER","namespace":"other","access":"read-write"}'],
      ["unbind", "DELETE", "/v1/sites/local/bindings?route=%2Fadmin%2F*&variable=FLAGS", undefined],
      ["change site", "PATCH", "/v1/sites/local", '{"tier":"enterprise"}'],
      ["audit", "GET", "/v1/sites/local/audit", undefined],
    ];
    for (const [name, method, path, body] of admin) {
      const res = await srv.http(method, path, { token: route, body, type: body ? "application/json" : undefined });
      expect(res.status, `${name}: ${res.text}`).toBe(403);
      expect(res.json.code).toBe("PERMISSION_DENIED");
      expect(res.json.message).toMatch(/only a site token can/);
    }
    fails(await asRoute(["kv", "bind", "flags", "--route", "/admin/*", "--as", "FLAGS", "--access", "read-write"]), 4, /only a site token can/);
    expect(existsSync(join(sb.cwd, "yourspace.jsonc"))).toBe(false);
    fails(await asRoute(["kv", "audit"]), 4, /only a site token can/);
    expect((await srv.http("GET", "/v1/sites/local/bindings")).json.bindings).toEqual([
      expect.objectContaining({ route: "/admin/*", variable: "FLAGS", namespace: "flags", access: "read-only" }),
    ]);
    expect((await srv.http("GET", "/v1/sites/local")).json.tier).toBe("free");
    expect((await srv.http("GET", "/v1/sites/local/namespaces")).json.namespaces.map((n: { name: string }) => n.name)).toEqual(["default", "flags", "other"]);

    // Bindings apply at each request: read-write now, and the same token writes.
    ok(await srv.remote(["kv", "bind", "flags", "--route", "/admin/*", "--access", "read-write", "--as", "FLAGS"]));
    ok(await asRoute(["kv", "set", "-n", "flags", "beta", "written-by-route"]));
    expect((await srv.http("GET", "/v1/sites/local/namespaces/flags/values/beta")).text).toBe("written-by-route");
    const put = await srv.http("PUT", "/v1/sites/local/namespaces/flags/values/epsilon", { token: route, body: "e", type: "application/octet-stream" });
    expect(put.status, put.text).toBe(200);
    const removed = await srv.http("POST", "/v1/sites/local/namespaces/flags/bulk/delete", {
      token: route,
      body: '{"keys":["epsilon"]}',
      type: "application/json",
    });
    expect([removed.status, removed.json?.deleted]).toEqual([200, ["epsilon"]]);
    // Still only its own namespace.
    expect((await srv.http("PUT", "/v1/sites/local/namespaces/other/values/secret", { token: route, body: "x" })).status).toBe(403);

    const cut = await srv.http("DELETE", "/v1/sites/local/bindings?route=%2Fadmin%2F*&variable=FLAGS");
    expect(cut.json).toEqual({ removed: true });
    fails(await asRoute(["kv", "get", "-n", "flags", "beta"]), 4, /Route \/admin\/\* is not bound to namespace "flags"\./);
  });
});

describe("kv emulator token create", () => {
  it("says what each kind of token reaches: a route token its route's bindings, others their namespaces and access", async () => {
    const { run } = cliSession();
    const route = ok(await run(["kv", "emulator", "token", "create", "--route", "/a/*"]));
    expect(route.out).toMatch(/^ys_\S+\n$/);
    expect(route.stderr).toContain("A route token for site local, reaching what route /a/* is bound to. It is shown only this once.");
    const scoped = ok(await run(["kv", "emulator", "token", "create", "--namespace", "flags", "--read-only"]));
    expect(scoped.stderr).toContain("A scoped token for site local, namespaces flags, read-only. It is shown only this once.");
  });
});

describe("kv namespace rm of a bound namespace", () => {
  it("is refused, naming the route and how to unbind it; after kv unbind it is removed", async () => {
    const sb = sandbox();
    ok(await local(sb, ["kv", "namespace", "create", "bnd"]));
    ok(await local(sb, ["kv", "bind", "bnd", "--route", "/b/*"]));
    const refused = await local(sb, ["kv", "namespace", "rm", "bnd", "--yes"]);
    fails(refused, 2, /The namespace "bnd" cannot be removed: route \/b\/\* \(as BND\) is bound to it\./);
    expect(refused.stderr).toContain("yourspace kv unbind bnd --route '/b/*' --as BND");
    expect(json(await local(sb, ["kv", "bindings", "--json"])).bindings).toHaveLength(1);
    ok(await local(sb, ["kv", "unbind", "bnd", "--route", "/b/*"]));
    ok(await local(sb, ["kv", "namespace", "rm", "bnd", "--yes"]));
  });

  it("with keys, at a terminal, is refused before anything is asked; so is the default namespace", async () => {
    const { run } = cliSession();
    ok(await run(["kv", "namespace", "create", "bnd"]));
    ok(await run(["kv", "set", "k", "v", "-n", "bnd"]));
    ok(await run(["kv", "set", "k", "v"]));
    ok(await run(["kv", "bind", "bnd", "--route", "/b/*"]));
    ok(await run(["kv", "bind", "bnd", "--route", "/a/*", "--as", "STORE"]));
    const asked: string[] = [];
    const prompter: Prompter = {
      confirm: async (m) => (asked.push(m), true),
      secret: async () => null,
      select: async () => null,
      text: async () => null,
    };
    const bound = await run(["kv", "namespace", "rm", "bnd"], { interactive: true, prompter });
    fails(bound, 2, /The namespace "bnd" cannot be removed: routes \/a\/\* \(as STORE\), \/b\/\* \(as BND\) are bound to it\./);
    fails(await run(["kv", "namespace", "rm", "default"], { interactive: true, prompter }), 2, /The namespace "default" cannot be removed\./);
    expect(asked).toEqual([]);
    expect(json(await run(["kv", "get", "k", "-n", "bnd", "--json"])).value).toBe("v");
  });
});
