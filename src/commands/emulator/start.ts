import { isIP } from "node:net";
import { describeThrown } from "../../core/describe-thrown.js";
import { errors } from "../../core/errors.js";
import { DEFAULT_SITE } from "../../core/limits.js";
import { startLocalBrowser } from "../browser-host.js";
import type { Handler } from "../context.js";
import { resolveDataDir } from "../../project/data-dir.js";
import { storeUpgradeNote } from "../store-upgrade-note.js";

interface StartOptions {
  port: string;
  host: string;
  allowRemote?: boolean;
  /** False with --no-browser. */
  browser: boolean;
}

/** An address only this machine can reach: 127.0.0.0/8, ::1 (or IPv4 loopback mapped into IPv6), localhost. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.replace(/^::ffff:/, "");
  return isIP(v4) === 4 && v4.startsWith("127.");
}

/** `kv emulator start`: serves the platform API over the data directory until SIGINT or SIGTERM. */
export const start: Handler<StartOptions> = async (ctx, _args, opts) => {
  if (!/^\d{1,5}$/.test(opts.port) || Number(opts.port) > 65_535)
    throw errors.usage(`--port "${opts.port}" is not a port number.`, "Use 0 to 65535; 0 picks a free port.");
  const remote = !isLoopback(opts.host);
  if (remote && !opts.allowRemote) {
    throw errors.usage(
      `--host ${opts.host} would let other machines reach this emulator, and anyone with its token read and write its data; that needs --allow-remote.`,
      "Add --allow-remote to serve other machines on purpose, or leave out --host to listen on 127.0.0.1 only.",
    );
  }
  const { startServerThread } = await import("../../server/server-thread.js");
  const dataDir = resolveDataDir(ctx.globals.dataDir, ctx.io.env, ctx.io.cwd);
  const site = ctx.globals.site ?? DEFAULT_SITE;
  // SIGINT and SIGTERM (ctx.signal) stop the server gracefully, even one sent before it has started.
  ctx.stopsBetweenSteps(false);
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      ctx.signal.removeEventListener("abort", stop);
      resolve();
    };
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener("abort", stop);
  });
  const server = await startServerThread(
    { dataDir, host: opts.host, port: Number(opts.port), site, token: ctx.globals.token },
    { onStoreUpgrade: () => ctx.out.note(storeUpgradeNote(dataDir)) },
  ).catch((e: unknown) => {
    // A server that did not start leaves no handlers behind, so the error is reported and the command exits.
    stop();
    throw e;
  });
  if (remote) ctx.out.warn(`Listening on ${opts.host}: other machines can reach this emulator. Anyone with the token can read and write its data.`);
  // The KV browser, on a loopback port of its own whatever --host says: the page is for this machine's user.
  const browser = opts.browser
    ? await startLocalBrowser(ctx.out, server, { dataDir, site }).catch((e: unknown) => {
        ctx.out.warn(`The KV browser did not start: ${describeThrown(e)}. The platform API is served all the same.`);
        return undefined;
      })
    : undefined;
  if (ctx.out.json) await ctx.out.printJson({ apiUrl: server.url, token: server.token, site, dataDir, browserUrl: browser?.url ?? null });
  else {
    await ctx.out.line(`YOURSPACE_API_URL=${server.url}`);
    await ctx.out.line(`YOURSPACE_TOKEN=${server.token}`);
    if (browser) ctx.out.note(`Browse: ${browser.url}`);
    ctx.out.hint(`Serving the platform API for site ${site} from ${dataDir}. Stop with Ctrl-C.`);
  }
  // A server thread that dies ends the command with its error, and leaves no handlers behind either.
  try {
    await Promise.race([stopped, server.ended]).finally(stop);
  } finally {
    await browser?.stop();
  }
  await server.stop();
  ctx.out.note("Emulator stopped; every request in flight was answered.");
};
