import { describeThrown } from "../core/describe-thrown.js";
import type { Output } from "../terminal/output.js";

/** A KV browser's host serving an emulator's data directory, announced there. */
export interface LocalBrowser {
  /** The page's address with a one-time secret. */
  url: string;
  /** Stops the host and removes its discovery file. */
  stop(): Promise<void>;
}

/**
 * The address the host reaches a server at: a server listening on every address (0.0.0.0, ::) is
 * reached on loopback; the proxy connects to it, and a wildcard address is not one to connect to.
 */
function reachable(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  else if (url.hostname === "[::]") url.hostname = "[::1]";
  return url.origin;
}

/**
 * Starts the KV browser in this process for the emulator's server at `server.url` (a thread of this
 * process, over `dataDir`) and writes the discovery file that lets `kv browse` find it. A discovery
 * file that cannot be written is a warning: the browser works, only other commands cannot find it.
 */
export async function startLocalBrowser(out: Output, server: { url: string; token: string }, where: { dataDir: string; site: string }): Promise<LocalBrowser> {
  const { startBrowserHost } = await import("../browser/host/host.js");
  const { announce } = await import("../browser/host/discovery.js");
  const apiUrl = reachable(server.url);
  const host = await startBrowserHost({
    apiUrl,
    token: server.token,
    describe: { target: { kind: "emulator", dataDir: where.dataDir, apiUrl }, site: where.site, emulator: true },
  });
  let withdraw = () => {};
  try {
    withdraw = announce(where.dataDir, host);
  } catch (e) {
    out.warn(`The KV browser's discovery file could not be written in ${where.dataDir} (${describeThrown(e)}); kv browse will not find this server.`);
  }
  return {
    url: host.url,
    async stop() {
      try {
        withdraw();
      } catch {
        // Gone already, or the directory is: nothing is left to find.
      }
      await host.stop();
    },
  };
}
