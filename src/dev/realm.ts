import { createContext, Script, type Context } from "node:vm";
import { realmFetch, RealmRequest } from "./edge-request.js";
import { EdgeResponse } from "./edge-response.js";
import { WRAPPER_PREFIX } from "./source-map-stack.js";

/**
 * The web platform's globals a function may use, lent from the host; Request, Response and fetch are
 * the host's with a difference each (edge-request.ts, edge-response.ts), so what a function answers
 * is a Response here too.
 */
const LENT_GLOBALS = [
  "Request",
  "Response",
  "Headers",
  "URL",
  "URLSearchParams",
  "fetch",
  "FormData",
  "Blob",
  "File",
  "ReadableStream",
  "WritableStream",
  "TransformStream",
  "TextEncoder",
  "TextDecoder",
  "TextEncoderStream",
  "TextDecoderStream",
  "AbortController",
  "AbortSignal",
  "Event",
  "EventTarget",
  "crypto",
  "atob",
  "btoa",
  "structuredClone",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "queueMicrotask",
  "performance",
] as const;

/**
 * Where functions run: one node:vm context for the server's life, made once (never per request).
 * It has its own intrinsics, so its Date can follow the emulator's clock, manual clock included,
 * and code computing an expiry from Date.now() agrees with the store. It holds no KV of its own:
 * the SDK module it is given reaches KV only through the host's broker.
 *
 * node:vm keeps a function's globals apart from the server's; it is not a security boundary
 * against hostile code, and is not meant as one.
 */
export class Realm {
  private readonly context: Context;

  /** `console`: what the function's console is (function-console.ts), never the host's, which writes to stdout. */
  constructor(now: () => number, console: Console) {
    const globals: Record<string, unknown> = {};
    for (const name of LENT_GLOBALS) globals[name] = (globalThis as Record<string, unknown>)[name];
    globals.console = console;
    globals.Response = EdgeResponse;
    globals.Request = RealmRequest;
    globals.fetch = realmFetch;
    this.context = createContext(globals, { name: "yourspace dev functions" });
    const install = new Script(EMULATED_DATE, { filename: "yourspace:realm" }).runInContext(this.context) as (now: () => number) => void;
    install(now);
  }

  /**
   * Runs a CommonJS bundle and answers its exports. `require` serves the one module a bundle leaves
   * out, "yourspace:edge".
   */
  load(code: string, filename: string, edge: unknown): Record<string, unknown> {
    const wrapper = new Script(`${WRAPPER_PREFIX}${code}\n})`, { filename }).runInContext(this.context) as (
      exports: unknown,
      require: (id: string) => unknown,
      module: { exports: unknown },
    ) => void;
    const module = { exports: {} as Record<string, unknown> };
    wrapper.call(
      undefined,
      module.exports,
      (id) => {
        if (id === "yourspace:edge") return edge;
        throw new Error(`Cannot find module "${id}": a function imports only "yourspace:edge" and its own files.`);
      },
      module,
    );
    return module.exports;
  }
}

/** Replaces the realm's Date with one whose "now" is the emulator's; everything else is Date's own. */
const EMULATED_DATE = `(function install(now) {
  const RealDate = Date;
  function EdgeDate(...args) {
    if (!new.target) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  }
  EdgeDate.prototype = RealDate.prototype;
  EdgeDate.now = () => now();
  EdgeDate.parse = RealDate.parse;
  EdgeDate.UTC = RealDate.UTC;
  Object.defineProperty(RealDate.prototype, "constructor", { value: EdgeDate, writable: true, configurable: true });
  globalThis.Date = EdgeDate;
})`;
