import { invalidate } from "./cache.js";

/** POST /invalidate?tag=<tag>: drops every cached page carrying the tag. */
export default async function invalidateTag(req, ctx) {
  if (req.method !== "POST") return new Response("POST /invalidate?tag=<tag>\n", { status: 405, headers: { allow: "POST" } });
  const tag = req.url.searchParams.get("tag");
  if (!tag) return Response.json({ error: "Name the tag: /invalidate?tag=products" }, { status: 400 });
  const invalidated = await invalidate(ctx.env.CACHE, tag);
  return Response.json({ tag, invalidated });
}
