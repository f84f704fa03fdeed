import { kv } from "yourspace:edge";

/**
 * The home page, in the version the flag flags/homepage-v2 chooses, read on every request. The read
 * is the region's own copy (eventual): a flag set at home reaches every region within the
 * consistency model's Δ, so for that long some regions still serve the old page.
 */
export default async function home(req, ctx) {
  const flag = await kv.getWithMetadata("flags/homepage-v2");
  const v2 = flag.value === "on";
  const page = v2 ? "<h1>Welcome to the new home page</h1>" : "<h1>Welcome</h1>";
  return new Response(`<!doctype html>\n<title>Home</title>\n${page}\n`, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      // Which version of the page this is, and how fresh the flag was: handy while rolling out.
      "x-homepage": v2 ? "v2" : "v1",
      "x-flag-served-from": `${flag.region} ${flag.servedFrom}`,
    },
  });
}
