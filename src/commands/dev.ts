import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { describeThrown } from "../core/describe-thrown.js";
import { errors } from "../core/errors.js";
import { DEFAULT_SITE } from "../core/limits.js";
import { logLine } from "../dev/log-line.js";
import { escapeControls } from "../core/escape.js";
import { startDev, type DevInfo } from "../dev/runner.js";
import { resolveDataDir } from "../project/data-dir.js";
import type { OutputStream } from "../terminal/standard-output.js";
import { startLocalBrowser } from "./browser-host.js";
import type { Context, Handler } from "./context.js";
import { storeUpgradeNote } from "./store-upgrade-note.js";

interface DevOptions {
  port: string;
  region?: string;
  origin?: string;
  public?: string;
  /** False with --no-browser. */
  browser: boolean;
}

/**
 * `yourspace dev`: serves the project's routes until SIGINT or SIGTERM. With --json, the first stdout
 * line is one JSON object (url, dataDir, …), printed once requests are accepted; every later line,
 * on stderr, is one JSON object: a request, a reload, a function's console output or a warning.
 */
export const dev: Handler<DevOptions> = async (ctx, _args, opts) => {
  if (!/^\d{1,5}$/.test(opts.port) || Number(opts.port) > 65_535)
    throw errors.usage(`--port "${opts.port}" is not a port number.`, "Use 0 to 65535; 0 picks a free port.");
  if (opts.origin !== undefined && !/^https?:\/\/[^/]/.test(opts.origin))
    throw errors.usage(`--origin "${opts.origin}" is not an http or https URL.`, "For example --origin http://localhost:3000");
  if (opts.public !== undefined && !isDirectory(resolve(ctx.io.cwd, opts.public)))
    throw errors.usage(`--public "${opts.public}" is not a directory.`, "Name the directory of static files, or leave --public out.");
  const json = ctx.out.json;
  const stderr = linesTo(ctx.io.stderr);
  ctx.stopsBetweenSteps(false);
  const dataDir = resolveDataDir(ctx.globals.dataDir, ctx.io.env, ctx.io.cwd);
  const runner = await startDev({
    cwd: ctx.io.cwd,
    dataDir,
    site: ctx.globals.site ?? ctx.io.env.YOURSPACE_SITE ?? DEFAULT_SITE,
    clock: ctx.clock,
    host: "127.0.0.1",
    port: Number(opts.port),
    region: opts.region,
    origin: opts.origin,
    publicDir: opts.public,
    onStoreUpgrade: () => ctx.out.note(storeUpgradeNote(dataDir)),
    onRequest: (log) => stderr(logLine(log, json)),
    onReload: (outcome) => {
      if (json)
        stderr(
          JSON.stringify({
            event: "reload",
            ok: !outcome.error,
            files: outcome.files,
            routes: outcome.routes,
            ...(outcome.error && { error: outcome.error.toJSON() }),
          }),
        );
      else if (outcome.error) {
        const [first = "", ...rest] = outcome.error.message.split("\n");
        ctx.out.warn(first, [...rest.map((line) => line.trim()), "The last good version keeps serving."]);
      } else ctx.out.note(`Reloaded ${outcome.routes.join(", ") || "nothing"} (${outcome.files.join(", ")}).`);
    },
    onLoadError: (route, error) => {
      if (json) return stderr(JSON.stringify({ event: "load", ok: false, route, error: error.toJSON() }));
      // A build error's source line, or a stack, is shown on lines of its own.
      const [first = "", ...rest] = error.message.split("\n");
      ctx.out.warn(
        `Route ${route}: ${first}`,
        rest.map((line) => line.trim()),
      );
    },
    onWarning: (text) => ctx.out.warn(text),
    // After the request lines written so far, in the order things happened.
    onConsole: (level, text) => stderr(json ? JSON.stringify({ event: "console", level, text }) : text.split("\n").map(escapeControls).join("\n")),
    onBackgroundError: (route, thrown) =>
      ctx.out.warn(
        `Route ${route}: a promise given to waitUntil failed: ${thrown.text}`,
        (thrown.stack ?? "")
          .split("\n")
          .filter((line) => /^\s+at /.test(line))
          .map((line) => line.trim()),
      ),
  });
  if (json) await ctx.out.printJson(runner.info);
  else await printInfo(ctx.out.line.bind(ctx.out), runner.info);
  // The KV browser starts once dev serves, so that it adds nothing to the time dev takes to be ready.
  const browser = opts.browser && !ctx.signal.aborted ? await startBrowser(ctx, runner.info) : undefined;
  if (browser && json) stderr(JSON.stringify({ event: "browser", url: browser.url }));
  else if (browser) await ctx.out.line(`Browse: ${browser.url}`);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await browser?.stop();
  await runner.close();
};

/**
 * The KV browser for dev's data directory: the platform API served by a thread of this process (dev
 * itself serves the project's routes, not the API), and the browser's host in front of it. If it
 * cannot start, dev serves on without it.
 */
async function startBrowser(ctx: Context, info: DevInfo): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const { startServerThread } = await import("../server/server-thread.js");
  try {
    const server = await startServerThread({ dataDir: info.dataDir, host: "127.0.0.1", port: 0, site: info.site });
    const browser = await startLocalBrowser(ctx.out, server, info).catch(async (e: unknown) => {
      await server.stop();
      throw e;
    });
    return {
      url: browser.url,
      async stop() {
        await browser.stop();
        await server.stop();
      },
    };
  } catch (e) {
    ctx.out.warn(`The KV browser did not start: ${describeThrown(e)}. yourspace dev serves on without it.`);
    return undefined;
  }
}

async function printInfo(line: (text: string) => Promise<void>, info: DevInfo): Promise<void> {
  await line(`yourspace dev: ${info.url}`);
  await line(
    `  data ${info.dataDir} (site ${info.site}), profile ${info.profile}, regions ${info.regions.join(", ")} (home ${info.home}), serving in ${info.region}`,
  );
  for (const route of info.routes) {
    const kv = route.kv.map((b) => `${b.variable === "default" ? "kv" : b.variable}=${b.namespace} ${b.access}`).join(", ");
    await line(`  ${route.pattern} → ${route.function ?? "(no function)"}${kv ? `  [${kv}]` : ""}`);
  }
  if (info.publicDir) await line(`  static files from ${info.publicDir}`);
  if (info.origin) await line(`  everything else from ${info.origin}`);
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * Writes lines to a stream once per turn of the event loop: a busy server logs many requests in
 * one write rather than one system call each.
 */
function linesTo(stream: OutputStream): (line: string) => void {
  let pending: string[] = [];
  return (line) => {
    if (!pending.length)
      setImmediate(() => {
        stream.write(pending.join(""));
        pending = [];
      });
    pending.push(`${line}\n`);
  };
}
