import type { OutputFileOptions } from "../terminal/output-file.js";
import type { Context } from "./context.js";

/** Every command that writes a named file decides the same way: --force, a question at a terminal, or a refusal. */
export function outputFileOptions(ctx: Context, force: boolean | undefined): OutputFileOptions {
  return { cwd: ctx.io.cwd, force: force === true, confirm: ctx.interactive ? (question) => ctx.prompter.confirm(question) : undefined };
}
