// An EdgeOne Pages Function as written for Pages KV: onRequest(context), a namespace bound under the
// variable my_kv, and get's type as a string. Ported by renaming the binding: EdgeOne puts my_kv in
// scope as a global; yourspace gives it to the function as context.env.my_kv.
export async function onRequest(context) {
  const my_kv = context.env.my_kv;
  const user = new URL(context.request.url).searchParams.get("user");
  if (!user || !/^\w+$/.test(user)) {
    return new Response("Ask for ?user=<letters, digits or _>", { status: 400 });
  }
  if (context.request.method === "POST") {
    const item = await context.request.text();
    const cart = (await my_kv.get(`cart_${user}`, "json")) ?? [];
    cart.push(item);
    await my_kv.put(`cart_${user}`, JSON.stringify(cart));
    return Response.json({ user, items: cart });
  }
  const items = (await my_kv.get(`cart_${user}`, "json")) ?? [];
  const result = await my_kv.list({ prefix: "cart_" });
  return Response.json({ user, items, carts: result.keys.length, complete: result.complete });
}
