import { errors, type KvError } from "../../core/errors.js";
import { outcomeErrors } from "../../core/outcome-errors.js";
import type { Binding } from "../../core/backend.js";
import type { PreparedSave } from "../../project/project-file.js";
import { isoOrNull } from "../../terminal/format.js";
import type { Context } from "../context.js";
import { isInterruption, throwIfStopped, type StopSignal } from "../interruption.js";

/**
 * What bind and unbind share: both change two places, the target and the project file, and change
 * both or neither.
 */

/** The variable a namespace is read as when --as is left out: the name, upper-cased. */
export function variableFor(namespace: string): string {
  return namespace.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/**
 * Runs a command that changes the target and the project file. A signal is heeded until the target
 * is changed, and then reported as such ("nothing was bound"); after that the command finishes both
 * places, or undoes the target.
 */
export async function untilTargetChanges(ctx: Context, done: "bound" | "unbound", work: () => Promise<void>): Promise<void> {
  ctx.stopsBetweenSteps();
  try {
    await work();
  } catch (e) {
    if (isInterruption(e))
      throwIfStopped(ctx.signal, (by: StopSignal) => errors.interrupted(by, `Interrupted by ${by}; nothing was ${done}.`, "Nothing was changed."));
    throw e;
  }
}

/**
 * Puts the project file in place once the target has changed; if that fails, undoes the target's
 * change, so the command changed neither. Says so when even the undo fails.
 */
export async function bothOrNeither(path: string, save: PreparedSave, undo: () => Promise<unknown>, what: "binding" | "unbinding"): Promise<void> {
  try {
    save.commit();
  } catch (e) {
    try {
      await undo();
    } catch (u) {
      throw outcomeErrors.changeHalfDone(e as KvError, what, (u as Error).message, path);
    }
    throw outcomeErrors.changeUndone(e as KvError, what);
  }
}

export function withoutTime({ createdAt: _, ...binding }: Binding): Omit<Binding, "createdAt"> {
  return binding;
}

export function wireBinding(b: Binding) {
  return { ...b, createdAt: isoOrNull(b.createdAt) };
}
