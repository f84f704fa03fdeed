import type { Handler } from "../context.js";
import { openUserConfig, profileName } from "../../project/user-config.js";

/** `logout`: removes a profile and its token. */
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
