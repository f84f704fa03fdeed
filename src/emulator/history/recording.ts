import type { Settings } from "../settings.js";
import { FileRecorder, historyValue, type OpInput, type Recorder } from "./recorder.js";

/** An operation as the engine records it: a value may be given as bytes (see Recording.record). */
export type OpRecord = Omit<OpInput, "client" | "value"> & { value?: string | Buffer | null };

/**
 * Where an engine's operations are recorded: the recorder it was given (tests), or the file named by
 * `emulator record` (a setting every process sharing the store follows), numbered by the store.
 */
export class Recording {
  private fileRecorder: { path: string; recorder: FileRecorder } | undefined;
  /** Who the operations running now are for (see actingFor), as recorded histories name them. */
  private actor: string | undefined;
  private noticed = false;
  /**
   * Told, once per process, that recording stopped because its file could not be appended to (in
   * this process or an earlier one), with a sentence that says so, until recording is set again.
   */
  onStopped: ((note: string) => void) | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly recorder: Recorder | undefined,
    /** Names this process in recorded histories. */
    private readonly client: string,
    /** The store's next record number, drawn in the operation's transaction. */
    private readonly nextSeq: () => number,
  ) {}

  /** Whether operations are being recorded (a recorder was given, or `emulator record` is on). */
  get on(): boolean {
    return this.recorder !== undefined || this.settings.record !== null;
  }

  /**
   * Appends an operation to the recorded history, if recording is on. Call inside Engine.run(). A
   * value given as bytes is turned into the history's text only when something records it.
   */
  record(op: OpRecord): void {
    const recorder = this.recorder ?? this.fileRecorderFor(this.settings.record);
    if (!recorder) return;
    const value = Buffer.isBuffer(op.value) ? historyValue(op.value) : op.value;
    try {
      recorder.record({ ...op, value, client: this.client, ...(this.actor !== undefined && { actor: this.actor }) } as OpInput, this.nextSeq);
    } catch (e) {
      // The store's own refusal (numbering the record in a read-only store) is the operation's failure.
      if (recorder === this.recorder || String((e as { code?: unknown }).code).startsWith("SQLITE_")) throw e;
      // A recording never breaks an operation: the file cannot be appended to any more (removed,
      // replaced by a directory, a full disk), so recording stops, for every process, and says why.
      this.settings.write("record", { path: this.settings.record, stopped: { reason: (e as Error).message, at: op.t } });
    }
  }

  /** Runs `fn` (operations, synchronously) on behalf of `actor`: the history names it beside the process. */
  actingFor<T>(actor: string, fn: () => T): T {
    const before = this.actor;
    this.actor = actor;
    try {
      return fn();
    } finally {
      this.actor = before;
    }
  }

  /** The recording is being set again: nothing to tell about the one that stopped. */
  acknowledge(): void {
    this.noticed = true;
  }

  /** Tells onStopped, once, if recording has stopped. */
  notice(): void {
    if (this.noticed || !this.onStopped) return;
    const recording = this.settings.recording;
    if (!recording?.stopped) return;
    this.noticed = true;
    this.onStopped(
      `Recording to ${recording.path} stopped at ${new Date(recording.stopped.at).toISOString()}: ${recording.stopped.reason}. Operations are not being recorded.`,
    );
  }

  private fileRecorderFor(path: string | null): Recorder | undefined {
    if (path === null) return undefined;
    if (this.fileRecorder?.path !== path) this.fileRecorder = { path, recorder: new FileRecorder(path) };
    return this.fileRecorder.recorder;
  }
}
