import { escapeControls } from "../core/escape.js";
import type { KvOp, RequestRecord } from "./request-scope.js";

/** Why a request was answered with an error of the runner's (a function that failed, an unknown region). */
export interface LoggedError {
  code: string;
  message: string;
  /** A failed function's stack, mapped to its sources. */
  stack?: string;
}

/** One request as the server's log shows it. */
export interface RequestLog {
  method: string;
  path: string;
  /** The answer's status (0 in an abandoned request's line, which has none). */
  status: number;
  ms: number;
  record: RequestRecord;
  error?: LoggedError;
  /** KV operations the request's functions made after its line was logged: a line of their own. */
  afterAnswer?: boolean;
  /** The client went away before the functions answered: a line then, as the answer may never come. */
  abandoned?: boolean;
}

/**
 * One line per request on stderr: method, path, status, time, region, and each KV operation with
 * where it was served from and whether it was stale. With --json, the same as one JSON object. A
 * request the runner answered with an error (a function that threw) is followed by the error and
 * the function's frames, so the terminal says what the 500 was, not only that there was one.
 */
export function logLine(log: RequestLog, json: boolean): string {
  if (log.afterAnswer) return afterAnswerLine(log, json);
  if (log.abandoned) return abandonedLine(log, json);
  if (json)
    return JSON.stringify({
      event: "request",
      method: log.method,
      path: log.path,
      status: log.status,
      ms: round(log.ms),
      // null for a request served in no region (one naming a region there is not).
      region: log.record.region || null,
      kv: log.record.ops,
      ...(log.error && { error: log.error }),
    });
  const ops = log.record.ops.map(opText).join(" ");
  const line = [log.method, log.path, log.status, `${round(log.ms)}ms`, log.record.region, ops].filter((part) => part !== "").join(" ");
  return log.error ? `${line}\n${errorText(log.error)}` : line;
}

/**
 * KV operations a request's functions made after its line was logged (ctx.waitUntil's work, a
 * timer): `GET /path after its answer iad [put "key"]`, or under --json an "afterAnswer" event.
 */
function afterAnswerLine(log: RequestLog, json: boolean): string {
  if (json) return JSON.stringify({ event: "afterAnswer", method: log.method, path: log.path, region: log.record.region, kv: log.record.ops });
  return `${log.method} ${log.path} after its answer ${log.record.region} ${log.record.ops.map(opText).join(" ")}`;
}

/**
 * A request its client gave up on while its functions had not answered (one that never resolves
 * would otherwise leave no line at all): `GET /path unanswered 30000ms iad [get "key" home]: the client closed the connection`,
 * or under --json an "abandoned" event. The request's own line follows if the answer comes later.
 */
function abandonedLine(log: RequestLog, json: boolean): string {
  if (json) return JSON.stringify({ event: "abandoned", method: log.method, path: log.path, ms: round(log.ms), region: log.record.region, kv: log.record.ops });
  const ops = log.record.ops.map(opText).join(" ");
  return `${log.method} ${log.path} unanswered ${round(log.ms)}ms ${log.record.region}${ops ? ` ${ops}` : ""}: the client closed the connection`;
}

/** The error under its request's line: the message, then the stack's frames, each line escaped. */
function errorText(error: LoggedError): string {
  const frames = (error.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  return [`  ✖ ${error.code}: ${error.message}`, ...frames.map((f) => `    ${f.trim()}`)]
    .map((l) => l.split("\n").map(escapeControls).join("\n    "))
    .join("\n");
}

function opText(op: KvOp): string {
  const key = JSON.stringify(op.key);
  if (op.error) return `[${op.op} ${key} ${op.error}]`;
  if (op.op !== "get") return `[${op.op} ${key}]`;
  return `[get ${key} ${op.servedFrom}${op.version === null ? " none" : ""}${op.stale ? ` stale ${op.ageMs}ms` : ""}]`;
}

/**
 * The x-yourspace-kv header: how the request's KV reads were served, one entry per read, in order,
 * separated by ", ": `<key> v=<version|none> from=<home|replica|cache|origin> stale=<0|1|unknown> age=<ms>`
 * (stale: home has a newer version; unknown for an edge cache's copy; age as ReadInfo.ageMs),
 * the key percent-encoded. Writes are not listed: they always go to home.
 */
export function kvHeader(record: RequestRecord): string {
  // A loop rather than filter, map and join: this runs for every request.
  let header = "";
  for (const op of record.ops) {
    if (op.op !== "get" || op.error) continue;
    if (header !== "") header += ", ";
    header += `${encodeURIComponent(op.key)} v=${op.version ?? "none"} from=${op.servedFrom} stale=${op.stale === undefined ? "unknown" : op.stale ? 1 : 0} age=${op.ageMs}`;
  }
  return header;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
