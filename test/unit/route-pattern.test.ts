import { describe, expect, it } from "vitest";
import { KvError } from "../../src/core/errors.js";
import { parseRoutePattern } from "../../src/core/route-pattern.js";

describe("route patterns (yourspace.jsonc routes[].pattern, kv bind --route)", () => {
  it.each([
    ["/login", "/login", true],
    ["/login", "/login/", false],
    ["/login", "/log", false],
    ["/admin/*", "/admin/users", true],
    ["/admin/*", "/admin/", true],
    ["/admin/*", "/admin", false],
    ["/api*", "/api", true],
    ["/api*", "/apis/x", true],
    ["*", "/anything/at/all", true],
    ["/", "/", true],
    ["/", "/x", false],
  ])("%s matches %s: %s", (pattern, path, matches) => {
    expect(parseRoutePattern(pattern).matches(path)).toBe(matches);
  });

  it.each(["", "admin", "/a*b", "/a/**", "/a?b", "/a#b", "/a b", "/a\u0000", `/${"x".repeat(1024)}`])("refuses %j with INVALID_ROUTE", (pattern) => {
    const thrown = (() => {
      try {
        parseRoutePattern(pattern);
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(KvError);
    expect((thrown as KvError).code).toBe("INVALID_ROUTE");
    expect((thrown as KvError).hint).not.toMatch(/--/);
  });
});
