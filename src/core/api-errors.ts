import { KvError } from "./errors.js";
import { formatNumber as n } from "./numbers.js";

/**
 * The catalogue's entries for what the platform API refuses in a request itself (its headers, its
 * body), before any rule of the store is met, and for the emulator's server failing to start. The
 * codes and their exit codes are in errors.ts; like every entry there, these texts name no CLI flag.
 */
export const apiErrors = {
  /** What the HTTP layer refuses before a request reaches a route: it is not HTTP, too slow, too big, a tunnel. */
  requestNotHttp: () => new KvError("BAD_HEADER", "The request is not valid HTTP.", "Send an HTTP/1.1 request; see docs/api.md."),
  requestTooSlow: (ms: number) =>
    new KvError("REQUEST_TIMEOUT", `The request was not received within ${n(ms)} ms.`, "Send the whole request at once, or a smaller body."),
  headersTooLarge: () => new KvError("BAD_HEADER", "The request headers are too large.", "Send fewer or shorter headers."),
  tunnelRefused: () =>
    new KvError("METHOD_NOT_ALLOWED", "CONNECT is not served: the API is not a proxy.", "Send requests to the API's own paths; see docs/api.md."),
  expectationUnsupported: (expectation: string) =>
    new KvError("BAD_HEADER", `The expectation "${expectation}" is not supported.`, "Leave out the Expect header."),
  routeNotFound: (path: string) => new KvError("NOT_FOUND", `There is no route ${path}.`, "See docs/api.md for the routes."),
  /** `allowed`: the methods the path takes, as words ("GET or PUT"). */
  methodNotAllowed: (method: string, path: string, allowed: string) =>
    new KvError("METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}.`, `Use ${allowed}.`),
  pathNotUrl: (path: string) =>
    new KvError("BAD_HEADER", `The path ${path} is not a valid URL.`, "Percent-encode the path's reserved and non-ASCII characters (RFC 3986)."),
  /** A precondition header that is neither form: refused, never ignored, since a dropped condition would make a compare-and-set a blind write. */
  conditionHeaderInvalid: (message: string) =>
    new KvError(
      "BAD_HEADER",
      message,
      'Send If-None-Match: * to write only an absent key, or If-Match: "<version>" with the 20 hex digits of a version a read showed.',
    ),
  /** A precondition on a route that takes none: refused, not ignored, for the same reason. */
  conditionNotTaken: (what: string) =>
    new KvError(
      "BAD_HEADER",
      `${what} takes no precondition (If-Match, If-None-Match); nothing was done.`,
      "Send the request without If-Match and If-None-Match: only a value's PUT and DELETE take them (a bulk write's entries carry their own condition).",
    ),
  entryConditionInvalid: (field: string, why: string) =>
    new KvError("USAGE", `"${field}" ${why}.`, `Send "${field}": {"version": "<20 hex digits>"} or {"version": null}.`),
  hostMissing: () => new KvError("BAD_HEADER", "The request has no Host header; HTTP/1.1 requires one.", "Send Host: <the API's host and port>."),
  targetNotPath: (target: string, examplePath: string) =>
    new KvError(
      "BAD_HEADER",
      `The request target ${JSON.stringify(target.slice(0, 100))} is not a path.`,
      `Send a path that starts with /, such as ${examplePath}.`,
    ),
  notBearer: (scheme: string) => new KvError("UNAUTHENTICATED", "The Authorization header is not a bearer token.", `Send Authorization: ${scheme} <token>.`),
  idempotencyKeyTooLong: (length: number, limit: number) =>
    new KvError("BAD_HEADER", `The Idempotency-Key is ${length} characters; the limit is ${limit}.`, "Use a UUID."),
  keyNotPercentEncoded: () => new KvError("INVALID_KEY", "The key in the path is not valid percent-encoded UTF-8.", "Percent-encode the key's UTF-8 bytes."),
  queryNotPercentEncoded: (parameter: string) =>
    new KvError(
      "BAD_HEADER",
      `The query parameter ${JSON.stringify(parameter)} is not valid percent-encoded UTF-8.`,
      "Percent-encode each parameter's UTF-8 bytes, as encodeURIComponent does.",
    ),
  metadataHeaderInvalid: (header: string) =>
    new KvError("INVALID_METADATA", `The ${header} header is not base64url-encoded JSON.`, "Encode the metadata object as JSON, then base64url."),

  contentLengthInvalid: (declared: string) =>
    new KvError("BAD_HEADER", `Content-Length "${declared}" is not a number.`, "Send a valid Content-Length, or none."),
  contentTypeNotJson: (type: string) =>
    new KvError(
      "BAD_HEADER",
      `Content-Type must be application/json, not "${type || "(none)"}".`,
      "Send the body as JSON with Content-Type: application/json.",
    ),
  bodyTooLarge: (size: number, limit: number) =>
    new KvError(
      "BODY_TOO_LARGE",
      `The request body is ${n(size)} bytes or more; the limit is ${n(limit)} bytes.`,
      "Send a smaller body, or split it across requests.",
    ),
  bodyNotUtf8: () => new KvError("MALFORMED_BODY", "The request body is not valid UTF-8.", "Send JSON encoded as UTF-8."),
  bodyNotJson: (detail: string) => new KvError("MALFORMED_BODY", `The request body is not valid JSON: ${detail}.`, "Send a JSON document."),
  /** `example` is the body the route takes; `why` what is wrong with this one. */
  bodyNotShaped: (example: string, why: string) =>
    new KvError("MALFORMED_BODY", `The body must be ${example}; ${why}.`, "See docs/api.md for the body of each route."),
  tooManyKeys: (limit: number, count: number) =>
    new KvError("BODY_TOO_LARGE", `A bulk delete takes at most ${n(limit)} keys; this one has ${n(count)}.`, "Split the keys across requests."),
  tooManyEntries: (limit: number, count: number) =>
    new KvError("BODY_TOO_LARGE", `A bulk write takes at most ${n(limit)} entries; this one has ${n(count)}.`, "Split the entries across requests."),

  portInUse: (port: number) => new KvError("USAGE", `Port ${port} is already in use.`, "Choose another port, or port 0 for any free port."),
  portForbidden: (port: number, host: string, reason: string) =>
    new KvError("USAGE", `This user may not listen on port ${port} of ${host} (${reason}).`, "Use a port from 1024 up, or port 0 for any free port."),
  hostNotLocal: (host: string, reason: string) =>
    new KvError(
      "USAGE",
      `${host} is not an address of this machine, so the emulator cannot listen on it (${reason}).`,
      "Listen on an address this machine has, 0.0.0.0 for all of them, or 127.0.0.1.",
    ),
  hostUnresolvable: (host: string, reason: string) =>
    new KvError(
      "USAGE",
      `The host "${host}" is neither an IP address nor a name this machine can resolve (${reason}).`,
      "Give an IP address, such as 127.0.0.1 or 0.0.0.0.",
    ),
  hostUnsupported: (host: string, reason: string) =>
    new KvError("USAGE", `The emulator cannot listen on ${host} here (${reason}).`, "Listen on an IPv4 address, such as 127.0.0.1."),
  listenFailed: (host: string, port: number, reason: string) =>
    new KvError(
      "UNAVAILABLE",
      `The emulator could not listen on ${host}:${port}: ${reason}.`,
      "Check the host and the port, or listen on port 0 for any free port.",
    ),
  startFailed: (detail: string) =>
    new KvError("UNAVAILABLE", `The emulator could not start: ${detail}.`, "Check the data directory, the host and the port; YOURSPACE_DEBUG=1 shows more."),
  /** The server's thread ended: before it was ready (`started` false), or while serving. */
  serverEnded: (started: boolean, detail: string) =>
    new KvError(
      "UNAVAILABLE",
      started ? `The emulator's server stopped: ${detail}.` : `The emulator could not start: ${detail}.`,
      "Start it again; YOURSPACE_DEBUG=1 shows more. If it keeps happening, report it with this message.",
    ),
};
