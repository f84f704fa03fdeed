/**
 * A cache with tag-based invalidation (the "edge caching" use case): a rendered page is stored under
 * cache/<path> with the tags it depends on; each tag keeps an index of the entries that carry it as
 * keys, tags/<tag>/<path>, so invalidating a tag is a list of its prefix and a delete of each entry.
 * KV has no sets: the keyspace is the index, and a list never reads a value.
 */

/** How long an entry may live even if nothing invalidates it. */
const TTL_SECONDS = 60 * 60;

/** Stores `page` for `path` with its tags: the entry first, then one index key per tag. */
export async function remember(cache, path, page, tags) {
  const entry = { page, tags, cachedAt: new Date().toISOString() };
  await cache.put(`cache/${path}`, JSON.stringify(entry), { expirationTtl: TTL_SECONDS });
  for (const tag of tags) await cache.put(`tags/${tag}/${path}`, "", { expirationTtl: TTL_SECONDS });
}

/** The cached entry for `path`, or null. */
export function recall(cache, path) {
  return cache.get(`cache/${path}`, "json");
}

/** Deletes every entry tagged `tag`, and the tag's index; answers how many entries went. */
export async function invalidate(cache, tag) {
  const prefix = `tags/${tag}/`;
  let removed = 0;
  let page;
  do {
    page = await cache.list({ prefix, cursor: page?.cursor });
    for (const { name } of page.keys) {
      await cache.delete(`cache/${name.slice(prefix.length)}`);
      await cache.delete(name);
      removed++;
    }
  } while (!page.list_complete);
  return removed;
}
