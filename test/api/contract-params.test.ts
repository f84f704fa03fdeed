import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { ENDPOINTS, PARAMS, paths, QUERY, ROUTES, type Endpoint } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { samplePaths } from "../support/routes.js";

/**
 * The query parameters of the API, three ways: the contract (PARAMS, the names in QUERY), the
 * parameter tables of docs/api.md, and what the server does. They must agree: every parameter the
 * docs list is the contract's, and the server honours it (a bad value is refused naming it, a good
 * one changes the answer); a parameter of no route is refused.
 */

const DOCS = readFileSync(resolve(import.meta.dirname, "../../docs/api.md"), "utf8");

/** `/v1/sites/{site}/namespaces/{ns}/values/{key}` → the route's name in ROUTES. */
function routeOf(docPath: string): keyof typeof ROUTES {
  const pattern = docPath.replace("{site}", ":site").replace("{ns}", ":ns").replace("{key}", "*");
  const name = (Object.keys(ROUTES) as (keyof typeof ROUTES)[]).find((r) => ROUTES[r] === pattern);
  if (!name) throw new Error(`docs/api.md describes ${docPath}, which is not a route of the contract`);
  return name;
}

/** Each endpoint's section (from its bold heading to the next heading) and the parameters of its "query parameter" table. */
function documentedParams(): Map<Endpoint, string[]> {
  const found = new Map<Endpoint, string[]>();
  const lines = DOCS.split("\n");
  let current: Endpoint | null = null;
  let inTable = false;
  for (const line of lines) {
    const heading = /^\*\*`(GET|PUT|POST|PATCH|DELETE) (\/v1\/[^`?]*)/.exec(line);
    if (heading) {
      current = `${heading[1]} ${routeOf(heading[2]!)}` as Endpoint;
      if (found.has(current)) throw new Error(`docs/api.md describes ${current} twice`);
      found.set(current, []);
      inTable = false;
      continue;
    }
    if (/^#/.test(line)) current = null;
    if (current === null) continue;
    if (/^\| query parameter \| meaning \|$/.test(line)) {
      inTable = true;
      continue;
    }
    if (inTable && line.startsWith("|")) {
      const first = line.split("|")[1]!;
      found.get(current)!.push(...[...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    } else if (inTable && !line.startsWith("|")) inTable = false;
  }
  return found;
}

const ALL_ENDPOINTS = (Object.keys(ENDPOINTS) as (keyof typeof ENDPOINTS)[]).flatMap((route) =>
  ENDPOINTS[route].map((method) => `${method} ${route}` as Endpoint),
);

async function serve() {
  const clock = new ManualClock(T0);
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock });
  onTestFinished(() => server.stop());
  const { token } = server.tokens.create({ site: "local" });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await request(`${server.url}${path}`, {
      method: method as "GET",
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { "content-type": typeof body === "string" ? "application/octet-stream" : "application/json" }),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, text, json };
  };
  return { server, clock, call };
}

type Api = Awaited<ReturnType<typeof serve>>;

/** The path an endpoint is tried on, with its query. */
const target = (endpoint: Endpoint, query: string): [string, string] => {
  const [method, route] = endpoint.split(" ") as [string, keyof typeof ROUTES];
  const base = samplePaths("a/1");
  return [method, `${base[route]}${query}`];
};

/** A body each endpoint accepts, so that only the query decides the answer. */
const BODY: Partial<Record<Endpoint, unknown>> = {
  "PUT value": "v",
  "POST bulkPut": { entries: [{ key: "a/2", value: "v" }] },
  "POST counter": { by: "1" },
  "POST bulkDelete": { keys: ["a/1"], force: true, dryRun: true },
  "POST deletePrefix": { prefix: "a/" },
};

/**
 * How each parameter is seen to be honoured: a value the server must refuse (a 400 naming the
 * parameter), or a check that a good value changes the answer. Every documented parameter needs one.
 */
type Probe = { bad: string } | { check: (api: Api) => Promise<void> };

const seed = async ({ call }: Api) => {
  for (const key of ["a/1", "b/1"]) expect((await call("PUT", paths.value("local", "default", key), "v")).status).toBe(200);
};

