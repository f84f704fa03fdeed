import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../support/cli.js";
import { ok } from "../support/kv.js";
import { devProject, startDevProcess } from "../support/dev-process.js";

/** The launch post's handler, verbatim. */
const LAUNCH_POST_HANDLER = `import { kv } from "yourspace:edge";
export default async function handler(req, ctx) {
  const sessionToken = req.headers.get("authorization");
  const session = sessionToken ? await kv.get(\`sessions/\${sessionToken}\`) : null;
  if (req.url.pathname.startsWith("/admin") && !session) return ctx.redirect("/login");
  return ctx.next();
}
`;

const routes = (list: unknown[]) => JSON.stringify({ routes: list }, null, 2);

describe("yourspace dev: routes, handlers and fall-through", () => {
  it("runs the launch post's handler verbatim: a redirect without a session, the next route with one", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([
        { pattern: "/admin/*", function: "admin", kv: "read-only" },
        { pattern: "/admin/*", function: "functions/page.js" },
      ]),
      "functions/admin.ts": LAUNCH_POST_HANDLER,
      "functions/page.js": `export default async (req) => new Response("admin page for " + req.url.pathname);\n`,
    });
    await ok(project.kv("set", "sessions/tok-1", '{"user":"ada"}'));
    const dev = await startDevProcess(project);
    expect(dev.info.routes[0]).toEqual({
      pattern: "/admin/*",
      function: "functions/admin.ts",
      kv: [{ variable: "default", namespace: "default", access: "read-only" }],
    });

    const anonymous = await dev.fetch("/admin/users");
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/login");

    const signedIn = await dev.fetch("/admin/users", { headers: { authorization: "tok-1" } });
    expect(signedIn.status).toBe(200);
    expect(await signedIn.text()).toBe("admin page for /admin/users");
    expect(signedIn.headers.get("x-yourspace-region")).toBe("iad");
    expect(signedIn.headers.get("x-yourspace-kv")).toMatch(/^sessions%2Ftok-1 v=\d{20} from=home stale=0 age=0$/);
  });

  it("falls through to the public directory, then answers 404; a request in an unknown region is 400 naming the regions", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "*", function: "pass" }]),
      "functions/pass.ts": `export default (req: Request, ctx: { next(): Promise<Response> }) => ctx.next();\n`,
      "public/index.html": "<h1>home</h1>",
      "public/css/site.css": "body{}",
    });
    const dev = await startDevProcess(project);
    const home = await dev.fetch("/");
    expect([home.status, home.headers.get("content-type"), await home.text()]).toEqual([200, "text/html; charset=utf-8", "<h1>home</h1>"]);
    expect(await (await dev.fetch("/css/site.css")).text()).toBe("body{}");
    const missing = await dev.fetch("/nothing/here");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    const climbing = await dev.fetch("/..%2f..%2fyourspace.jsonc");
    expect(climbing.status).toBe(404);

    const unknown = await dev.fetch("/", { region: "mars" });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { error: { code: string; message: string; hint: string } };
    expect(body.error.message).toContain('"mars"');
    expect(body.error.hint).toContain("iad, fra, sin");
  });

  it("runs Cloudflare's and EdgeOne's handler shapes with only the binding renamed", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([
        { pattern: "/cf", function: "cf", kv: { KV: { namespace: "default", access: "read-only" } } },
        { pattern: "/eo", function: "eo", kv: { my_kv: { namespace: "default", access: "read-only" } } },
      ]),
      "functions/cf.ts": `export default {
  async fetch(request: Request, env: any) {
    const config = await env.KV.get("config", { type: "json", cacheTtl: 60 });
    return new Response(JSON.stringify({ url: typeof request.url, theme: config.theme }));
  },
};
`,
      "functions/eo.js": `export async function onRequest({ request, env }) {
  const config = await env.my_kv.get("config", "json");
  return new Response(JSON.stringify({ url: typeof request.url, theme: config.theme }));
}
`,
    });
    await ok(project.kv("set", "config", '{"theme":"dark"}'));
    const dev = await startDevProcess(project);
    expect(await (await dev.fetch("/cf")).json()).toEqual({ url: "string", theme: "dark" });
    expect(await (await dev.fetch("/eo")).json()).toEqual({ url: "string", theme: "dark" });
  });

  it("answers an uncaught exception with 500 and the source-mapped stack, as JSON or a page, and keeps serving", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([
        { pattern: "/boom", function: "boom" },
        { pattern: "/throws-object", function: "throws-object" },
      ]),
      "functions/throws-object.js": `export default () => { throw { reason: "no flag" }; };\n`,
      "functions/boom.ts": `import { explode } from "./lib/explode";
type Query = { ok?: string };
export default async function handler(req: { url: URL }) {
  const q: Query = Object.fromEntries(req.url.searchParams);
  if (q.ok) return new Response("fine");
  return explode();
}
`,
      "functions/lib/explode.ts": `export function explode(): never {
  throw new TypeError("the flag was not there");
}
`,
    });
    const dev = await startDevProcess(project);
    const json = await dev.fetch("/boom");
    expect(json.status).toBe(500);
    const { error } = (await json.json()) as { error: { code: string; message: string; stack: string } };
    expect(error.code).toBe("FUNCTION_ERROR");
    expect(error.message).toContain("TypeError: the flag was not there");
    expect(error.stack).toContain("functions/lib/explode.ts:2:9");
    expect(error.stack).toContain("functions/boom.ts:6:10");
    // The server's own frames below the function's say nothing to its author.
    expect(error.stack.split("\n").at(-1)).toContain("functions/boom.ts:6:10");
    // The terminal says what the 500 was, not only that there was one.
    const [logged] = await dev.eventsWhen(1, (e) => e.event === "request" && e.path === "/boom");
    expect(logged!.error).toEqual({ code: "FUNCTION_ERROR", message: error.message, stack: error.stack });

    const page = await dev.fetch("/boom", { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(page.status).toBe(500);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("functions/lib/explode.ts:2:9");

    expect(await (await dev.fetch("/boom?ok=1")).text()).toBe("fine");

    // A thrown value that is not an Error is shown as what it is, not as "[object Object]".
    const thrown = (await (await dev.fetch("/throws-object")).json()) as { error: { message: string } };
    expect(thrown.error.message).toBe('The function of route /throws-object failed: {"reason":"no flag"} was thrown');
  });
});

