import { API_LIMITS, BODIES, type SiteChangeBody, type WireSite } from "../../contract/index.js";
import { errors } from "../../core/errors.js";
import { isTier } from "../../core/tiers.js";
import { readObject } from "../http/body.js";
import type { Resource } from "../pipeline.js";

/** The site's settings: its tier and how long its audit log is kept. */
export const site = {
  "GET site": {
    action: "read",
    handle: async ({ kv }) => {
      const { site, tier, auditRetentionDays } = await kv.usage();
      return { status: 200, json: { site, tier, auditRetentionDays } satisfies WireSite };
    },
  },

  "PATCH site": {
    action: "admin",
    handle: async ({ req, kv }) => {
      const doc = (await readObject(req, API_LIMITS.maxJsonBody, BODIES["PATCH site"])) as SiteChangeBody;
      if (doc.tier !== undefined && !isTier(doc.tier)) throw errors.usage(`There is no tier ${JSON.stringify(doc.tier)}.`, "See docs/api.md for the tiers.");
      return { status: 200, json: (await kv.updateSite({ tier: doc.tier as never, auditRetentionDays: doc.auditRetentionDays })) satisfies WireSite };
    },
  },
} satisfies Resource;
