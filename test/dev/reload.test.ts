import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { ok } from "../support/kv.js";
import { devProject, startDevProcess } from "../support/dev-process.js";

describe("yourspace dev reloads a saved function without a restart", () => {
  it("serves the new code after the reload signal, for the function and for a file it imports, and keeps KV", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/", function: "home", kv: "read-write" }] }),
      "functions/home.ts": `import { greeting } from "./lib/words";
import { kv } from "yourspace:edge";
export default async () => new Response(greeting + " " + (await kv.get("name")));
`,
      "functions/lib/words.ts": `export const greeting = "hello";\n`,
    });
    await ok(project.kv("set", "name", "ada"));
    const dev = await startDevProcess(project);
    const pid = dev.child.pid;
    expect(await (await dev.fetch("/")).text()).toBe("hello ada");

    let reloaded = dev.nextEvent((e) => e.event === "reload");
    project.write("functions/lib/words.ts", `export const greeting = "bonjour";\n`);
    expect(await reloaded).toMatchObject({ ok: true, files: ["functions/lib/words.ts"], routes: ["/"] });
    expect(await (await dev.fetch("/")).text()).toBe("bonjour ada");

    reloaded = dev.nextEvent((e) => e.event === "reload");
    project.write("functions/home.ts", `export default async () => new Response("replaced");\n`);
    expect(await reloaded).toMatchObject({ ok: true, files: ["functions/home.ts"] });
    expect(await (await dev.fetch("/")).text()).toBe("replaced");
    expect(dev.child.pid).toBe(pid);
    expect(dev.child.exitCode).toBeNull();
  });

  it("shows a syntax error with its file and line, and keeps serving the last good version", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/", function: "home" }] }),
      "functions/home.ts": `export default () => new Response("good");\n`,
    });
    const dev = await startDevProcess(project);
    const reloaded = dev.nextEvent((e) => e.event === "reload");
    project.write("functions/home.ts", `export default () => {\n  return new Response("bad"\n};\n`);
    const signal = await reloaded;
    expect(signal).toMatchObject({ ok: false, error: { code: "FUNCTION_ERROR", details: { file: "functions/home.ts", line: 3 } } });
    expect(signal.error.message).toMatch(/^functions\/home\.ts:3:1: /);
    expect(await (await dev.fetch("/")).text()).toBe("good");

    // An import of Node's own modules: said to be one, with what to use instead.
    const node = dev.nextEvent((e) => e.event === "reload");
    project.write("functions/home.ts", `import { readFileSync } from "fs";\nexport default () => new Response(readFileSync("x", "utf8"));\n`);
    const nodeSignal = await node;
    expect(nodeSignal).toMatchObject({ ok: false, error: { code: "FUNCTION_ERROR", details: { file: "functions/home.ts", line: 1 } } });
    expect(nodeSignal.error.message).toMatch(/^functions\/home\.ts:1:\d+: "fs" is one of Node's own modules, which edge functions do not have\n/);
    expect(nodeSignal.error.hint).toContain("crypto.subtle");
    expect(await (await dev.fetch("/")).text()).toBe("good");

    const fixed = dev.nextEvent((e) => e.event === "reload");
    project.write("functions/home.ts", `export default () => new Response("fixed");\n`);
    expect(await fixed).toMatchObject({ ok: true });
    expect(await (await dev.fetch("/")).text()).toBe("fixed");
  });
});

describe("a change to yourspace.jsonc under yourspace dev", () => {
  it("is reported with a warning to restart, and the routes read at start keep serving", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/", function: "home" }] }),
      "functions/home.ts": `export default () => new Response("home");\n`,
    });
    const dev = await startDevProcess(project);
    const warned = dev.nextEvent((e) => typeof e.warning === "string");
    project.write("yourspace.jsonc", JSON.stringify({ routes: [{ pattern: "/other", function: "home" }] }));
    expect((await warned).warning).toContain("restart yourspace dev");
    expect(await (await dev.fetch("/")).text()).toBe("home");
  });

  it("says when a restart would refuse the file, and when it is back to what is served", async () => {
    const served = JSON.stringify({ routes: [{ pattern: "/", function: "home" }] });
    const project = devProject({ "yourspace.jsonc": served, "functions/home.ts": `export default () => new Response("home");\n` });
    const dev = await startDevProcess(project);
    let warned = dev.nextEvent((e) => typeof e.warning === "string");
    project.write("yourspace.jsonc", '{ "routes": [ ');
    expect((await warned).warning).toMatch(/changed, and yourspace dev would refuse it: .* is not valid JSONC: .* The routes read at start keep serving\.$/);
    warned = dev.nextEvent((e) => typeof e.warning === "string");
    project.write("yourspace.jsonc", served);
    expect((await warned).warning).toContain("is as it was at start again: the routes served are its routes.");
    expect(await (await dev.fetch("/")).text()).toBe("home");
  });
});

describe("yourspace dev in a terminal", () => {
  it("shows a build error's source line on a line of its own, not as an escaped \\n", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/", function: "home" }] }),
      "functions/home.ts": `export default () => {\n  return new Response("bad" +);\n};\n`,
    });
    const stop = new AbortController();
    // Stopped as Ctrl-C stops it, once it says it serves: the load warning comes before that.
    const r = await runCli(["dev", "--port", "0", "--no-browser"], {
      cwd: project.dir,
      env: project.env,
      signal: stop.signal,
      onStdout: (chunk) => {
        if (chunk.includes("yourspace dev:")) stop.abort("SIGINT");
      },
    });
    expect(r.stderr).toContain('! Route /: functions/home.ts:2:30: Unexpected ")"\n  return new Response("bad" +);\n');
  });
});