describe("yourspace dev's log", () => {
  it("shows KV operations a function made after its request's line, work given to ctx.waitUntil, on a line of their own", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([
        { pattern: "/start", function: "start" },
        { pattern: "/release", function: "release" },
      ]),
      // The work given to waitUntil writes once a later request lets it: after /start's line is out.
      "functions/start.js": `import { kv } from "yourspace:edge";
export default (req, ctx) => {
  ctx.waitUntil(new Promise((resolve) => { globalThis.release = resolve; }).then(() => kv.put("later", "1")));
  return new Response("started");
};
`,
      "functions/release.js": `export default () => { globalThis.release(); return new Response("released"); };\n`,
    });
    const dev = await startDevProcess(project);
    expect(await (await dev.fetch("/start")).text()).toBe("started");
    const [started] = await dev.eventsWhen(1, (e) => e.event === "request" && e.path === "/start");
    expect(started!.kv).toEqual([]);
    const later = dev.nextEvent((e) => e.event === "afterAnswer");
    expect(await (await dev.fetch("/release")).text()).toBe("released");
    expect(await later).toEqual({ event: "afterAnswer", method: "GET", path: "/start", region: "iad", kv: [{ op: "put", binding: "default", key: "later" }] });
    expect((await ok(project.kv("get", "later"))).out).toBe("1");
  });
});

