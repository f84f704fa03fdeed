import { remoteErrors } from "../../core/remote-errors.js";
import type { Handler } from "../context.js";
import { DEFAULT_PROFILE, openUserConfig, profileName, readUserConfig } from "../../project/user-config.js";

/** `profile ls`: the stored profiles, the current one starred. */
export const listProfiles: Handler = async (ctx) => {
  const config = readUserConfig(ctx.io.env);
  const current = profileName(ctx.io.env, config);
  const rows = Object.entries(config.profiles ?? {}).map(([name, p]) => ({ name, apiUrl: p.apiUrl, site: p.site, current: name === current }));
  if (ctx.out.json) return ctx.out.printJson({ profiles: rows });
  if (rows.length === 0) return ctx.out.note(`No profiles. Log in with: yourspace login${current === DEFAULT_PROFILE ? "" : ` --profile ${current}`}`);
  for (const r of rows) await ctx.out.line(`${r.current ? "*" : " "} ${r.name}  ${r.apiUrl}  site ${r.site}`);
};

/** `profile use`: makes a stored profile the current one. */
export const useProfile: Handler = async (ctx, args) => {
  const name = args.name as string;
  const config = await openUserConfig(ctx.io.env);
  if (!config.has(`profiles.${name}`)) throw remoteErrors.profileMissing(name);
  config.set("currentProfile", name);
  if (ctx.out.json) return ctx.out.printJson({ currentProfile: name });
  ctx.out.success(`Commands now use profile ${name} (YOURSPACE_PROFILE overrides it).`);
};
