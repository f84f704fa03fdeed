import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ReloadOutcome, RouteFunctions } from "./route-functions.js";

/**
 * Watches every file the functions were built from and rebuilds the routes a saved file is part of,
 * without restarting the server or touching KV. It watches the folders, not the files: an editor
 * saves by renaming a new file over the old one, which a watch on the old file sees once and then
 * never again (chokidar, tried first, missed half of such saves made 30 ms apart). A save reported
 * twice, or a file whose text has not changed, rebuilds nothing. Saves that arrive while a rebuild
 * runs go into the next one, so the last save always wins. A burst of events is read once it has
 * been quiet for QUIET_MS: an editor that writes in place truncates the file first, and reading it
 * between the two would report a half-written file as an error for a moment (webpack's watcher waits
 * 20 ms the same way). `onReload` is told each outcome: the server's signal that the new code (or
 * the error that kept the old) is in place.
 */
const QUIET_MS = 20;

export class Reloader {
  private readonly watchers = new Map<string, FSWatcher>();
  private inputs = new Set<string>();
  /** Each input's text as last built, so a repeated event for an unchanged file does nothing. */
  private readonly texts = new Map<string, string>();
  private pending = new Set<string>();
  /** The project file's text at start. */
  private servedProject = "";
  private running: Promise<void> | null = null;
  /** Restarted by every event; when it fires, the files saved meanwhile are read. */
  private quiet: NodeJS.Timeout | null = null;

  private constructor(
    private readonly functions: RouteFunctions,
    private readonly onReload: (outcome: ReloadOutcome) => void,
    /** The project file: its routes are read at start only, so a change to it is reported, not applied. */
    private readonly projectFile: string,
    /** `asServed`: the file holds again what it held at start, the routes being served. */
    private readonly onProjectChange: (asServed: boolean) => void,
  ) {}

  static async watch(
    functions: RouteFunctions,
    onReload: (outcome: ReloadOutcome) => void,
    projectFile: string,
    onProjectChange: (asServed: boolean) => void,
  ): Promise<Reloader> {
    const reloader = new Reloader(functions, onReload, projectFile, onProjectChange);
    reloader.servedProject = await textOf(projectFile);
    reloader.texts.set(projectFile, reloader.servedProject);
    await reloader.follow();
    return reloader;
  }

  async close(): Promise<void> {
    if (this.quiet) clearTimeout(this.quiet);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    await this.running;
  }

  /** Watches the folders of every input, and remembers each input's text. */
  private async follow(): Promise<void> {
    this.inputs = new Set(this.functions.inputs());
    for (const file of this.inputs) if (!this.texts.has(file)) this.texts.set(file, await textOf(file));
    for (const folder of new Set([...this.inputs, this.projectFile].map((f) => dirname(f)))) {
      if (this.watchers.has(folder)) continue;
      const watcher = watch(folder, (_event, name) => {
        if (name) this.changed(join(folder, name.toString()));
      });
      // A folder removed while watched ends its watch; the files in it are then gone too.
      watcher.on("error", () => this.watchers.delete(folder));
      this.watchers.set(folder, watcher);
    }
  }

  private changed(path: string): void {
    if (path === this.projectFile) return void this.projectChanged();
    if (!this.inputs.has(path)) return;
    this.pending.add(path);
    if (this.quiet) this.quiet.refresh();
    else this.quiet = setTimeout(() => this.settled(), QUIET_MS);
  }

  private settled(): void {
    this.quiet = null;
    this.running ??= this.drain().finally(() => {
      this.running = null;
      // Saves that came in while the last rebuild ran, and are quiet by now.
      if (this.pending.size && !this.quiet) this.settled();
    });
  }

  private async projectChanged(): Promise<void> {
    const text = await textOf(this.projectFile);
    if (text === this.texts.get(this.projectFile)) return;
    this.texts.set(this.projectFile, text);
    this.onProjectChange(text === this.servedProject);
  }

  private async drain(): Promise<void> {
    while (this.pending.size && !this.quiet) {
      const files = [...this.pending];
      this.pending.clear();
      const saved: string[] = [];
      for (const file of files) {
        const text = await textOf(file);
        if (text === this.texts.get(file)) continue;
        this.texts.set(file, text);
        saved.push(file);
      }
      if (!saved.length) continue;
      const outcome = await this.functions.reload(saved);
      // A rebuild may import new files, in new folders.
      await this.follow();
      this.onReload(outcome);
    }
  }
}

/** A file's text, or "" while it is missing (between an editor's delete and its write). */
async function textOf(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return "";
  }
}
