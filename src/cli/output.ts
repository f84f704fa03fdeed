import { Chalk, type ChalkInstance } from "chalk";
import type { KvError } from "../core/errors.js";
import { writeTo, type Io } from "./io.js";

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  color: boolean;
}

/**
 * The only place that writes. stdout carries data (values, keys, JSON); stderr carries everything meant
 * for people: notes, warnings, progress and errors.
 */
export class Output {
  readonly c: ChalkInstance;
  readonly json: boolean;
  readonly quiet: boolean;

  constructor(
    private readonly io: Io,
    options: OutputOptions,
  ) {
    this.json = options.json;
    this.quiet = options.quiet;
    this.c = new Chalk({ level: options.color ? 1 : 0 });
  }

  get stdoutIsTTY(): boolean {
    return this.io.stdout.isTTY === true;
  }

  get stderrIsTTY(): boolean {
    return this.io.stderr.isTTY === true;
  }

  get columns(): number {
    return this.io.stdout.columns ?? 100;
  }

  /** Raw data on stdout, exactly as given. */
  data(chunk: string | Uint8Array): Promise<void> {
    return writeTo(this.io.stdout, chunk);
  }

  line(text: string): Promise<void> {
    return writeTo(this.io.stdout, `${text}\n`);
  }

  /** A JSON document on stdout: indented for a person at a terminal, one line for a pipe. */
  printJson(value: unknown): Promise<void> {
    return writeTo(this.io.stdout, `${JSON.stringify(value, null, this.stdoutIsTTY ? 2 : undefined)}\n`);
  }

  /** Informational text on stderr; --quiet silences it. */
  note(text: string): void {
    if (!this.quiet) this.io.stderr.write(`${text}\n`);
  }

  /**
   * Which target a command used. Under --json every stderr line is a JSON object, so scripts can
   * parse stderr line by line: this one is {"target": …}, an error is {"error": …}.
   */
  target(target: { kind: string; description: string; site: string }): void {
    if (this.quiet) return;
    if (this.json) this.io.stderr.write(`${JSON.stringify({ target })}\n`);
    else this.io.stderr.write(`${this.c.dim(`target: ${target.description}`)}\n`);
  }

  success(text: string): void {
    this.note(`${this.c.green("✔")} ${text}`);
  }

  /** Warnings are never silenced: they say something the user would otherwise miss. */
  warn(text: string): void {
    this.io.stderr.write(`${this.c.yellow("!")} ${text}\n`);
  }

  error(err: KvError): void {
    if (this.json) {
      this.io.stderr.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
      return;
    }
    this.io.stderr.write(`${this.c.red("✖")} ${err.message}\n`);
    if (err.hint) this.io.stderr.write(`  ${this.c.dim(err.hint)}\n`);
  }
}

/** Colour follows the terminal; --no-color and NO_COLOR turn it off, FORCE_COLOR turns it on. */
export function wantsColor(io: Io, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== "0") return true;
  return io.stderr.isTTY === true && io.env.TERM !== "dumb";
}
