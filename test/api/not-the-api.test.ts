import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { HttpBackend } from "../../src/client/client.js";
import { KvError } from "../../src/core/errors.js";
import { runCli, tempDir } from "../support/cli.js";

/**
 * An API URL that is not the platform API: a web page, a plain-text service, a redirect to a login
 * page, JSON of another shape. Every method of the HTTP client must report it as NOT_PLATFORM_API
 * (exit 5), saying the URL did not answer as the platform API and what to check: never a JSON.parse
 * crash, never data taken from a page. A real loopback HTTP server answers each wrong thing.
 */

type Answer = (res: ServerResponse) => void;

const send =
  (status: number, type: string | null, body: string, headers: Record<string, string> = {}): Answer =>
  (res) => {
    res.writeHead(status, { ...(type && { "content-type": type }), ...headers });
    res.end(body);
  };

const WRONG: Record<string, Answer> = {
  "an HTML page": send(200, "text/html; charset=utf-8", "<!doctype html><html><head><title>Welcome</title></head><body>Hello</body></html>"),
  "plain text": send(200, "text/plain", "OK"),
  "an empty body": send(200, null, ""),
  "an empty JSON body": send(200, "application/json", ""),
  "truncated JSON": send(200, "application/json", '{"keys": [{"key": "a", "si'),
  "a JSON array": send(200, "application/json", "[]"),
  "JSON null": send(200, "application/json", "null"),
  "JSON of another shape": send(200, "application/json", '{"ok": true, "data": {"items": []}}'),
  "JSON with fields of the wrong type": send(
    200,
    "application/json",
    '{"site": 1, "keys": "x", "namespaces": {}, "results": 3, "entries": null, "deleted": 1, "version": 7}',
  ),
  "a 301 redirect": send(301, "text/html", "<a href='https://example.com/'>moved</a>", { location: "https://example.com/" }),
  "a 302 redirect to a login page": send(302, null, "", { location: "https://sso.example.com/login?next=/v1" }),
  "a 307 redirect": send(307, null, "", { location: "/elsewhere" }),
  "an HTML 404": send(404, "text/html", "<h1>Not Found</h1>"),
  "an HTML 401": send(401, "text/html", "<h1>Sign in</h1>"),
  "a JSON 404 of another shape": send(404, "application/json", '{"error": "not found"}'),
  "a JSON 400 of another shape": send(400, "application/json", '{"errors": [{"detail": "bad"}]}'),
};

/** Every method of the client, each run to its end (an export is read through). */
const METHODS: Record<string, (b: HttpBackend) => Promise<unknown>> = {
  whoami: (b) => b.whoami(),
  get: (b) => b.get("default", "k"),
  put: (b) => b.put("default", "k", { value: Buffer.from("v") }),
  delete: (b) => b.delete("default", ["k"], { force: false }),
  "delete of 1,500 keys": (b) =>
    b.delete(
      "default",
      Array.from({ length: 1_500 }, (_, i) => `k${i}`),
      { force: false },
    ),
  list: (b) => b.list("default", { prefix: "", cursor: null, limit: 10 }),
  bulkPut: (b) => b.bulkPut("default", [{ key: "k", value: Buffer.from("v") }]),
  "bulkPut dry run": (b) => b.bulkPut("default", [{ key: "k", value: Buffer.from("v") }], { dryRun: true }),
  exportEntries: async (b) => {
    for await (const _page of b.exportEntries("default", { prefix: "" })) {
      // read through
    }
  },
  exportLines: async (b) => {
    for await (const _page of b.exportLines("default", { prefix: "" })) {
      // read through
    }
  },
  usage: (b) => b.usage(),
  updateSite: (b) => b.updateSite({ tier: "free" }),
  listBindings: (b) => b.listBindings(),
  bind: (b) => b.bind({ route: "/r", variable: "V", namespace: "default", access: "read-only" }),
  unbind: (b) => b.unbind("/r", "V"),
  audit: (b) => b.audit({}),
  createNamespace: (b) => b.createNamespace("fresh"),
  listNamespaces: (b) => b.listNamespaces(),
  removeNamespace: (b) => b.removeNamespace("fresh"),
};

async function impostor(answer: Answer): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.once("end", () => answer(res));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function expectNotTheApi(e: unknown, label: string, url: string): void {
  expect(e, `${label}: ${String(e)}`).toBeInstanceOf(KvError);
  const err = e as KvError;
  expect({ code: err.code, exitCode: err.exitCode }, `${label}: ${err.message}`).toEqual({ code: "NOT_PLATFORM_API", exitCode: 5 });
  expect(err.message, label).toContain(`The URL ${url} did not answer as the platform API`);
  expect(err.hint, label).toMatch(/API URL/);
}

describe("an API URL that is not the platform API", () => {
  for (const [kind, answer] of Object.entries(WRONG)) {
    it(`answering ${kind}: every method reports NOT_PLATFORM_API, exit 5`, async () => {
      const url = await impostor(answer);
      const backend = await HttpBackend.open({ apiUrl: url, token: "t", site: "local", retries: 0 });
      onTestFinished(() => backend.close());
      for (const [name, method] of Object.entries(METHODS)) {
        const outcome = await method(backend).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        expect("error" in outcome, `${name} took ${kind} for an answer: ${JSON.stringify((outcome as { value?: unknown }).value)?.slice(0, 200)}`).toBe(true);
        expectNotTheApi((outcome as { error: unknown }).error, `${name}, ${kind}`, url);
      }
      // Opening without a site asks whoami: the same.
      expectNotTheApi(await HttpBackend.open({ apiUrl: url, token: "t", site: null, retries: 0 }).catch((e: unknown) => e), `open, ${kind}`, url);
    });
  }

  it("the CLI: exit 5 with the message and what to check, nothing on stdout, JSON on stderr under --json", async () => {
    const url = await impostor(WRONG["an HTML page"]!);
    const cwd = tempDir();
    const env = { YOURSPACE_CONFIG_DIR: join(cwd, "config"), YOURSPACE_API_URL: url, YOURSPACE_TOKEN: "t", YOURSPACE_SITE: "local" };
    for (const argv of [
      ["kv", "ls"],
      ["kv", "get", "k"],
      ["kv", "set", "k", "v"],
      ["kv", "rm", "k"],
      ["kv", "namespace", "ls"],
    ]) {
      const text = await runCli(argv, { cwd, env });
      expect(text.code, `${argv.join(" ")}: ${text.stderr}`).toBe(5);
      expect(text.stdout.length).toBe(0);
      expect(text.stderr).toContain(`The URL ${url} did not answer as the platform API`);
      expect(text.stderr).not.toMatch(/This is a bug|SyntaxError|Unexpected token/);
      const json = await runCli([...argv, "--json"], { cwd, env });
      expect(json.code).toBe(5);
      expect(json.stdout.length).toBe(0);
      const lines = json.stderr.trim().split("\n");
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ error: { code: "NOT_PLATFORM_API" } });
    }
  });
});
