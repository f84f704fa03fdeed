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

  constructor(body?: ConstructorParameters<typeof Response>[0], init?: ResponseInit) {
    const kept = typeof body === "string" || body instanceof Uint8Array;
    if (kept && NULL_BODY_STATUSES.has(init?.status ?? 200)) throw new TypeError(`A response with status ${init!.status} cannot have a body.`);
    super(kept ? null : body, init);
    if (!kept) return;
    this.#source = body;
    if (typeof body === "string" && !this.headers.has(HEADERS.contentType)) this.headers.set(HEADERS.contentType, "text/plain;charset=UTF-8");
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
for (const name of ["text", "json", "arrayBuffer", "blob", "formData"] as const) {
  const read = Response.prototype[name] as (this: Response) => Promise<unknown>;
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

/** The body a response was made with, when it can be sent as it is: not read yet, and text or bytes. */
export function sourceOf(response: Response): Source | undefined {
  return response instanceof EdgeResponse ? response.kept : undefined;
}
