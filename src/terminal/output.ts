import type { KvError } from "../core/errors.js";
import { escapeControls, keyLine, safeJson } from "../core/escape.js";
import { writeTo, type Io } from "./io.js";

/** The styles Output adds to text for people. */
interface Styles {
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  dim(text: string): string;
}

const unstyled = (text: string): string => text;
const PLAIN: Styles = { green: unstyled, yellow: unstyled, red: unstyled, dim: unstyled };

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  color: boolean;
}

/**
 * The only place that writes. stdout carries data (values, keys, JSON); stderr carries everything meant
 * for people: notes, warnings, progress and errors.
 *
 * Text for people is escaped here (src/core/escape.ts), whatever it quotes, so a key or a path never
 * reaches a terminal raw; colour is added afterwards, by this class only, which is why handlers get
 * no chalk of their own. Under --json every stderr line is one JSON object: {"target"}, {"note"},
 * {"ok"}, {"warning"} or {"error"}.
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly color: boolean;

  /**
   * An Output for these options. chalk is loaded only when there is colour to add: as it loads it
   * asks whether stdout is a terminal, which loads Node's tty and net modules, about 2 ms of every
   * start that writes to a pipe or a file.
   */
  static async open(io: Io, options: OutputOptions): Promise<Output> {
    return new Output(io, options, options.color ? new (await import("chalk")).Chalk({ level: 1 }) : PLAIN);
  }

  private constructor(
    private readonly io: Io,
    options: OutputOptions,
    private readonly c: Styles,
  ) {
    this.json = options.json;
    this.quiet = options.quiet;
    this.color = options.color;
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

  /** A line of text for people on stdout, escaped. */
  line(text: string): Promise<void> {
    return writeTo(this.io.stdout, `${escapeControls(text)}\n`);
  }

  /** One key per line, unambiguous in a pipe (see keyLine). */
  key(key: string): Promise<void> {
    return writeTo(this.io.stdout, `${keyLine(key)}\n`);
  }

  /** Tab-separated fields, each plain or a JSON string as keyLine() writes keys. */
  row(fields: readonly string[]): Promise<void> {
    return writeTo(this.io.stdout, `${fields.map(keyLine).join("\t")}\n`);
  }

  /** A line of a diff on stdout: `+`, `~` or `-` in colour, then the text. */
  change(mark: "+" | "~" | "-", text: string): Promise<void> {
    const colour = mark === "+" ? this.c.green : mark === "~" ? this.c.yellow : this.c.red;
    return writeTo(this.io.stdout, `${colour(mark)} ${escapeControls(text)}\n`);
  }

  /** A table for a terminal; every cell is escaped. */
  async table(head: readonly string[], rows: readonly (readonly string[])[]): Promise<void> {
    const { default: Table } = await import("cli-table3");
    const table = new Table({ head: [...head], style: { head: this.color ? ["cyan"] : [], border: this.color ? ["grey"] : [] } });
    for (const row of rows) table.push(row.map(escapeControls));
    await writeTo(this.io.stdout, `${table.toString()}\n`);
  }

  /** A JSON document on stdout: indented for a person at a terminal, one line for a pipe. */
  printJson(value: unknown): Promise<void> {
    return writeTo(this.io.stdout, `${safeJson(value, this.stdoutIsTTY ? 2 : undefined)}\n`);
  }

  /** Informational text on stderr; --quiet silences it. */
  note(text: string): void {
    if (this.quiet) return;
    this.stderr({ note: text }, () => escapeControls(text));
  }

  /** A next step, or a detail people may skip: dimmed. */
  hint(text: string): void {
    if (this.quiet) return;
    this.stderr({ note: text }, () => this.c.dim(escapeControls(text)));
  }

  /**
   * Which target a command used. Under --json every stderr line is a JSON object, so scripts can
   * parse stderr line by line: this one is {"target": …}, an error is {"error": …}.
   */
  target(target: { kind: string; description: string; site: string }): void {
    if (this.quiet) return;
    this.stderr({ target }, () => this.c.dim(`target: ${escapeControls(target.description)}`));
  }

  success(text: string): void {
    if (this.quiet) return;
    this.stderr({ ok: text }, () => `${this.c.green("✔")} ${escapeControls(text)}`);
  }

  /**
   * Warnings are never silenced: they say something the user would otherwise miss. `detail` is lines
   * shown under it, indented (a source line, a stack), each escaped on its own so they stay lines.
   */
  warn(text: string, detail: readonly string[] = []): void {
    this.stderr({ warning: [text, ...detail].join("\n") }, () =>
      [`${this.c.yellow("!")} ${escapeControls(text)}`, ...detail.map((line) => `  ${escapeControls(line)}`)].join("\n"),
    );
  }

  error(err: KvError): void {
    this.stderr(
      { error: err.toJSON() },
      () => `${this.c.red("✖")} ${escapeControls(err.message)}${err.hint ? `\n  ${this.c.dim(escapeControls(err.hint))}` : ""}`,
    );
  }

  private stderr(json: Record<string, unknown>, text: () => string): void {
    this.io.stderr.write(`${this.json ? safeJson(json) : text()}\n`);
  }
}

/** Colour follows the terminal; --no-color and NO_COLOR turn it off, FORCE_COLOR turns it on. */
export function wantsColor(io: Io, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== "0") return true;
  return io.stderr.isTTY === true && io.env.TERM !== "dumb";
}
