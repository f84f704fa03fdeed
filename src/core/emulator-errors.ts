import { KvError } from "./errors.js";
import { FAULT_COMMANDS } from "./emulator-views.js";

/** The latest time the emulator's clock may show: the end of year 9999, the last a date can name here. */
export const LATEST_EMULATED_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The catalogue's entries for the emulator's controls (its clock and faults) and region views, and
 * for asking them of a target that is not an emulator. The codes and their exit codes are in
 * errors.ts; like every entry, these texts name no CLI flag.
 */
export const emulatorErrors = {
  notAnEmulator: (apiUrl: string) =>
    new KvError(
      "NOT_AN_EMULATOR",
      `The platform API at ${apiUrl} is not an emulator: it has no clock, faults or region views to show or change.`,
      "Control the local emulator instead: the embedded one on this data directory, or an emulator's API server.",
    ),
  faultCommandUnknown: (command: string) =>
    new KvError("USAGE", `There is no fault command ${JSON.stringify(command)}.`, `The fault commands are ${FAULT_COMMANDS.join(", ")}.`),
  /** Faults cut or hold the link between an edge and home; home has no such link of its own. */
  homeRegionFault: (home: string, edges: readonly string[]) =>
    new KvError("USAGE", `${home} is the home region; faults apply to the link between an edge and home.`, `Name an edge: ${edges.join(", ")}.`),
  clockModeUnknown: (mode: string) => new KvError("USAGE", `The clock is "manual" or "real", not ${JSON.stringify(mode)}.`, "Choose manual or real."),
  /** A duration given with a minus sign: emulated time never runs backwards. */
  clockBackwards: (text: string) =>
    new KvError(
      "USAGE",
      `The emulator's clock only moves forward: it cannot advance by ${JSON.stringify(text)}.`,
      "Advance by a duration of 0 or more, such as 5s.",
    ),
  /** `limitMs`: how far the clock may still move before it passes LATEST_EMULATED_TIME. */
  advanceOutOfRange: (ms: number, limitMs: number) =>
    new KvError(
      "USAGE",
      `The clock cannot advance by ${ms} ms: ${ms < 0 || !Number.isInteger(ms) ? "it only moves forward, by a whole number of milliseconds" : "that would take it past the end of year 9999"}.`,
      `Advance by a whole number of milliseconds from 0 to ${limitMs}.`,
    ),
};
