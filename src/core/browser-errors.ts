import { KvError } from "./errors.js";

/**
 * The catalogue's entries for the KV browser's host: the loopback server that serves the page and
 * passes its requests on to the platform API. What it refuses, it refuses before anything is served
 * or forwarded. Like every entry, these texts name no CLI flag or command: a browser shows them.
 */
export const browserErrors = {
  noSession: () =>
    new KvError(
      "UNAUTHENTICATED",
      "This browser is not signed in to the KV browser, so nothing is served to it.",
      "Open the address printed when the KV browser started: it holds a one-time secret that signs this browser in. Each address works once; ask for a fresh one to sign in again.",
    ),
  csrfMissing: (method: string) =>
    new KvError(
      "PERMISSION_DENIED",
      `The ${method} request does not carry this session's CSRF token, so it was not passed on and nothing was changed.`,
      "Only the KV browser's own page may change data: reload it and try again.",
    ),
  foreignOrigin: (origin: string) =>
    new KvError(
      "PERMISSION_DENIED",
      `The request comes from ${JSON.stringify(origin.slice(0, 200))}, not from the KV browser's own page, so it was not passed on.`,
      "Use the KV browser from its own page, at the address it printed.",
    ),
  misdirected: (host: string | undefined, own: string) =>
    new KvError(
      "MISDIRECTED_REQUEST",
      host === undefined
        ? `The request names no host; this server answers only to ${own}.`
        : `The request names the host ${JSON.stringify(host.slice(0, 200))}, not this server (${own}).`,
      `Open the address printed when the KV browser started, at ${own}: other names are refused so that no web site can reach this server through a domain name of its own.`,
    ),
  mintRefused: () =>
    new KvError(
      "PERMISSION_DENIED",
      "The request for a sign-in address does not carry the key of this server's discovery file.",
      "Only a process that can read the discovery file in the data directory may ask for one.",
    ),
  notFound: (path: string) =>
    new KvError(
      "NOT_FOUND",
      `The KV browser has nothing at ${JSON.stringify(path.slice(0, 200))}.`,
      "Open the KV browser at the address it printed; its page links to everything it serves.",
    ),
  methodNotAllowed: (method: string, allowed: string) =>
    new KvError(
      "METHOD_NOT_ALLOWED",
      `${method} is not allowed here.`,
      `Use ${allowed}; the page changes data through the platform API it passes requests on to.`,
    ),
  pageMissing: (pageDir: string) =>
    new KvError(
      "UNAVAILABLE",
      `The KV browser's page is not installed: ${pageDir} holds no index.html.`,
      "Reinstall yourspace, or build it from source (its build makes the page).",
    ),
  listenFailed: (address: string, reason: string) =>
    new KvError(
      "UNAVAILABLE",
      `The KV browser could not listen on ${address}: ${reason}.`,
      "Check that this machine's loopback interface is up and that a port is free, then start it again.",
    ),
};