const PROBES: Record<string, Probe> = {
  region: { bad: "mars" },
  consistency: { bad: "sometimes" },
  cache_ttl: { bad: "soon" },
  ttl: { bad: "soon" },
  expires_at: { bad: "soon" },
  cursor: { bad: "not-a-cursor" },
  limit: { bad: "0" },
  force: { bad: "maybe" },
  since: { bad: "yesterday" },
  within_ms: { bad: "an-hour" },
  "GET keys prefix": {
    check: async (api) => {
      await seed(api);
      const { json } = await api.call("GET", `${paths.keys("local", "default")}?prefix=a%2F`);
      expect(json.keys.map((k: { key: string }) => k.key)).toEqual(["a/1"]);
    },
  },
  "GET export prefix": {
    check: async (api) => {
      await seed(api);
      const { text } = await api.call("GET", `${paths.export("local", "default")}?prefix=b%2F`);
      expect(
        text
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { key: string }).key),
      ).toEqual(["b/1"]);
    },
  },
  "DELETE value force": {
    check: async ({ call }) => {
      expect((await call("DELETE", `${paths.value("local", "default", "ghost")}?force=true`)).json).toEqual({ deleted: [], missing: ["ghost"], version: null });
      expect((await call("DELETE", `${paths.value("local", "default", "ghost")}?force=false`)).status).toBe(404);
    },
  },
  "GET audit key": {
    check: async (api) => {
      await seed(api);
      const { json } = await api.call("GET", `${paths.audit("local")}?key=b%2F1`);
      expect(json.entries.map((e: { key: string }) => e.key)).toEqual(["b/1"]);
    },
  },
  "GET audit actor": {
    check: async (api) => {
      await seed(api);
      expect((await api.call("GET", `${paths.audit("local")}?actor=token%3Anobody`)).json.entries).toEqual([]);
      expect((await api.call("GET", paths.audit("local"))).json.entries.length).toBeGreaterThan(0);
    },
  },
  "GET audit since": {
    check: async (api) => {
      await seed(api);
      api.clock.advance(60_000);
      await api.call("PUT", paths.value("local", "default", "c/1"), "v");
      const { json } = await api.call("GET", `${paths.audit("local")}?since=${T0 + 30_000}`);
      expect(json.entries.map((e: { key: string }) => e.key)).toEqual(["c/1"]);
    },
  },
  "GET audit within_ms": {
    check: async (api) => {
      await seed(api);
      api.clock.advance(60_000);
      await api.call("PUT", paths.value("local", "default", "c/1"), "v");
      const { json } = await api.call("GET", `${paths.audit("local")}?within_ms=30000`);
      expect(json.entries.map((e: { key: string }) => e.key)).toEqual(["c/1"]);
    },
  },
  "DELETE bindings route": {
    check: async ({ call }) => {
      await call("PUT", paths.bindings("local"), { route: "/a/*", variable: "V", namespace: "default", access: "read-only" });
      expect((await call("DELETE", `${paths.bindings("local")}?route=%2Fb%2F*&variable=V`)).json).toEqual({ removed: false });
      expect((await call("DELETE", `${paths.bindings("local")}?route=%2Fa%2F*&variable=V`)).json).toEqual({ removed: true });
    },
  },
  "DELETE bindings variable": {
    check: async ({ call }) => {
      await call("PUT", paths.bindings("local"), { route: "/a/*", variable: "V", namespace: "default", access: "read-only" });
      expect((await call("DELETE", `${paths.bindings("local")}?route=%2Fa%2F*&variable=W`)).json).toEqual({ removed: false });
      expect((await call("DELETE", `${paths.bindings("local")}?route=%2Fa%2F*&variable=V`)).json).toEqual({ removed: true });
    },
  },
};

describe("the route table of docs/api.md", () => {
  it("lists every endpoint of the contract, and only those", () => {
    const section = DOCS.slice(DOCS.indexOf("\n## Routes"), DOCS.indexOf("\n## ", DOCS.indexOf("\n## Routes") + 1));
    const rows = [...section.matchAll(/^\| `([A-Z]+)` \| `(\/v1\/[^`?]*)[^`]*` \|/gm)].map(([, method, path]) => `${method} ${routeOf(path!)}`);
    expect(rows.length).toBe(new Set(rows).size);
    expect([...rows].sort()).toEqual([...ALL_ENDPOINTS].sort());
  });
});

describe("query parameters: contract, docs and server agree", () => {
  it("every name in PARAMS is a QUERY name, and every QUERY name is taken by some endpoint", () => {
    const names = new Set<string>(Object.values(QUERY));
    const used = new Set(Object.values(PARAMS).flat());
    for (const name of used) expect(names.has(name), name).toBe(true);
    for (const name of names) expect(used.has(name as never), `${name} is taken by no endpoint`).toBe(true);
  });

  it("docs/api.md documents every endpoint, with exactly the contract's parameters", () => {
    const documented = documentedParams();
    expect([...documented.keys()].sort()).toEqual([...ALL_ENDPOINTS].sort());
    for (const endpoint of ALL_ENDPOINTS) expect([...documented.get(endpoint)!].sort(), endpoint).toEqual([...PARAMS[endpoint]].sort());
  });

  it("the server honours every documented parameter", async () => {
    for (const [endpoint, params] of documentedParams()) {
      for (const param of params) {
        const probe = PROBES[`${endpoint} ${param}`] ?? PROBES[param];
        expect(probe, `no probe for ${endpoint} ${param}: add one to PROBES`).toBeDefined();
        const api = await serve();
        if ("check" in probe!) {
          await probe.check(api);
          continue;
        }
        if (endpoint === "GET keys" && param === "cursor") await seed(api);
        const [method, path] = target(endpoint, `?${param}=${encodeURIComponent(probe!.bad)}`);
        const res = await api.call(method, path, BODY[endpoint]);
        expect(res.status, `${endpoint} ?${param}=${probe!.bad}: ${res.text}`).toBe(400);
        expect(res.json.message.toLowerCase(), `${endpoint} ?${param}: ${res.text}`).toContain(param);
      }
    }
  });

  it("a parameter an endpoint does not take, or one given twice, is refused: a typo never widens a request", async () => {
    const api = await serve();
    for (const endpoint of ALL_ENDPOINTS) {
      const [method, path] = target(endpoint, "?prefx=a");
      const res = await api.call(method, path, BODY[endpoint]);
      expect(res.status, `${endpoint}: ${res.text}`).toBe(400);
      expect(res.json).toMatchObject({ code: "USAGE", message: expect.stringContaining('"prefx"') });
    }
    for (const endpoint of ALL_ENDPOINTS.filter((e) => PARAMS[e].length > 0)) {
      const param = PARAMS[endpoint][0]!;
      const [method, path] = target(endpoint, `?${param}=x&${param}=y`);
      const res = await api.call(method, path, BODY[endpoint]);
      expect(res.status, `${endpoint}: ${res.text}`).toBe(400);
      expect(res.json.message, endpoint).toContain("twice");
    }
  });
});
