import type { Handler } from "../context.js";
import { resolveTarget } from "../../project/target.js";

/** `whoami`: which target commands use now, and as whom. Never prints the token. */
export const whoami: Handler = async (ctx) => {
  const target = await resolveTarget(ctx.globals, ctx.io.env, ctx.io.cwd);
  const backend = await ctx.backend();
  if (target.kind === "embedded") {
    if (ctx.out.json) return ctx.out.printJson({ target: "embedded", site: backend.target.site, description: backend.target.description });
    return ctx.out.line(`${backend.target.description}: no login needed.`);
  }
  const who = await (backend as unknown as import("../../client/client.js").HttpBackend).whoami();
  if (ctx.out.json)
    return ctx.out.printJson({
      target: "remote",
      apiUrl: target.apiUrl,
      source: target.source,
      site: who.site,
      token: who.token,
      bindings: who.bindings ?? null,
    });
  const t = who.token;
  // A route token reaches what its route is bound to, each binding with its own access.
  const bindings = who.bindings
    ? who.bindings.length
      ? `, bound to ${who.bindings.map((b) => `${b.namespace} as ${b.variable} (${b.access})`).join(", ")}`
      : ", bound to nothing yet"
    : "";
  await ctx.out.line(
    `site ${who.site} at ${target.apiUrl} (${target.source}); ${t.kind} token ${t.id}` +
      `${t.kind === "route" ? "" : `, ${t.access}`}${t.namespaces ? `, namespaces ${t.namespaces.join(", ")}` : ""}${t.route ? `, route ${t.route}` : ""}${bindings}${t.expiresAt ? `, expires ${t.expiresAt}` : ""}`,
  );
};
