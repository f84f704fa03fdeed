/**
 * The Request functions construct in the realm: the host's Request, except that a request a
 * function was given (an EdgeRequest) is taken as the standard Request it stands for.
 */
export class RealmRequest extends Request {
  constructor(input: ConstructorParameters<typeof Request>[0], init?: RequestInit) {
    super(input instanceof EdgeRequest ? input.standard() : input, init);
  }
}

/**
 * The request a handler gets: a Request whose `url` is a URL, as the launch post's
 * `req.url.pathname` uses it. Most handlers look at its method, url and headers only, so the standard
 * Request (whose making was a good part of a request's cost) is made the first time anything else
 * is asked of it: its body, signal, clone()… Handlers of Cloudflare's and EdgeOne's shapes get that
 * standard Request, whose url is a string, as on those platforms.
 */
export class EdgeRequest {
  #url: URL | undefined;
  #standard: Request | undefined;

  constructor(
    private readonly href: string,
    readonly method: string,
    readonly headers: Headers,
    private readonly content: Uint8Array | null,
  ) {}

  get url(): URL {
    return (this.#url ??= new URL(this.href));
  }

  /** The standard Request this one stands for. */
  standard(): Request {
    return (this.#standard ??= new Request(this.href, { method: this.method, headers: this.headers, body: this.content }));
  }
}

// An EdgeRequest is a Request to instanceof; whatever it does not answer itself, the standard
// Request answers.
Object.setPrototypeOf(EdgeRequest.prototype, RealmRequest.prototype);
for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(Request.prototype))) {
  if (["constructor", "url", "method", "headers"].includes(name)) continue;
  const { get, value } = descriptor;
  if (get)
    Object.defineProperty(EdgeRequest.prototype, name, {
      configurable: true,
      get(this: EdgeRequest) {
        return get.call(this.standard());
      },
    });
  else if (typeof value === "function")
    Object.defineProperty(EdgeRequest.prototype, name, {
      configurable: true,
      writable: true,
      value(this: EdgeRequest, ...args: unknown[]) {
        return (value as (...a: unknown[]) => unknown).apply(this.standard(), args);
      },
    });
}

/** The standard Request, for handlers written for other platforms. */
export function standardRequest(request: EdgeRequest): Request {
  return request.standard();
}

/** What fetch() is in the realm: the host's, taking an EdgeRequest as the Request it stands for. */
export function realmFetch(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
  return fetch(input instanceof EdgeRequest ? input.standard() : input, init);
}