describe("a promise given to ctx.waitUntil that rejects", () => {
  it("is warned about with what it threw and the function's frames, mapped to its sources", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "/", function: "later" }]),
      "functions/later.ts": `function sendReport(): Promise<void> {
  return Promise.reject(new TypeError("the report has no address"));
}
export default (req: Request, ctx: { waitUntil(p: Promise<unknown>): void }) => {
  ctx.waitUntil(sendReport());
  return new Response("ok");
};
`,
    });
    const dev = await startDevProcess(project);
    const warned = dev.nextEvent((e) => typeof e.warning === "string");
    expect(await (await dev.fetch("/")).text()).toBe("ok");
    const lines = ((await warned).warning as string).split("\n");
    expect(lines[0]).toBe("Route /: a promise given to waitUntil failed: TypeError: the report has no address");
    expect(lines[1]).toMatch(/^at sendReport \(.*functions\/later\.ts:2:\d+\)$/);
  });
});

describe("a function's console", () => {
  it("writes to stderr, one --json line a call, so stdout's first line stays the server's JSON", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "/", function: "chatty" }]),
      "functions/chatty.js": `console.log("loading");
export default () => { console.log("serving", { n: 1 }); console.error("oops"); return new Response("ok"); };
`,
    });
    // The ready line is stdout's first: startDevProcess parses it.
    const dev = await startDevProcess(project);
    expect(dev.info.url).toMatch(/^http:/);
    expect(await (await dev.fetch("/")).text()).toBe("ok");
    const lines = await dev.eventsWhen(3, (e) => e.event === "console");
    expect(lines).toEqual([
      { event: "console", level: "log", text: "loading" },
      { event: "console", level: "log", text: "serving { n: 1 }" },
      { event: "console", level: "error", text: "oops" },
    ]);
  });
});

describe("yourspace dev: ctx.redirect", () => {
  it("redirects with the status given, and a status that is not a redirect's is the function's error", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "/go/*", function: "go" }]),
      "functions/go.js": `export default (req, ctx) => req.url.pathname === "/go/moved" ? ctx.redirect(new URL("https://example.com/new"), 301) : ctx.redirect("/home", 200);\n`,
    });
    const dev = await startDevProcess(project);
    const moved = await dev.fetch("/go/moved");
    expect([moved.status, moved.headers.get("location")]).toEqual([301, "https://example.com/new"]);
    const wrong = await dev.fetch("/go/wrong", { headers: { accept: "application/json" } });
    expect(wrong.status).toBe(500);
    expect(((await wrong.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "FUNCTION_ERROR",
      message: expect.stringContaining("RangeError: ctx.redirect takes a status of 301, 302, 303, 307 or 308, not 200."),
    });
  });
});

describe("yourspace dev: a request body over the cap", () => {
  it("is answered 413 BODY_TOO_LARGE before the function runs, and the server goes on serving", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "/upload", function: "upload" }]),
      "functions/upload.js": `export default async (req) => { console.log("ran"); return new Response(String((await req.arrayBuffer()).byteLength)); };\n`,
    });
    const dev = await startDevProcess(project);
    const { request } = await import("node:http");
    // 200 MiB announced, a few bytes sent: the length alone refuses it.
    const refused = await new Promise<{ status?: number; body: string; connection?: string }>((resolve, reject) => {
      const req = request(
        `${dev.info.url}/upload`,
        { method: "POST", headers: { "content-length": String(200 * 1_048_576), accept: "application/json" } },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode, body, connection: res.headers.connection }));
        },
      );
      req.on("error", reject);
      req.write("some bytes");
    });
    expect(refused.status).toBe(413);
    expect(refused.connection).toBe("close");
    expect(JSON.parse(refused.body).error).toMatchObject({
      code: "BODY_TOO_LARGE",
      message: "The request body is 209,715,200 bytes or more; the limit is 104,857,600 bytes.",
    });
    const small = await dev.fetch("/upload", { method: "POST", body: "12345" });
    expect(await small.text()).toBe("5");
    // The function ran once: for the small body (a refused one's line would have come first).
    await dev.eventsWhen(1, (e) => e.event === "console");
    expect(dev.events.filter((e) => e.event === "console")).toHaveLength(1);
  });
});

