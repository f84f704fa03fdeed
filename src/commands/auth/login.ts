import { errors } from "../../core/errors.js";
import type { Handler } from "../context.js";
import { readLimited } from "../../terminal/input.js";
import { checkApiUrl, PLATFORM_API_URL } from "../../project/target.js";
import { openUserConfig, profileName, type Profile } from "../../project/user-config.js";

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
  // A damaged config is reported before the token is sent anywhere: it could not be stored.
  const config = await openUserConfig(ctx.io.env);

  const { HttpBackend } = await import("../../client/client.js");
  const api = await HttpBackend.open({ apiUrl, token, site: null });
  let who;
  try {
    who = await api.whoami();
  } finally {
    await api.close();
  }
  const name = opts.profile ?? profileName(ctx.io.env, config.store);
  const profile: Profile = { apiUrl, token, site: who.site };
  config.set(`profiles.${name}`, profile);
  if (!config.get("currentProfile")) config.set("currentProfile", name);
  if (ctx.out.json) return ctx.out.printJson({ profile: name, apiUrl, site: who.site, token: who.token, configPath: config.path });
  ctx.out.success(
    `Logged in to site ${who.site} at ${apiUrl} as profile ${name} (${who.token.kind} token, ${who.token.access}). Credentials are in ${config.path}.`,
  );
};
