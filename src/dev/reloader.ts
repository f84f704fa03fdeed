import { dirname } from "node:path";
import type { FSWatcher } from "chokidar";
import type { ReloadOutcome, RouteFunctions } from "./route-functions.js";

/**
 * Watches every file the functions were built from and rebuilds the routes a saved file is part of,
 * without restarting the server or touching KV. Changes that arrive while a rebuild runs are gathered
 * into the next one, so the last save always wins. `onReload` is told each outcome: the server's
 * signal that the new code (or the error that kept the old) is in place.
 */
export class Reloader {
  private pending = new Set<string>();
  private inputs: Set<string>;
  private running: Promise<void> | null = null;

  private constructor(
    private readonly watcher: FSWatcher,
    private readonly functions: RouteFunctions,
    private readonly onReload: (outcome: ReloadOutcome) => void,
  ) {
    this.inputs = new Set(functions.inputs());
    watcher.on("change", (path) => this.changed(path));
    watcher.on("add", (path) => this.changed(path));
  }

  /**
   * Watches the folders the inputs are in, not the files: an editor saves by renaming a new file over
   * the old one, and a watch on the old file would see that once and then nothing more.
   */
  static async watch(functions: RouteFunctions, onReload: (outcome: ReloadOutcome) => void): Promise<Reloader> {
    const { watch } = await import("chokidar");
    const watcher = watch(foldersOf(functions.inputs()), { ignoreInitial: true, atomic: false, depth: 0 });
    await new Promise<void>((resolve) => watcher.once("ready", resolve));
    return new Reloader(watcher, functions, onReload);
  }

  async close(): Promise<void> {
    await this.watcher.close();
    await this.running;
  }

  private changed(path: string): void {
    if (!this.inputs.has(path)) return;
    this.pending.add(path);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.size) {
      const files = [...this.pending];
      this.pending.clear();
      const outcome = await this.functions.reload(files);
      // A rebuild may have new imports to watch.
      this.inputs = new Set(this.functions.inputs());
      this.watcher.add(foldersOf([...this.inputs]));
      this.onReload(outcome);
    }
  }
}

function foldersOf(files: readonly string[]): string[] {
  return [...new Set(files.map((f) => dirname(f)))];
}