describe("yourspace dev: a request its client gives up on", () => {
  it("is logged when the client goes, with the KV calls made so far, though its function never answers", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "/hang", function: "hang", kv: "read-only" }]),
      "functions/hang.js": `import { kv } from "yourspace:edge";\nexport default async () => { await kv.get("flag"); console.log("read"); return new Promise(() => {}); };\n`,
    });
    const dev = await startDevProcess(project);
    const client = new AbortController();
    const sent = dev.fetch("/hang", { signal: client.signal }).catch((e: Error) => e.name);
    // The client lets go once the function has made its read and says so.
    await dev.eventsWhen(1, (e) => e.event === "console" && e.text === "read");
    client.abort();
    expect(await sent).toBe("AbortError");
    const abandoned = await dev.eventsWhen(1, (e) => e.event === "abandoned");
    expect(abandoned[0]).toMatchObject({ event: "abandoned", method: "GET", path: "/hang", region: "iad", kv: [{ op: "get", key: "flag" }] });
    expect(dev.events.filter((e) => e.event === "request")).toEqual([]);
  });
});

describe("yourspace dev stops", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("on %s at once, cutting off a request whose function is still answering", async (signal) => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "/forever", function: "forever" }]),
      // An answer whose body never ends: its head has arrived, so the request is in flight.
      "functions/forever.js": `export default () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("tick")); } }));\n`,
    });
    const dev = await startDevProcess(project);
    const answer = await dev.fetch("/forever");
    expect(answer.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => dev.child.once("exit", (code) => resolve(code)));
    dev.child.kill(signal);
    expect(await exited).toBe(0);
    await expect(answer.text()).rejects.toThrow();
  });
});

describe("yourspace dev: how an answer's body is framed and encoded", () => {
  it("passes on a gzip origin's answer gzip-encoded, and frames a function's body whatever length it claims", async () => {
    const { createServer } = await import("node:http");
    const { gzipSync, gunzipSync } = await import("node:zlib");
    const text = "from the origin, compressed. ".repeat(40);
    const compressed = gzipSync(text);
    const origin = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": compressed.length });
      res.end(compressed);
    });
    await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
    try {
      const project = devProject({
        "yourspace.jsonc": routes([
          { pattern: "/claims", function: "claims" },
          { pattern: "/proxied", function: "proxied" },
        ]),
        "functions/claims.js": `export default () => new Response("hello", { headers: { "content-length": "1", "transfer-encoding": "gzip" } });\n`,
        // The usual proxy: the origin's answer, headers and all, through fetch(), which decodes its body.
        "functions/proxied.js": `export default async (req) => { const r = await fetch(new URL("/", req.headers.get("x-origin"))); return new Response(r.body, r); };\n`,
      });
      const originUrl = `http://127.0.0.1:${(origin.address() as { port: number }).port}`;
      const dev = await startDevProcess(project, ["--origin", originUrl]);
      // Read the bytes as sent (node's http, which decodes nothing), then decode them as a browser would.
      const raw = async (path: string, headers: Record<string, string> = {}) => {
        const { request } = await import("node:http");
        return new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
          request(dev.info.url + path, { headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
            res.on("error", reject);
          })
            .on("error", reject)
            .end();
        });
      };
      for (const [path, headers] of [
        ["/elsewhere", {}],
        ["/proxied", { "x-origin": originUrl }],
      ] as const) {
        const answer = await raw(path, headers);
        expect(answer.headers["content-encoding"]).toBe("gzip");
        expect(gunzipSync(answer.body).toString()).toBe(text);
      }
      const claims = await raw("/claims");
      expect([claims.headers["content-length"], claims.headers["transfer-encoding"], claims.body.toString()]).toEqual(["5", undefined, "hello"]);
    } finally {
      origin.close();
    }
  });
});

