import type { Prompter } from "../commands/context.js";

/** Prompts on the terminal; a signal (SIGTERM: Ctrl-C at a prompt is a key, and cancels) ends one as cancelled. */
export const clackPrompter = (signal: AbortSignal): Prompter => ({
  async confirm(message) {
    const { confirm, isCancel } = await import("@clack/prompts");
    const answer = await confirm({ message, initialValue: false, output: process.stderr, signal });
    return !isCancel(answer) && answer === true;
  },
  async secret(message) {
    const { password, isCancel } = await import("@clack/prompts");
    const answer = await password({ message, output: process.stderr, signal });
    return isCancel(answer) ? null : answer;
  },
  async select(message, options) {
    const { select, isCancel } = await import("@clack/prompts");
    const answer = await select({
      message,
      options: options.map((o) => ({ value: o.value, label: o.label ?? o.value, hint: o.hint })),
      output: process.stderr,
      signal,
    });
    return isCancel(answer) ? null : (answer as string);
  },
  async text(message, placeholder) {
    const { text, isCancel } = await import("@clack/prompts");
    const answer = await text({ message, placeholder, validate: (v) => (v ? undefined : "An answer is needed."), output: process.stderr, signal });
    return isCancel(answer) ? null : answer;
  },
});
