import { describe, expect, it, onTestFinished } from "vitest";
import { HttpBackend } from "../../src/client/client.js";
import { ROUTES } from "../../src/contract/index.js";
import { ApiServer } from "../../src/server/server.js";
import { ManualClock } from "../../src/core/clock.js";
import { LIMITS } from "../../src/core/limits.js";
import { tempDir } from "../support/cli.js";
import { T0 } from "../support/engine.js";

/**
 * Names that are also words of the API's paths (a namespace called "values", a key "bulk/put", a
 * site called "namespaces") must round-trip like any other: the server finds each part of a path by
 * its position, never by searching for a word. Through the real client against the real server.
 */

/** Every fixed segment of every route, and a few more words a path parser might look for. */
const WORDS = [
  ...new Set(Object.values(ROUTES).flatMap((r) => r.split("/").filter((s) => s !== "" && !s.startsWith(":") && s !== "*"))),
  "v2",
  "default",
  "local",
  "value",
  "key",
].sort();

async function serve() {
  const server = await ApiServer.start({ dataDir: tempDir(), port: 0, clock: new ManualClock(T0) });
  onTestFinished(() => server.stop());
  const client = async (site: string) => {
    const { token } = server.tokens.create({ site });
    const backend = await HttpBackend.open({ apiUrl: server.url, token, site, retries: 0 });
    onTestFinished(() => backend.close());
    return backend;
  };
  return { server, client };
}

/** Keys made of a word: alone, with slashes around it, and beside other words of the paths. */
const keysOf = (w: string) => [
  w,
  `${w}/`,
  `/${w}`,
  `${w}/${w}`,
  `values/${w}`,
  `${w}/values/x`,
  `a/${w}/b`,
  `${w}?x=1`,
  `${w}%2F`,
  `sites/local/namespaces/default/values/${w}`,
];

/** Writes each key (one by one and in a bulk put), reads it back, lists it, deletes it: each step sees exactly that key. */
async function roundTrip(backend: HttpBackend, ns: string, given: string[]): Promise<void> {
  const keys = [...new Set(given)];
  for (const key of keys) {
    await backend.put(ns, key, { value: Buffer.from(`value of ${key}`) });
    const got = await backend.get(ns, key);
    expect(got.entry?.value.toString(), `${ns} ${key}`).toBe(`value of ${key}`);
    expect(got.entry?.key).toBe(key);
  }
  const bulk = keys.map((key) => ({ key: `bulk:${key}`, value: Buffer.from(key) }));
  expect((await backend.bulkPut(ns, bulk)).map((o) => o.outcome)).toEqual(bulk.map(() => "created"));
  for (const { key } of bulk) expect((await backend.get(ns, key)).entry?.value.toString(), `${ns} ${key}`).toBe(key.slice("bulk:".length));
  const listed = (await backend.list(ns, { prefix: "", cursor: null, limit: LIMITS.maxListLimit })).keys.map((k) => k.key);
  expect(listed, ns).toEqual([...keys, ...bulk.map((b) => b.key)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  for (const key of keys) {
    expect(await backend.delete(ns, [key], { force: false }), `${ns} ${key}`).toMatchObject({ deleted: [key], missing: [] });
    expect((await backend.get(ns, key)).entry, `${ns} ${key}`).toBeNull();
  }
  expect(
    (
      await backend.delete(
        ns,
        bulk.map((b) => b.key),
        { force: false },
      )
    ).deleted,
  ).toHaveLength(bulk.length);
}

describe("words of the API's paths as names", () => {
  it(`the reserved words are the routes' fixed segments: ${WORDS.join(", ")}`, () => {
    expect(WORDS).toEqual(
      expect.arrayContaining(["v1", "whoami", "sites", "namespaces", "keys", "values", "bulk", "put", "delete", "export", "bindings", "usage", "audit"]),
    );
  });

  it("each word as a key, and in keys, in the default namespace", async () => {
    const { client } = await serve();
    const backend = await client("local");
    await roundTrip(backend, "default", WORDS.flatMap(keysOf));
  });

  it("each word as a namespace, holding keys made of every word", async () => {
    const { client } = await serve();
    const backend = await client("local");
    for (const word of WORDS) {
      if (word !== "default") await backend.createNamespace(word);
      expect((await backend.listNamespaces()).map((n) => n.name)).toContain(word);
      await roundTrip(backend, word, [...keysOf(word), "values", "values/values", "k"]);
      if (word !== "default") await backend.removeNamespace(word);
    }
  });

  it("each word as a site, with a namespace of the same name", async () => {
    const { client } = await serve();
    for (const word of WORDS) {
      const backend = await client(word);
      expect((await backend.whoami()).site).toBe(word);
      await roundTrip(backend, "default", keysOf(word));
      if (word !== "default") await backend.createNamespace(word);
      await roundTrip(backend, word, ["values", `${word}/values/${word}`]);
      expect((await backend.usage()).site).toBe(word);
    }
  });
});
