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
  readonly #originLength: number;

  /**
   * `rawHeaders`: names and values in turn, as node:http gives them. `originLength`: how much of
   * `href` is the origin ("http://host"), the rest being the request's target as it came; 0 if unknown.
   */
  constructor(
    private readonly href: string,
    readonly method: string,
    private readonly rawHeaders: readonly string[],
    private readonly content: Uint8Array | null,
    originLength = 0,
  ) {
    this.#originLength = originLength;
  }

  get url(): URL {
    return (this.#url ??= new URL(this.href));
  }

  /**
   * The URL's pathname, what routes match: read off the request's target when URL parsing would
   * leave it as it is, so a request whose handler never looks at its url is never parsed (a good
   * part of a small request's cost).
   */
  static pathnameOf(request: EdgeRequest): string {
    if (request.#url) return request.#url.pathname;
    const { href } = request;
    const originLength = request.#originLength;
    if (originLength > 0 && plainOrigin(href.slice(0, originLength))) {
      const query = href.indexOf("?", originLength);
      const path = query < 0 ? href.slice(originLength) : href.slice(originLength, query);
      if (plainPath(path)) return path;
    }
    return request.url.pathname;
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

/**
 * The characters of a path URL parsing keeps as they are: none it percent-encodes, strips or reads
 * as a separator (space, quotes, <>, ?, #, backslash, `, {}, ^, |, controls, non-ASCII).
 */
const PLAIN_CHARS = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/%") PLAIN_CHARS[c.charCodeAt(0)] = 1;

/**
 * Whether URL parsing keeps `path` as it is: plain characters only, and no segment a parser may
 * remove ("." or "..", "%2e" being a dot there): any "/." or "%2e" is left to URL. A loop rather than
 * regular expressions: it runs for every request.
 */
function plainPath(path: string): boolean {
  if (path.charCodeAt(0) !== SLASH) return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 128 || PLAIN_CHARS[c] === 0) return false;
    if (c === DOT && path.charCodeAt(i - 1) === SLASH) return false;
    if (c === PERCENT && path.charCodeAt(i + 1) === TWO && (path.charCodeAt(i + 2) | 0x20) === LOWER_E) return false;
  }
  return true;
}
const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const TWO = 0x32;
const LOWER_E = 0x65;

let lastOrigin = "";
let lastOriginPlain = false;

/**
 * Whether `origin` ("http://" and a Host header) ends where URL parsing ends the authority, so that
 * a plain path after it is the pathname: it parses, with "/" after it, to the path "/" and nothing
 * else. A server's requests nearly all carry the same Host, so the last answer is kept.
 */
function plainOrigin(origin: string): boolean {
  if (origin === lastOrigin) return lastOriginPlain;
  let plain = false;
  try {
    const url = new URL(`${origin}/`);
    plain = url.pathname === "/" && url.search === "" && url.hash === "";
  } catch {
    // Not a URL: the request's url says so when it is made.
  }
  lastOrigin = origin;
  lastOriginPlain = plain;
  return plain;
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
