// A Cloudflare Worker as written for Workers KV: the module syntax, env.KV and its options object.
// It runs under `yourspace dev` as it is; the only change in porting it is where the binding is
// declared (yourspace.jsonc's "KV" instead of wrangler.toml's kv_namespaces).
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "site";
    const settings = await env.KV.get(`settings:${name}`, { type: "json", cacheTtl: 60 });
    if (settings === null) {
      return new Response(`No settings named ${name}`, { status: 404 });
    }
    const { keys } = await env.KV.list({ prefix: "settings:" });
    return Response.json({ name, settings, known: keys.map((key) => key.name) });
  },
};
