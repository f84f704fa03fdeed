import { homedir } from "node:os";
import { answer } from "./cli/completion.js";
import { storeSources } from "./cli/completion-sources.js";

/**
 * Process entry of `yourspace __complete <shell> …`, which the completion scripts run on every Tab
 * (bin/yourspace sends it here). It is bundled on its own (dist/complete.cjs) with the registry and
 * a read-only look at the store, and none of the CLI (commander, chalk, prompts, HTTP), so it answers
 * within a few milliseconds of Node's start. Whatever happens it exits 0 and writes nothing but its
 * answer: a shell's command line is no place for an error.
 */
const [shell = "", ...args] = process.argv.slice(3);
answer(shell, args, storeSources(process.env, process.cwd()), process.env.HOME || homedir())
  .then((text) => process.stdout.write(text))
  .catch(() => {})
  .finally(() => {
    process.exitCode = 0;
  });
