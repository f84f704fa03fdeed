import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { environmentErrors } from "../core/environment-errors.js";

/** How long a command waits for another one's change of the project file, and how often it looks. */
const WAIT_MS = 10_000;
const LOOK_EVERY_MS = 20;

/**
 * An exclusive hold on the project file while a command reads it, changes it and puts the new text
 * in place (kv bind, kv unbind): two such commands at once each wrote their change over the other's,
 * and both reported success. The hold is a lock file beside it (`yourspace.jsonc.lock`), made only
 * if absent, holding the holder's process id; a command waits for another's, and takes over one
 * whose process is gone. Resolves to what lets go of it.
 */
export async function holdProjectFile(path: string): Promise<() => void> {
  const lock = `${path}.lock`;
  let waited = 0;
  for (;;) {
    if (tryCreate(lock)) return () => rmSync(lock, { force: true });
    const holder = holderOf(lock);
    if (holder === "gone") continue;
    // A holder that crashed left its lock behind: nothing is changing the file any more.
    if (holder !== "unwritten" && !isRunning(holder)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (waited >= WAIT_MS) throw environmentErrors.projectFileBusy(path, holder === "unwritten" ? undefined : holder, lock);
    await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
    waited += LOOK_EVERY_MS;
  }
}

function tryCreate(lock: string): boolean {
  let fd: number;
  try {
    fd = openSync(lock, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    // The directory cannot take the lock file, so it cannot take the new text either: the caller says so.
    throw e;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The process id a lock file holds; "unwritten" between its maker's create and write. */
function holderOf(lock: string): number | "gone" | "unwritten" {
  let text: string;
  try {
    text = readFileSync(lock, "utf8");
  } catch {
    return "gone";
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : "unwritten";
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
