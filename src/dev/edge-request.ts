/**
 * The request a launch-post handler gets: a standard Request whose `url` is a URL, as the post's
 * `req.url.pathname` uses it. Handlers of Cloudflare's and EdgeOne's shapes get a plain Request
 * (standardRequest), whose url is a string, as on those platforms.
 */
const standardUrl = Object.getOwnPropertyDescriptor(Request.prototype, "url")!.get!;

export class EdgeRequest extends Request {
  #url: URL | undefined;

  // @ts-expect-error The platform's handler sees a URL where the standard has a string.
  override get url(): URL {
    return (this.#url ??= new URL(standardUrl.call(this) as string));
  }
}

/** The same request with its standard string url, for handlers written for other platforms. */
export function standardRequest(request: EdgeRequest): Request {
  return new Request(request.url.href, request);
}
