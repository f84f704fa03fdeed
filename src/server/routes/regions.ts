import { validateKey } from "../../core/validate.js";
import { keyOf } from "../params.js";
import type { Resource } from "../pipeline.js";

/**
 * What each region serves of a key now, and when home's newest write becomes visible there: `kv
 * inspect --json`. A view changes nothing and, as the command's does, leaves no audit record; a token
 * sees it where it may read the namespace.
 */
export const regions = {
  "GET regions": {
    action: "read",
    handle: async ({ req, kv, params }) => {
      const key = keyOf(req);
      validateKey(key);
      return { status: 200, json: await kv.controls().inspect(params.ns!, key) };
    },
  },
} satisfies Resource;