describe("yourspace dev: request bodies and the origin", () => {
  it("gives a handler the request's body, in the launch post's shape and Cloudflare's, and sends what no route serves to --origin", async () => {
    const { createServer } = await import("node:http");
    const origin = createServer((req, res) => res.end(`origin saw ${req.method} ${req.url}`));
    await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
    const originUrl = `http://127.0.0.1:${(origin.address() as { port: number }).port}`;
    const project = devProject({
      "yourspace.jsonc": routes([
        { pattern: "/echo", function: "echo" },
        { pattern: "/cf-echo", function: "cf-echo" },
      ]),
      "functions/echo.ts": `export default async (req: Request & { url: URL }) => {
  // A Request made from the one given takes its body, as the standard says.
  const copy = new Request(req);
  return Response.json({ method: req.method, body: await copy.text(), isRequest: req instanceof Request, copied: copy.method });
};
`,
      "functions/cf-echo.js": `export default { async fetch(request) { return Response.json({ url: request.url, body: await request.json() }); } };\n`,
    });
    try {
      const dev = await startDevProcess(project, ["--origin", originUrl]);
      const echoed = await dev.fetch("/echo", { method: "POST", body: "hello" });
      expect(await echoed.json()).toEqual({ method: "POST", body: "hello", isRequest: true, copied: "POST" });
      const cf = await dev.fetch("/cf-echo?x=1", { method: "PUT", body: '{"a":1}' });
      expect(await cf.json()).toEqual({ url: `${dev.info.url}/cf-echo?x=1`, body: { a: 1 } });
      expect(await (await dev.fetch("/elsewhere?q=2")).text()).toBe("origin saw GET /elsewhere?q=2");
    } finally {
      origin.close();
    }
  });
});

// Refused before anything starts, so the CLI runs in process (the same main() the binary runs): a
// spawned binary cost about 0.3 s of CPU each.
describe("yourspace dev refuses to start on bad input", () => {
  it.each([
    [["--region", "mars"], 'There is no region "mars"', "iad, fra, sin"],
    [["--origin", "ftp://x"], "is not an http or https URL", "--origin http://localhost:3000"],
    [["--public", "nowhere"], "is not a directory", "--public"],
  ])("%j: exit 2, a JSON error on stderr, nothing on stdout", async (args, message, hint) => {
    const project = devProject({ "yourspace.jsonc": routes([]) });
    const r = await runCli(["dev", "--json", "--port", "0", ...args], { cwd: project.dir, env: project.env });
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const { error } = JSON.parse(r.stderr.trim().split("\n").at(-1)!) as { error: { code: string; message: string; hint: string } };
    expect(error.message).toContain(message);
    expect(error.hint).toContain(hint);
  });

  it("on a port in use: exit 2, naming the port and how to choose another, as kv emulator start does", async () => {
    const { createServer } = await import("node:net");
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const port = String((taken.address() as { port: number }).port);
      const project = devProject({ "yourspace.jsonc": routes([]) });
      const r = await runCli(["dev", "--json", "--no-browser", "--port", port], { cwd: project.dir, env: project.env });
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      const { error } = JSON.parse(r.stderr.trim().split("\n").at(-1)!) as { error: { code: string; message: string; hint: string } };
      expect(error).toMatchObject({ code: "USAGE", message: `Port ${port} is already in use.` });
      expect(error.hint).toContain("--port 0");
    } finally {
      taken.close();
    }
  });

  it("outside a project: exit 2, saying where yourspace.jsonc was looked for", async () => {
    const dir = tempDir();
    const r = await runCli(["dev", "--port", "0"], { cwd: dir, env: { YOURSPACE_DATA_DIR: `${dir}/.data` } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`There is no yourspace.jsonc in ${dir} or its parents.`);
  });
});

