import type { ChildProcess } from "node:child_process";
import { watch } from "node:fs";

/**
 * Resolves `true` once `look()` holds of a store that a child process is writing, or `false` once the
 * child has ended without it holding. `look` runs after each change to a file of the store's
 * directory (its -wal and database files, seen through fs.watch, inotify on Linux), at most once per
 * turn of the event loop, and once at the start: not in a loop that reads the store while nothing
 * changes, which took as much CPU as the process under test.
 *
 * The last write of a commit can be seen before the commit's wal-index update; a look then sees the
 * store one transaction behind, and the next write (the next transaction's, a checkpoint's, or the
 * store's close when the process ends) wakes it again.
 */
export function whenStoreShows(dir: string, child: ChildProcess, look: () => boolean): Promise<boolean> {
  const watcher = watch(dir);
  return new Promise<boolean>((resolve, reject) => {
    let scheduled = false;
    let settled = false;
    const settle = (outcome: boolean | Error) => {
      if (settled) return;
      settled = true;
      watcher.close();
      child.off("exit", schedule);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const check = () => {
      scheduled = false;
      if (settled) return;
      try {
        if (look()) settle(true);
        else if (child.exitCode !== null || child.signalCode !== null) settle(false);
      } catch (e) {
        settle(e as Error);
      }
    };
    function schedule() {
      if (scheduled) return;
      scheduled = true;
      setImmediate(check);
    }
    watcher.on("change", schedule);
    watcher.on("error", (e) => settle(e));
    child.on("exit", schedule);
    schedule();
  });
}
