/** Where an EdgeResponse keeps the body it was made with. */
const SOURCE = Symbol("yourspace.body");

type Source = string | Uint8Array | null;

/**
 * The Response functions construct in the realm: a standard Response that also remembers a body
 * given as text or bytes, so the server can send it as it is, in one write, instead of reading it
 * back through a stream. Anything else (a stream, a form) is sent by reading the body.
 */
export class EdgeResponse extends Response {
  [SOURCE]: Source | undefined;

  constructor(body?: ConstructorParameters<typeof Response>[0], init?: ResponseInit) {
    super(body, init);
    this[SOURCE] = body === undefined || body === null ? null : typeof body === "string" || body instanceof Uint8Array ? body : undefined;
  }

  static override json(data: unknown, init: ResponseInit = {}): Response {
    const headers = new Headers(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new EdgeResponse(JSON.stringify(data), { ...init, headers });
  }
}

/** The body a response was made with, when it can be sent as it is: not read yet, and text or bytes. */
export function sourceOf(response: Response): Source | undefined {
  if (!(response instanceof EdgeResponse) || response.bodyUsed) return undefined;
  return response[SOURCE];
}
