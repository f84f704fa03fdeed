import { DEFAULT_SITE } from "../../core/limits.js";
import { resolveDataDir } from "../../project/data-dir.js";
import { resolveTarget } from "../../project/target.js";
import { startLocalBrowser } from "../browser-host.js";
import type { Context, Handler } from "../context.js";
import { canOpenBrowser, openInBrowser } from "./open-in-browser.js";
import { storeUpgradeNote } from "../store-upgrade-note.js";

interface BrowseOptions {
  /** False with --no-open. */
  open: boolean;
}

interface Serving {
  url: string;
  /** Said once the URL is out: what serves it. */
  what: string;
  /** Rejects if what serves the API ends on its own (the emulator's server thread). */
  ended?: Promise<never>;
  stop(): Promise<void>;
}

/**
 * `kv browse`: the KV browser for the target. For the embedded emulator, a server already running on
 * the data directory (`kv emulator start`, `yourspace dev`, another `kv browse`) is asked for a fresh
 * sign-in URL and the command ends; otherwise it serves the API and the browser itself until Ctrl-C.
 * For the platform, it serves a browser in front of the API with the stored token until Ctrl-C.
 */
export const browse: Handler<BrowseOptions> = async (ctx, _args, opts) => {
  ctx.stopsBetweenSteps(false);
  const target = await resolveTarget(ctx.globals, ctx.io.env, ctx.io.cwd);
  let serving: Serving;
  if (target.kind === "remote") {
    // Opening the backend checks the URL and the token, finds the token's site and says which target this is.
    const backend = await ctx.backend();
    // An emulator's API server (kv emulator start) has the controls and region views; the platform does not.
    const emulator = await (await ctx.emulatorControls()).status().then(
      () => true,
      () => false,
    );
    const { startBrowserHost } = await import("../../browser/host/host.js");
    const host = await startBrowserHost({
      apiUrl: target.apiUrl,
      token: target.token,
      describe: { target: { kind: "remote", apiUrl: target.apiUrl }, site: backend.target.site, emulator },
    });
    serving = { url: host.url, what: `the platform API at ${target.apiUrl}`, stop: () => host.stop() };
  } else {
    const dataDir = resolveDataDir(ctx.globals.dataDir, ctx.io.env, ctx.io.cwd);
    const { discover, requestSignInUrl } = await import("../../browser/host/discovery.js");
    const found = discover(dataDir);
    const url = found && (await requestSignInUrl(found));
    if (url) {
      await show(ctx, url, opts);
      ctx.out.note(`The KV browser is served by process ${found.pid}, which serves ${dataDir}; this URL works once.`);
      return;
    }
    serving = await serveEmulator(ctx, dataDir);
  }
  const stopped = new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await show(ctx, serving.url, opts);
    ctx.out.hint(`Serving the KV browser for ${serving.what}. Stop with Ctrl-C.`);
    await (serving.ended ? Promise.race([stopped, serving.ended]) : stopped);
  } finally {
    await serving.stop();
  }
};

/** The platform API over `dataDir` in a thread of this process, and the browser in front of it. */
async function serveEmulator(ctx: Context, dataDir: string): Promise<Serving> {
  const { startServerThread } = await import("../../server/server-thread.js");
  const site = ctx.globals.site ?? ctx.io.env.YOURSPACE_SITE ?? DEFAULT_SITE;
  const server = await startServerThread({ dataDir, host: "127.0.0.1", port: 0, site }, { onStoreUpgrade: () => ctx.out.note(storeUpgradeNote(dataDir)) });
  try {
    const browser = await startLocalBrowser(ctx.out, server, { dataDir, site });
    return {
      url: browser.url,
      what: `the emulator at ${dataDir} (site ${site})`,
      ended: server.ended,
      async stop() {
        await browser.stop();
        await server.stop();
      },
    };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/** Prints the URL (always: a browser may fail to open, or open somewhere unseen) and opens it when it can. */
async function show(ctx: Context, url: string, opts: BrowseOptions): Promise<void> {
  if (ctx.out.json) await ctx.out.printJson({ url });
  else await ctx.out.line(`Browse: ${url}`);
  if (!opts.open || !canOpenBrowser(ctx.io.env, ctx.interactive)) return;
  const failed = await openInBrowser(url, ctx.io.env);
  if (failed) ctx.out.warn(`Could not open a browser (${failed}); open the URL above yourself.`);
}
