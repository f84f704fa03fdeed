import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EdgeRequest } from "../../src/dev/edge-request.js";

/**
 * The path routes match in yourspace dev is the pathname URL parsing gives the request's href, read
 * off the request's target without parsing when parsing would leave it as it is. Whatever the Host
 * and the target, the two agree, and a request URL parsing refuses is refused the same.
 */
function pathOrError(origin: string, target: string): { path?: string; error?: string } {
  try {
    return { path: EdgeRequest.pathnameOf(new EdgeRequest(origin + target, "GET", [], null, origin.length)) };
  } catch (e) {
    return { error: (e as Error).name };
  }
}

function parsed(href: string): { path?: string; error?: string } {
  try {
    return { path: new URL(href).pathname };
  } catch (e) {
    return { error: (e as Error).name };
  }
}

// The characters URL parsing treats specially in a path or an authority, and some it does not; dot segments whole.
const TRICKY = [
  "a",
  "Z",
  "0",
  "/",
  ".",
  "%",
  "2",
  "e",
  "E",
  "f",
  "?",
  "#",
  "\\",
  " ",
  "\t",
  "é",
  "~",
  ":",
  "@",
  "`",
  "{",
  "}",
  "^",
  "|",
  ";",
  "'",
  '"',
  "<",
  ">",
  "-",
  "_",
  "+",
  "[",
  "]",
  "%2e",
  "%2E",
  "/.",
  "/..",
];
const text = (min: number) => fc.array(fc.constantFrom(...TRICKY), { minLength: min, maxLength: 12 }).map((cs) => cs.join(""));

describe("the path yourspace dev's routes match", () => {
  it("is the URL's pathname, for any Host and target", () => {
    const hosts = fc.oneof(fc.constantFrom("localhost", "127.0.0.1:8787", "example.com", "a:", "u@h", "1.2.3.256", "a:99999", ""), text(0));
    fc.assert(
      fc.property(hosts, text(0), (host, rest) => {
        const origin = `http://${host}`;
        const target = `/${rest}`;
        expect(pathOrError(origin, target)).toEqual(parsed(origin + target));
      }),
      { numRuns: 20_000 },
    );
  });

  it("keeps a plain path as it came, and leaves dot segments and escapes to URL parsing", () => {
    const cases = ["/", "/a/b.txt", "/values/bench%2Fsmall", "/x?y=/../z", "/a/./b", "/a/../b", "/a/%2e%2E/b", "/a/.%2e", "/a b", "/a\\b", "/é", "/a#b"];
    for (const target of cases) expect(pathOrError("http://localhost:8787", target)).toEqual(parsed(`http://localhost:8787${target}`));
  });
});
