import type { Backend } from "../core/backend.js";
import type { Clock } from "../core/clock.js";
import type { EmulatorControls } from "../core/emulator-views.js";
import type { LocalBackend } from "../emulator/index.js";
import type { Io } from "../terminal/io.js";
import type { Output } from "../terminal/output.js";
import type { TargetFlags } from "../project/target.js";

/** Global options, available to every command. */
export interface Globals extends TargetFlags {
  json: boolean;
  quiet: boolean;
  color: boolean;
  dataDir?: string;
}

export interface Prompter {
  /** Asks a yes/no question on the terminal. Resolves false when the user declines or cancels. */
  confirm(message: string): Promise<boolean>;
  /** Asks for a secret without echoing it. Resolves null when the user cancels. */
  secret(message: string): Promise<string | null>;
  /** Asks to pick one of several values. Resolves null when the user cancels. */
  select(message: string, options: readonly { value: string; label?: string; hint?: string }[]): Promise<string | null>;
  /** Asks for a line of text. Resolves null when the user cancels. */
  text(message: string, placeholder?: string): Promise<string | null>;
}

/** Everything a handler may use. Handlers reach for nothing else, so tests can pass their own. */
export interface Context {
  io: Io;
  out: Output;
  globals: Globals;
  clock: Clock;
  prompter: Prompter;
  /** Opens the target on first use and says on stderr which one it is. */
  backend(): Promise<Backend>;
  /** The embedded emulator over the data directory's store: its controls, tokens and site. */
  emulator(): Promise<LocalBackend>;
  /**
   * The emulator's controls and region views on the target, as the other commands choose it: the
   * embedded emulator, or an emulator's API server (a platform that is not one refuses them).
   */
  emulatorControls(): Promise<EmulatorControls>;
  /** True when a person can be asked: both stdin and stderr are terminals and CI is not set. */
  interactive: boolean;
  /** Aborted when the process is asked to stop (SIGINT, SIGTERM); the reason is the signal's name. */
  signal: AbortSignal;
  /**
   * Declares that this command checks `signal` between its atomic steps and, when stopped, says what
   * it did. A command that does not is stopped at once by a signal (src/commands/interruption.ts). Unless
   * `announce` is false, a signal is acknowledged on stderr at once.
   */
  stopsBetweenSteps(announce?: boolean): void;
}

export type Handler<O = Record<string, unknown>> = (ctx: Context, args: CommandArgs, options: O) => Promise<void>;

/** Positional arguments by name; variadic ones are arrays. */
export type CommandArgs = Record<string, string | string[] | undefined>;
