import { spawn } from "node:child_process";

/**
 * Whether a browser can be opened for the user: not with no terminal (a script, a service), and not on
 * Linux or another Unix without a display (an SSH session, a container), where a browser would open
 * nowhere the user can see or fail outright.
 */
export function canOpenBrowser(env: Record<string, string | undefined>, interactive: boolean, platform = process.platform): boolean {
  if (!interactive) return false;
  if (platform === "darwin" || platform === "win32") return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** The program that opens a URL in the user's browser, and its arguments: run directly, never through a shell. */
function opener(url: string, platform: NodeJS.Platform): [string, string[]] {
  if (platform === "darwin") return ["open", [url]];
  // rundll32 hands the URL to the default browser without cmd.exe (whose `start` would parse it).
  if (platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}

/** Asks the system to open `url`; resolves to why it could not, or undefined once the opener has started. */
export function openInBrowser(url: string, env: Record<string, string | undefined>, platform = process.platform): Promise<string | undefined> {
  const [command, args] = opener(url, platform);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "ignore", detached: true, shell: false, env });
    child.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ENOENT" ? `${command} is not installed` : e.message));
    child.once("spawn", () => {
      child.unref();
      resolve(undefined);
    });
  });
}
