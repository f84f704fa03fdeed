import { errors, KvError } from "../core/errors.js";
import type { Handler } from "./context.js";
import { readLimited } from "../terminal/input.js";
import { checkApiUrl, PLATFORM_API_URL, resolveTarget } from "../project/target.js";
import { DEFAULT_PROFILE, openUserConfig, profileName, readUserConfig, type Profile } from "../project/user-config.js";

/** `login`: checks a token against the API and stores it in the user's profile (mode 0600). */
export const login: Handler<{ profile?: string }> = async (ctx, _args, opts) => {
  // Stored as the origin requests go to: the token will be sent there and nowhere else (src/project/target.ts).
  const apiUrl = ctx.globals.apiUrl
    ? checkApiUrl(ctx.globals.apiUrl, "--api-url")
    : ctx.io.env.YOURSPACE_API_URL
      ? checkApiUrl(ctx.io.env.YOURSPACE_API_URL, "YOURSPACE_API_URL")
      : PLATFORM_API_URL;
  let token = ctx.globals.token ?? ctx.io.env.YOURSPACE_TOKEN;
  if (!token && ctx.io.stdin.isTTY !== true) token = (await readLimited(ctx.io.stdin, 4096)).toString("utf8").trim();
  if (!token && ctx.interactive) token = (await ctx.prompter.secret(`Token for ${apiUrl}`)) ?? undefined;
  if (!token) throw errors.usage("No token given.", "Pass --token, pipe the token on stdin, or run login at a terminal to be asked for it.");

  const { HttpBackend } = await import("../client/client.js");
  const api = await HttpBackend.open({ apiUrl, token, site: null });
  let who;
  try {
    who = await api.whoami();
  } finally {
    await api.close();
  }
  const config = await openUserConfig(ctx.io.env);
  const name = opts.profile ?? profileName(ctx.io.env, config.store);
  const profile: Profile = { apiUrl, token, site: who.site };
  config.set(`profiles.${name}`, profile);
  if (!config.get("currentProfile")) config.set("currentProfile", name);
  if (ctx.out.json) return ctx.out.printJson({ profile: name, apiUrl, site: who.site, token: who.token, configPath: config.path });
  ctx.out.success(`Logged in to site ${who.site} at ${apiUrl} as profile ${name} (${who.token.kind} token, ${who.token.access}). Credentials are in ${config.path}.`);
};

export const logout: Handler<{ profile?: string }> = async (ctx, _args, opts) => {
  const config = await openUserConfig(ctx.io.env);
  const name = opts.profile ?? profileName(ctx.io.env, config.store);
  const existed = config.has(`profiles.${name}`);
  config.delete(`profiles.${name}` as "profiles");
  if (config.get("currentProfile") === name) config.delete("currentProfile");
  if (ctx.out.json) return ctx.out.printJson({ profile: name, removed: existed });
  if (existed) ctx.out.success(`Logged out: profile ${name} and its token are removed.`);
  else ctx.out.note(`There was no profile ${name}; nothing changed.`);
};

/** `whoami`: which target commands use now, and as whom. Never prints the token. */
export const whoami: Handler = async (ctx) => {
  const target = await resolveTarget(ctx.globals, ctx.io.env, ctx.io.cwd);
  const backend = await ctx.backend();
  if (target.kind === "embedded") {
    if (ctx.out.json) return ctx.out.printJson({ target: "embedded", site: backend.target.site, description: backend.target.description });
    return ctx.out.line(`${backend.target.description}: no login needed.`);
  }
  const who = await (backend as unknown as import("../client/client.js").HttpBackend).whoami();
  if (ctx.out.json) return ctx.out.printJson({ target: "remote", apiUrl: target.apiUrl, source: target.source, site: who.site, token: who.token, bindings: who.bindings ?? null });
  const t = who.token;
  // A route token reaches what its route is bound to, each binding with its own access.
  const bindings = who.bindings ? (who.bindings.length ? `, bound to ${who.bindings.map((b) => `${b.namespace} as ${b.variable} (${b.access})`).join(", ")}` : ", bound to nothing yet") : "";
  await ctx.out.line(
    `site ${who.site} at ${target.apiUrl} (${target.source}); ${t.kind} token ${t.id}` +
      `${t.kind === "route" ? "" : `, ${t.access}`}${t.namespaces ? `, namespaces ${t.namespaces.join(", ")}` : ""}${t.route ? `, route ${t.route}` : ""}${bindings}${t.expiresAt ? `, expires ${t.expiresAt}` : ""}`,
  );
};

export const listProfiles: Handler = async (ctx) => {
  const config = readUserConfig(ctx.io.env);
  const current = profileName(ctx.io.env, config);
  const rows = Object.entries(config.profiles ?? {}).map(([name, p]) => ({ name, apiUrl: p.apiUrl, site: p.site, current: name === current }));
  if (ctx.out.json) return ctx.out.printJson({ profiles: rows });
  if (rows.length === 0) return ctx.out.note(`No profiles. Log in with: yourspace login${current === DEFAULT_PROFILE ? "" : ` --profile ${current}`}`);
  for (const r of rows) await ctx.out.line(`${r.current ? "*" : " "} ${r.name}  ${r.apiUrl}  site ${r.site}`);
};

export const useProfile: Handler = async (ctx, args) => {
  const name = args.name as string;
  const config = await openUserConfig(ctx.io.env);
  if (!config.has(`profiles.${name}`)) throw new KvError("NOT_FOUND", `There is no profile ${name}.`, `Create it with: yourspace login --profile ${name}`);
  config.set("currentProfile", name);
  if (ctx.out.json) return ctx.out.printJson({ currentProfile: name });
  ctx.out.success(`Commands now use profile ${name} (YOURSPACE_PROFILE overrides it).`);
};
