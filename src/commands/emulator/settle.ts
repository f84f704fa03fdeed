import type { Handler } from "../context.js";

/** `kv emulator settle`: delivers every pending write a fault does not hold. */
export const settle: Handler = async (ctx) => {
  const control = (await ctx.emulator()).control();
  const settled = control.settle();
  const held = control
    .status()
    .regions.filter((r) => r.role === "edge" && !settled.includes(r.region))
    .map((r) => r.region);
  if (ctx.out.json) return ctx.out.printJson({ settled, held });
  ctx.out.success(`Delivered every pending write to ${settled.length ? settled.join(", ") : "no region"}.`);
  if (held.length) ctx.out.warn(`Held back by a fault: ${held.join(", ")}. Heal or resume them to let their writes through.`);
};
