import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { COMMANDS } from "../../src/cli/registry/index.js";
import { BODIES, ENDPOINTS, HEADERS, MEDIA, paths, PARAMS, type Endpoint, type RouteName } from "../../src/contract/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { ApiServer } from "../../src/server/server.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";
import { catalogueSamples } from "../support/error-samples.js";
import { samplePaths } from "../support/routes.js";

/**
 * The API speaks to programs and people who have no CLI: no error it answers may name a CLI flag
 * (`--route`, `--site`). Every route is driven with bad input, without a token and with tokens that
 * may not do what is asked, and every message and hint answered is read for `--` and a letter.
 */

const FLAG = /--[a-z]/i;

/** A command line of the CLI: `yourspace` or `kv` before one of its commands (not "another yourspace process"). */
const COMMAND = new RegExp(
  `\\b(yourspace|kv) (${[...COMMANDS.commands!, ...COMMANDS.commands!.flatMap((c) => c.commands ?? [])].map((c) => c.name).join("|")})\\b`,
);

/** The files that make the catalogue's errors; nothing else in src/ constructs one. */
const CATALOGUE_FILES = [
  "errors.ts",
  "environment-errors.ts",
  "api-errors.ts",
  "remote-errors.ts",
  "outcome-errors.ts",
  "condition-errors.ts",
  "edge-errors.ts",
  "input-errors.ts",
  "emulator-errors.ts",
  "browser-errors.ts",
].map((f) => join("src/core", f));

/** Every piece of literal text in a file: strings, and the fixed parts of template strings. */
function literalTexts(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const texts: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) texts.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return texts;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Values no parameter of the API takes. */
const BAD_VALUES = ["x", "-1", "99999999999999999999", ""];

interface Sent {
  method: string;
  path: string;
  token?: string;
  body?: string;
  type?: string;
}

async function start() {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const site = server.tokens.create({ site: "local" }).token;
  const tokens = {
    none: undefined,
    bogus: "ys_not_a_token",
    readOnly: server.tokens.create({ site: "local", kind: "scoped", access: "read-only", namespaces: null }).token,
    otherNamespace: server.tokens.create({ site: "local", kind: "scoped", access: "read-write", namespaces: ["elsewhere"] }).token,
    unboundRoute: server.tokens.create({ site: "local", kind: "route", route: "/unbound/*" }).token,
    readOnlyRoute: server.tokens.create({ site: "local", kind: "route", route: "/ro/*" }).token,
    otherSite: server.tokens.create({ site: "other" }).token,
    site,
  };
  const send = async ({ method, path, token, body, type }: Sent) => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers[HEADERS.authorization] = `Bearer ${token}`;
    if (body !== undefined) headers[HEADERS.contentType] = type ?? MEDIA.json;
    const res = await request(`${server.url}${path}`, { method: method as "GET", headers, body });
    return { status: res.statusCode, text: await res.body.text() };
  };
  // A namespace the read-only route token is bound to.
  await send({
    method: "PUT",
    path: paths.bindings("local"),
    token: site,
    body: JSON.stringify({ route: "/ro/*", variable: "KV", namespace: "default", access: "read-only" }),
  });
  return { send, tokens };
}

/** Every request to try on an endpoint: each token, then the site token with each kind of bad input. */
function badRequests(endpoint: Endpoint, path: string, tokens: Record<string, string | undefined>): Sent[] {
  const [method] = endpoint.split(" ") as [string, RouteName];
  const withBody = endpoint in BODIES || method === "PUT";
  const body = withBody ? "{}" : undefined;
  const sent: Sent[] = Object.values(tokens).map((token) => ({ method, path, token, body }));
  const site = tokens.site;
  sent.push({ method, path: `${path}?bogus=1`, token: site, body });
  for (const param of PARAMS[endpoint])
    for (const value of BAD_VALUES) sent.push({ method, path: `${path}?${param}=${encodeURIComponent(value)}`, token: site, body });
  if (withBody) {
    for (const bad of ["not json", "[]", '{"unknown": 1}', "null", '{"keys": 1, "entries": 1, "name": 1, "route": 1, "tier": "gold"}'])
      sent.push({ method, path, token: site, body: bad });
    sent.push({ method, path, token: site, body: "{}", type: "text/plain" });
  }
  // Another namespace, one that does not exist, and a key no store takes.
  sent.push({ method, path: path.replace("/default/", "/missing/").replace("/scratch", "/missing"), token: site, body });
  return sent;
}

describe("no answer of the API names a CLI flag", () => {
  it("every route, driven with bad input and with tokens that may not, answers without --flags", async () => {
    const { send, tokens } = await start();
    const sample = samplePaths("k");
    const offending: string[] = [];
    let answers = 0;
    const check = async (sent: Sent) => {
      const { status, text } = await send(sent);
      if (status < 400) return;
      answers++;
      let error: { message?: unknown; hint?: unknown };
      try {
        error = JSON.parse(text);
      } catch {
        return;
      }
      for (const field of [error.message, error.hint]) {
        if (typeof field === "string" && FLAG.test(field)) offending.push(`${sent.method} ${sent.path} → ${status}: ${field}`);
      }
    };
    for (const route of Object.keys(ENDPOINTS) as RouteName[]) {
      for (const method of ENDPOINTS[route]) {
        for (const sent of badRequests(`${method} ${route}` as Endpoint, sample[route], tokens)) await check(sent);
      }
      // A method the route does not take.
      await check({ method: "PATCH", path: sample[route], token: tokens.site });
    }
    await check({ method: "GET", path: "/v1/nowhere", token: tokens.site });
    expect(answers).toBeGreaterThan(200);
    expect([...new Set(offending)]).toEqual([]);
  });
});

describe("no text of the error catalogue names a CLI flag or command", () => {
  it("every entry, made with sample arguments in each of its variants, names neither", () => {
    const samples = catalogueSamples();
    expect(samples.length).toBeGreaterThan(100);
    const offending = samples.flatMap(({ name, error }) =>
      [error.message, error.hint ?? ""].filter((text) => FLAG.test(text) || COMMAND.test(text)).map((text) => `${name}: ${text}`),
    );
    expect(offending).toEqual([]);
  });

  // Samples reach the branches their arguments choose; the source has every branch's text.
  it("no literal text in the catalogue's files names either, in any branch", () => {
    const offending = CATALOGUE_FILES.flatMap((file) => literalTexts(file).filter((text) => FLAG.test(text) || COMMAND.test(text)));
    expect(offending).toEqual([]);
    // The check reads the texts: a sentence that named a command would be found.
    expect(COMMAND.test("List keys with: yourspace kv ls -n default")).toBe(true);
    expect(COMMAND.test("turn it off (kv emulator record off)")).toBe(true);
    expect(COMMAND.test("Another yourspace process is holding a long write.")).toBe(false);
  });

  it("nothing outside the catalogue's files constructs an error", () => {
    const outside = sourceFiles("src").filter((file) => !CATALOGUE_FILES.includes(file) && readFileSync(file, "utf8").includes("new KvError("));
    expect(outside).toEqual([]);
  });
});