describe("yourspace dev: a function's Response made from text or bytes", () => {
  it("is a Response in every way a function can look at it, and is sent as it stands when returned", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([
        { pattern: "/fields", function: "fields" },
        { pattern: "/changed", function: "changed" },
        { pattern: "/bytes", function: "bytes" },
        { pattern: "/read", function: "read" },
        { pattern: "/subclass", function: "subclass" },
        { pattern: "/passed-on", function: "passed-on" },
      ]),
      "functions/fields.js": `export default async () => {
  const r = new Response("text");
  const c = r.clone();
  const fields = { instance: r instanceof Response, made: r.constructor === Response, status: r.status, ok: r.ok, statusText: r.statusText, type: r.type, url: r.url, redirected: r.redirected, bodyUsed: r.bodyUsed, tag: Object.prototype.toString.call(r), headers: [...r.headers], clone: await c.text() };
  return new Response(JSON.stringify(fields));
};\n`,
      "functions/changed.js": `export default () => { const r = new Response("changed"); r.headers.set("x-added", "1"); r.headers.delete("content-type"); return r; };\n`,
      "functions/bytes.js": `export default async () => {
  const read = [...(await new Response("h\\u00e9").bytes())];
  return new Response(new Uint8Array([...read, 33]));
};\n`,
      "functions/read.js": `export default async () => { const r = new Response("once"); const text = await r.text(); return new Response(JSON.stringify({ text, used: r.bodyUsed })); };\n`,
      "functions/subclass.js": `class Tagged extends Response { get tag() { return "mine"; } }
export default () => { const r = new Tagged("sub"); return new Response(r.tag + " " + (r instanceof Tagged)); };\n`,
      "functions/passed-on.js": `export default () => { const r = new Response("passed"); return new Response(r.body, r); };\n`,
    });
    const dev = await startDevProcess(project);

    expect(await (await dev.fetch("/fields")).json()).toEqual({
      instance: true,
      made: true,
      status: 200,
      ok: true,
      statusText: "",
      type: "default",
      url: "",
      redirected: false,
      bodyUsed: false,
      tag: "[object Response]",
      headers: [["content-type", "text/plain;charset=UTF-8"]],
      clone: "text",
    });
    const changed = await dev.fetch("/changed");
    expect([changed.headers.get("x-added"), changed.headers.get("content-type"), await changed.text()]).toEqual(["1", null, "changed"]);
    const bytes = await dev.fetch("/bytes");
    expect([bytes.headers.get("content-type"), [...new Uint8Array(await bytes.arrayBuffer())]]).toEqual([null, [104, 195, 169, 33]]);
    expect(await (await dev.fetch("/read")).json()).toEqual({ text: "once", used: true });
    expect(await (await dev.fetch("/subclass")).text()).toBe("mine true");
    const passed = await dev.fetch("/passed-on");
    expect([passed.status, passed.headers.get("content-type"), await passed.text()]).toEqual([200, "text/plain;charset=UTF-8", "passed"]);
  });
});

/** A GET over node:http (whose Host header a test may set, as fetch does not let it): its status, Connection header and body. */
async function answerOf(url: string, headers: Record<string, string> = {}): Promise<{ status?: number; connection?: string; body: string }> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, connection: res.headers.connection, body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("yourspace dev: a route whose function has never built", () => {
  it("answers its build error with 500 and keeps the connection open, as any answer", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "/*", function: "broken" }]),
      "functions/broken.js": "export default (req) => {\n",
    });
    const dev = await startDevProcess(project);
    const answer = await answerOf(`${dev.info.url}/page`);
    expect([answer.status, answer.connection, (JSON.parse(answer.body) as { error: { code: string } }).error.code]).toEqual([
      500,
      "keep-alive",
      "FUNCTION_ERROR",
    ]);
  });
});

describe("yourspace dev: a request whose Host makes no URL", () => {
  it("is answered 500 INTERNAL before any function runs, and the connection stays open", async () => {
    const project = devProject({
      "yourspace.jsonc": routes([{ pattern: "/*", function: "echo" }]),
      "functions/echo.js": `export default (req) => new Response("ran for " + req.url.pathname);\n`,
    });
    const dev = await startDevProcess(project);
    const answer = await answerOf(`${dev.info.url}/page`, { host: "a b" });
    expect([answer.status, answer.connection, (JSON.parse(answer.body) as { error: { code: string } }).error.code]).toEqual([500, "keep-alive", "INTERNAL"]);
  });
});
