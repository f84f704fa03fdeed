import { resolveDataDir } from "../project/data-dir.js";
import type { OutputFileOptions } from "../terminal/output-file.js";
import type { Context } from "./context.js";

/**
 * Every command that writes a named file decides the same way: --force, a question at a terminal, or
 * a refusal; and none writes the store of the data directory the options and environment name,
 * whichever target the command uses.
 */
export function outputFileOptions(ctx: Context, force: boolean | undefined): OutputFileOptions {
  return {
    cwd: ctx.io.cwd,
    force: force === true,
    confirm: ctx.interactive ? (question) => ctx.prompter.confirm(question) : undefined,
    dataDir: resolveDataDir(ctx.globals.dataDir, ctx.io.env, ctx.io.cwd),
  };
}
