import { HEADERS, MEDIA } from "../contract/index.js";

type Source = string | Uint8Array | null;

/** Statuses a response with a body cannot have, as the Fetch standard says. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The Response functions construct in the realm: a standard Response that keeps a body given as
 * text or bytes as it is, and makes the body's stream only if something reads it. Most answers are
 * never read back, and a Response with a stream costs many times one without; the server sends the
 * kept body with the head, in one write. Bodies of any other kind (a stream, a form) are given to
 * Response itself.
 */
export class EdgeResponse extends Response {
  #source: Source | undefined;
  #full: Response | undefined;

  // The commonest answer has nothing to check: it is made without the standard Response at all
  // (not for a function's own subclass, whose methods it would lack). A PlainResponse is an
  // EdgeResponse to instanceof, so the constructor may answer one instead of `this`.
  // biome-ignore lint/correctness/noUnreachableSuper: the one path without super() returns an object of its own.
  constructor(body?: ConstructorParameters<typeof Response>[0], init?: ResponseInit) {
    const kept = typeof body === "string" || body instanceof Uint8Array;
    // biome-ignore lint/correctness/noConstructorReturn: see above.
    if (kept && init === undefined && new.target === EdgeResponse) return new PlainResponse(body) as unknown as EdgeResponse;
    if (kept && NULL_BODY_STATUSES.has(init?.status ?? 200)) throw new TypeError(`A response with status ${init!.status} cannot have a body.`);
    super(kept ? null : body, init);
    if (!kept) return;
    this.#source = body;
    if (typeof body === "string" && !this.headers.has(HEADERS.contentType)) this.headers.set(HEADERS.contentType, TEXT_TYPE);
  }

  static override json(data: unknown, init: ResponseInit = {}): Response {
    const headers = new Headers(init.headers);
    if (!headers.has(HEADERS.contentType)) headers.set(HEADERS.contentType, MEDIA.json);
    return new EdgeResponse(JSON.stringify(data), { ...init, headers });
  }

  /** The standard Response with the kept body, made when something reads it. */
  full(): Response {
    if (this.#source === undefined || this.#source === null) return this;
    return (this.#full ??= new Response(this.#source, { status: this.status, statusText: this.statusText, headers: this.headers }));
  }

  /** The body as given, while nothing has read it: what the server sends as it is. */
  get kept(): Source | undefined {
    return this.#full ? undefined : this.#source;
  }
}

// What reads a body is answered by the full response; Response's own types declare these as
// properties, so they are defined here rather than overridden in the class.
for (const name of ["body", "bodyUsed"] as const) {
  const get = Object.getOwnPropertyDescriptor(Response.prototype, name)!.get!;
  Object.defineProperty(EdgeResponse.prototype, name, {
    configurable: true,
    get(this: EdgeResponse) {
      // Asking whether the body was read does not make its stream.
      if (name === "bodyUsed" && this.kept !== undefined) return false;
      return get.call(this.full());
    },
  });
}
for (const name of ["text", "json", "arrayBuffer", "blob", "formData", "bytes"] as const) {
  const read = (Response.prototype as unknown as Record<string, unknown>)[name] as ((this: Response) => Promise<unknown>) | undefined;
  if (!read) continue;
  Object.defineProperty(EdgeResponse.prototype, name, {
    configurable: true,
    writable: true,
    value(this: EdgeResponse) {
      return read.call(this.full());
    },
  });
}
Object.defineProperty(EdgeResponse.prototype, "clone", {
  configurable: true,
  writable: true,
  value(this: EdgeResponse): Response {
    const kept = this.kept;
    if (kept === undefined || kept === null) return Response.prototype.clone.call(this.full());
    return new EdgeResponse(kept, { status: this.status, statusText: this.statusText, headers: new Headers(this.headers) });
  },
});

/**
 * `new Response(text or bytes)`, without an init: status 200, no header but the body's type, nothing
 * to check. Undici's constructor and the Headers it makes cost more than the rest of serving a small
 * answer, so this stands for the standard Response without making one: it answers the status and
 * the like itself, makes its Headers when they are asked for, and leaves everything else (the body
 * read, a clone) to the standard Response, made the first time it is needed.
 */
class PlainResponse {
  readonly #source: string | Uint8Array;
  #headers: Headers | undefined;
  #full: Response | undefined;

  constructor(source: string | Uint8Array) {
    this.#source = source;
  }

  get status(): number {
    return 200;
  }
  get ok(): boolean {
    return true;
  }
  get statusText(): string {
    return "";
  }
  get type(): "default" {
    return "default";
  }
  get url(): string {
    return "";
  }
  get redirected(): boolean {
    return false;
  }

  get headers(): Headers {
    if (this.#headers) return this.#headers;
    const headers = new Headers();
    if (typeof this.#source === "string") headers.set(HEADERS.contentType, TEXT_TYPE);
    return (this.#headers = headers);
  }

  /** The headers, as send() writes them, while nothing has asked for the Headers (which may have changed since). */
  get untouchedHeaders(): Record<string, string> | undefined {
    if (this.#headers) return undefined;
    return typeof this.#source === "string" ? { [HEADERS.contentType]: TEXT_TYPE } : {};
  }

  full(): Response {
    return (this.#full ??= new Response(this.#source, { headers: this.headers }));
  }

  get kept(): Source | undefined {
    return this.#full ? undefined : this.#source;
  }
}
Object.setPrototypeOf(PlainResponse.prototype, EdgeResponse.prototype);
// What made it, to a function, is the realm's Response.
Object.defineProperty(PlainResponse.prototype, "constructor", { value: EdgeResponse, writable: true, configurable: true });

const TEXT_TYPE = "text/plain;charset=UTF-8";

/** The body a response was made with, when it can be sent as it is: not read yet, and text or bytes. */
export function sourceOf(response: Response): Source | undefined {
  return response instanceof EdgeResponse ? response.kept : undefined;
}

/**
 * The headers of an answer made as `new Response(text or bytes)` whose Headers nothing has asked for
 * (so nothing has changed): what send() writes, without making the Headers. Undefined for any other.
 */
export function untouchedHeadersOf(response: Response): Record<string, string> | undefined {
  return response instanceof PlainResponse ? response.untouchedHeaders : undefined;
}
