import { resolve } from "node:path";
import type { Handler } from "../context.js";

/** `kv emulator record <file>|off`. */
export const record: Handler = async (ctx, args) => {
  const target = args.file as string;
  const path = target === "off" ? null : resolve(ctx.io.cwd, target);
  (await ctx.emulator()).control().record(path);
  if (ctx.out.json) return ctx.out.printJson({ recording: path });
  if (path) ctx.out.success(`Every process using this data directory now appends its operations to ${path}. Stop with: yourspace kv emulator record off`);
  else ctx.out.success("Recording stopped.");
};
