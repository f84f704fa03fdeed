import type { WireUsage } from "../../contract/index.js";
import type { Resource } from "../pipeline.js";

/** The site's usage this billing period, its storage and its ceilings. */
export const usage = {
  "GET usage": {
    action: "read",
    handle: async ({ kv }) => ({ status: 200, json: (await kv.usage()) satisfies WireUsage }),
  },
} satisfies Resource;
