import { kv } from "yourspace:edge";
import { recall, remember } from "./cache.js";

/**
 * GET /products/<id>: the product page, from the cache when it holds one (x-cache: hit), else
 * rendered from products/<id> in the default namespace and cached with the tags "products" and
 * "product:<id>" (x-cache: miss). The product data is read-only here; the cache is ctx.env.CACHE.
 */
export default async function products(req, ctx) {
  const id = req.url.pathname.slice("/products/".length);
  const path = `products/${id}`;
  const cached = await recall(ctx.env.CACHE, path);
  if (cached) return page(cached.page, "hit");

  const product = await kv.get(`products/${id}`, "json");
  if (!product) return new Response(`No product ${id}.\n`, { status: 404 });
  const html = `<!doctype html>\n<title>${escapeHtml(product.name)}</title>\n<h1>${escapeHtml(product.name)}</h1>\n<p>${escapeHtml(String(product.price))}</p>\n`;
  await remember(ctx.env.CACHE, path, html, ["products", `product:${id}`]);
  return page(html, "miss");
}

function page(html, cache) {
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "x-cache": cache } });
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
