import { readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { BROWSER_PATHS, type MintAnswer } from "../../contract/browser-host.js";
import { AUTH_SCHEME, HEADERS } from "../../contract/index.js";

/**
 * A running KV browser's discovery file, in its data directory: where the host listens and the key
 * that lets a process on this machine ask it for a fresh sign-in URL. Readable by its owner alone
 * (mode 0600), since the key is as good as a session; removed when the host stops. A file left by a
 * process that was killed is recognised by its process id, and ignored.
 */
const FILE = "browser-host.json";

export interface Discovered {
  pid: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  mintKey: string;
}

/**
 * Writes the discovery file for a host of this process (the newest host on a data directory is the
 * one found), and answers what removes it again, unless another process has written its own since.
 */
export function announce(dataDir: string, host: { origin: string; mintKey: string }): () => void {
  const path = join(dataDir, FILE);
  const mine: Discovered = { pid: process.pid, origin: host.origin, mintKey: host.mintKey };
  // Written whole under another name, then renamed: a reader sees the old file or the new, never half.
  const partial = `${path}.${process.pid}.tmp`;
  // Made anew: a file's mode is set only when it is created, and one left by a process of the same
  // pid would keep its own.
  rmSync(partial, { force: true });
  writeFileSync(partial, `${JSON.stringify(mine)}\n`, { mode: 0o600, flag: "wx" });
  renameSync(partial, path);
  return () => {
    const found = read(path);
    if (found?.pid === mine.pid && found.mintKey === mine.mintKey) unlinkSync(path);
  };
}

/** The host announced in `dataDir`, if its process is alive. */
export function discover(dataDir: string): Discovered | undefined {
  const found = read(join(dataDir, FILE));
  return found && alive(found.pid) ? found : undefined;
}

/**
 * A host's origin, as the host writes it: it listens on 127.0.0.1 alone. A file naming anything else
 * was not written by one (a data directory can come with a project's files), and the URL its server
 * answered would open another site in the browser.
 */
const HOST_ORIGIN = /^http:\/\/127\.0\.0\.1:\d{1,5}$/;

function read(path: string): Discovered | undefined {
  try {
    const found = JSON.parse(readFileSync(path, "utf8")) as Partial<Discovered>;
    const usable = Number.isInteger(found.pid) && typeof found.origin === "string" && HOST_ORIGIN.test(found.origin) && typeof found.mintKey === "string";
    return usable ? (found as Discovered) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process of this id runs (and is this user's: one we may not signal is someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Asks the discovered host for a fresh one-time URL. Undefined when it does not give one: a process id
 * reused by another program, a host that has just stopped, a key that is not its own.
 */
export function requestSignInUrl(found: Discovered): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(`${found.origin}${BROWSER_PATHS.mint}`, {
      method: "POST",
      headers: { [HEADERS.authorization]: `${AUTH_SCHEME} ${found.mintKey}` },
      timeout: 5_000,
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          const { url } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Partial<MintAnswer>;
          resolve(res.statusCode === 200 && typeof url === "string" && url.startsWith(`${found.origin}/`) ? url : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}
