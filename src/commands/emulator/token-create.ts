import { parseDuration } from "../../core/duration.js";
import { errors } from "../../core/errors.js";
import { DEFAULT_SITE, LIMITS } from "../../core/limits.js";
import type { Handler } from "../context.js";
import { isoOrNull } from "../../terminal/format.js";

interface TokenOptions {
  namespace?: string[];
  readOnly?: boolean;
  expiresIn?: string;
  route?: string;
}

/** `kv emulator token create`: a token for a site (created if needed), printed once on stdout. */
export const createToken: Handler<TokenOptions> = async (ctx, _args, opts) => {
  const site = ctx.globals.site ?? DEFAULT_SITE;
  if (!LIMITS.namespacePattern.test(site)) throw errors.usage(`"${site}" is not a valid site name.`, "Site names are 1 to 63 of a-z, 0-9, '-' and '_'.");
  const emulator = await ctx.emulator();
  const now = emulator.control().status().clock.now;
  const scoped = opts.namespace !== undefined || opts.readOnly === true;
  if (opts.route !== undefined && scoped)
    throw errors.usage(
      "A route token reaches what its route is bound to; --namespace and --read-only do not apply.",
      "Change the route's bindings with yourspace kv bind.",
    );
  const { token, info } = emulator.tokens().create({
    site,
    kind: opts.route !== undefined ? "route" : scoped ? "scoped" : "site",
    route: opts.route ?? null,
    access: opts.readOnly ? "read-only" : "read-write",
    namespaces: opts.namespace ?? null,
    expiresAt: opts.expiresIn === undefined ? null : now + parseDuration(opts.expiresIn, "--expires-in"),
  });
  if (ctx.out.json) {
    await ctx.out.printJson({
      token,
      site: info.site,
      kind: info.kind,
      access: info.access,
      namespaces: info.namespaces,
      route: info.route,
      expiresAt: isoOrNull(info.expiresAt),
    });
  } else {
    await ctx.out.line(token);
    // A route token's reach is its route's bindings as they stand when it is used, not an access of its own.
    const reach =
      info.route !== null
        ? `, reaching what route ${info.route} is bound to`
        : `${info.namespaces ? `, namespaces ${info.namespaces.join(", ")}` : ""}, ${info.access}`;
    ctx.out.hint(
      `A ${info.kind} token for site ${info.site}${reach}${info.expiresAt ? `, until ${isoOrNull(info.expiresAt)}` : ""}. It is shown only this once.`,
    );
  }
};
