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
 * `req.url.pathname` uses it. Most handlers look at its method and url only, so its Headers, and the
 * standard Request (whose making was a good part of a request's cost), are made the first time they
 * are asked for: its headers; its body, signal, clone()… Handlers of Cloudflare's and EdgeOne's
 * shapes get that standard Request, whose url is a string, as on those platforms.
 */
export class EdgeRequest {
  #url: URL | undefined;
  #headers: Headers | undefined;
  #standard: Request | undefined;

  /** `rawHeaders`: names and values in turn, as node:http gives them. */
  constructor(
    private readonly href: string,
    readonly method: string,
    private readonly rawHeaders: readonly string[],
    private readonly content: Uint8Array | null,
  ) {}

  get url(): URL {
    return (this.#url ??= new URL(this.href));
  }

  get headers(): Headers {
    if (this.#headers) return this.#headers;
    const headers = new Headers();
    for (let i = 0; i < this.rawHeaders.length; i += 2) headers.append(this.rawHeaders[i]!, this.rawHeaders[i + 1]!);
    return (this.#headers = headers);
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
