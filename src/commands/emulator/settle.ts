import type { Handler } from "../context.js";

/** `kv emulator settle`: delivers every pending write a fault does not hold. */
export const settle: Handler = async (ctx) => {
  const { settled, held } = await (await ctx.emulatorControls()).settle();
  if (ctx.out.json) return ctx.out.printJson({ settled, held });
  ctx.out.success(`Delivered every pending write to ${settled.length ? settled.join(", ") : "no region"}.`);
  if (held.length) ctx.out.warn(`Held back by a fault: ${held.join(", ")}. Heal or resume them to let their writes through.`);
};
