import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import type { EdgeKvError, KvBinding } from "yourspace:edge";
import { ok } from "../support/kv.js";
import { devProject, startDevProcess, type Cleanup } from "../support/dev-process.js";

/**
 * One function that runs the KV call a request's JSON body names, through the default binding, and
 * answers what came back or the EdgeKvError with everything on it. `bigBy` passes `by` as a bigint.
 * The same function serves a read-write route and a read-only one.
 */
const OP = `import { kv, EdgeKvError } from "yourspace:edge";

export default async function (req: Request) {
  const { op, key, value, options = {}, bigBy } = await req.json();
  if (bigBy !== undefined) options.by = BigInt(bigBy);
  try {
    const result =
      op === "put" ? await kv.put(key, value, options)
      : op === "delete" ? await kv.delete(key, options)
      : op === "incr" ? await kv.incr(key, options)
      : await kv.getWithMetadata(key, { type: "text", consistency: "strong" });
    return Response.json({ type: typeof result, result: typeof result === "bigint" ? String(result) : (result ?? null) });
  } catch (e) {
    if (!(e instanceof EdgeKvError)) throw e;
    return Response.json({ code: e.code, message: e.message, hint: e.hint, version: e.version === undefined ? "undefined" : e.version, details: e.details }, { status: 409 });
  }
}
`;

interface Answer {
  type?: string;
  result?: any;
  code?: string;
  message?: string;
  hint?: string;
  version?: string | null;
  details?: Record<string, unknown> | null;
}

async function devSite(cleanup?: Cleanup) {
  const project = devProject(
    {
      "yourspace.jsonc": JSON.stringify({
        routes: [
          { pattern: "/op", function: "op", kv: "read-write" },
          { pattern: "/read-only", function: "op", kv: "read-only" },
        ],
      }),
      "functions/op.ts": OP,
    },
    cleanup,
  );
  await ok(project.kv("emulator", "config", "--profile", "yourspace", "--regions", "iad*,fra,sin"));
  await ok(project.kv("emulator", "clock", "manual"));
  const dev = await startDevProcess(project, [], { cleanup });
  const call = async (body: Record<string, unknown>, options: { region?: string; path?: string } = {}): Promise<Answer> => {
    const answer = await dev.fetch(options.path ?? "/op", { method: "POST", body: JSON.stringify(body), region: options.region });
    expect([200, 409]).toContain(answer.status);
    return (await answer.json()) as Answer;
  };
  return { project, dev, call };
}

/**
 * One site for the tests of a describe that each use keys of their own and change nothing the
 * whole site sees (the clock, a partition): a dev process costs about half a second of CPU to start.
 */
function sharedDevSite(): () => Promise<Awaited<ReturnType<typeof devSite>>> {
  const undo: (() => void | Promise<void>)[] = [];
  let site: ReturnType<typeof devSite> | undefined;
  afterAll(async () => {
    for (const step of undo.reverse()) await step();
  });
  return () => (site ??= devSite((step) => undo.push(step)));
}

/** What home holds of a key, from the CLI in another process. */
async function atHome(project: ReturnType<typeof devProject>, key: string): Promise<{ value: string; version: string } | null> {
  const read = await project.kv("get", key, "--json");
  if (read.code === 3) return null;
  const { value, version } = JSON.parse(read.out) as { value: string; version: string };
  return { value, version };
}

/** Messages and hints are for a function's author: they never name a CLI flag. */
function expectNoFlags(answer: Answer) {
  expect(`${answer.message} ${answer.hint}`).not.toMatch(/--[a-z]/);
}

describe("conditional writes from a function, decided at home", () => {
  const shared = sharedDevSite();

  it("create-if-absent: of racing requests exactly one wins; the others get CONDITION_FAILED with the winner's version", async () => {
    const { project, call } = await shared();
    const racers = Array.from({ length: 8 }, (_, n) => call({ op: "put", key: "claims/slot", value: `racer-${n}`, options: { onlyIf: { version: null } } }));
    const answers = await Promise.all(racers);
    const winners = answers.filter((a) => a.code === undefined);
    expect(winners).toHaveLength(1);
    const home = (await atHome(project, "claims/slot"))!;
    expect(home.value).toBe(`racer-${answers.indexOf(winners[0]!)}`);
    for (const lost of answers.filter((a) => a.code !== undefined)) {
      expect(lost).toMatchObject({ code: "CONDITION_FAILED", version: home.version, details: { key: "claims/slot", expected: null, current: home.version } });
      expect(lost.message).toBe(`The key "claims/slot" already exists at home (version ${home.version}); nothing was written.`);
      expectNoFlags(lost);
    }
  });

  it("compare-and-set with the version from getWithMetadata: a stale version fails, a retry with the error's version succeeds", async () => {
    const { project, call } = await shared();
    await ok(project.kv("set", "flags/beta", "off"));
    const read = await call({ op: "read", key: "flags/beta" });
    const seen = read.result.version as string;
    expect(await call({ op: "put", key: "flags/beta", value: "on", options: { onlyIf: { version: seen } } })).toEqual({ type: "undefined", result: null });
    const afterFirst = (await atHome(project, "flags/beta"))!;
    expect(afterFirst.value).toBe("on");

    // A second admin still holding the version read before the first write.
    const stale = await call({ op: "put", key: "flags/beta", value: "off", options: { onlyIf: { version: seen } } });
    expect(stale).toMatchObject({ code: "CONDITION_FAILED", version: afterFirst.version });
    expect(stale.message).toBe(`The key "flags/beta" is at version ${afterFirst.version} at home, not ${seen}; nothing was written.`);
    expect(await atHome(project, "flags/beta")).toEqual(afterFirst);

    expect((await call({ op: "put", key: "flags/beta", value: "off", options: { onlyIf: { version: stale.version } } })).code).toBeUndefined();
    expect((await atHome(project, "flags/beta"))!.value).toBe("off");
  });

  it("docs/edge.md's compare-and-set loop loses no update when requests race", async () => {
    const project = devProject({
      "yourspace.jsonc": JSON.stringify({ routes: [{ pattern: "/tag", function: "tag", kv: "read-write" }] }),
      // Every request's first read happens before any of them writes: they all race on one version.
      "functions/tag.ts": `import { kv, EdgeKvError } from "yourspace:edge";
const readers: (() => void)[] = [];
function allHaveRead(count: number): Promise<void> {
  return new Promise((resolve) => {
    readers.push(resolve);
    if (readers.length === count) for (const go of readers.splice(0)) go();
  });
}

export default async function (req: { url: URL }) {
  const tag = req.url.searchParams.get("t");
  let tries = 0;
  for (;;) {
    tries++;
    const read = await kv.getWithMetadata("flags/tags", { type: "json", consistency: "strong" });
    if (tries === 1) await allHaveRead(Number(req.url.searchParams.get("of")));
    const tags = [...((read.value as string[] | null) ?? []), tag];
    try {
      await kv.put("flags/tags", JSON.stringify(tags), { onlyIf: { version: read.version } });
      return Response.json({ tries });
    } catch (e) {
      if (!(e instanceof EdgeKvError && e.code === "CONDITION_FAILED")) throw e;
    }
  }
}
`,
    });
    const dev = await startDevProcess(project);
    const tags = Array.from({ length: 8 }, (_, n) => `t${n}`);
    const answers = await Promise.all(tags.map((t) => dev.fetch(`/tag?t=${t}&of=${tags.length}`, { region: t === "t0" ? "iad" : "fra" })));
    const tries = await Promise.all(answers.map(async (a) => ((await a.json()) as { tries: number }).tries));
    expect(JSON.parse((await ok(project.kv("get", "flags/tags"))).out).sort()).toEqual(tags);
    // All read one version: one wrote with it, every other was refused and read again.
    expect(tries.filter((n) => n === 1)).toHaveLength(1);
  });

  it("delete onlyIf removes the key only at the version given", async () => {
    const { project, call } = await shared();
    await ok(project.kv("set", "sessions/a", "alice"));
    const first = (await atHome(project, "sessions/a"))!;
    await ok(project.kv("set", "sessions/a", "alice, again"));
    const current = (await atHome(project, "sessions/a"))!;

    const refused = await call({ op: "delete", key: "sessions/a", options: { onlyIf: { version: first.version } } });
    expect(refused).toMatchObject({ code: "CONDITION_FAILED", version: current.version });
    expect(await atHome(project, "sessions/a")).toEqual(current);

    expect((await call({ op: "delete", key: "sessions/a", options: { onlyIf: { version: current.version } } })).code).toBeUndefined();
    expect(await atHome(project, "sessions/a")).toBeNull();
    // Gone: no version meets the condition any more.
    expect(await call({ op: "delete", key: "sessions/a", options: { onlyIf: { version: current.version } } })).toMatchObject({
      code: "CONDITION_FAILED",
      version: null,
    });
  });

  it("refuses a malformed condition as bad input, writing nothing", async () => {
    const { project, call } = await shared();
    const cases: [unknown, RegExp][] = [
      [{}, /^onlyIf must be \{ version: "<version>" \} or \{ version: null \}, not an object without a version\.$/],
      ["00000000000000000001", /not the string "00000000000000000001"/],
      [{ version: 7 }, /^onlyIf\.version must be a version string or null, not number 7\.$/],
      [{ version: "v1" }, /v1/],
    ];
    for (const [onlyIf, message] of cases) {
      const answer = await call({ op: "put", key: "k", value: "x", options: { onlyIf } });
      expect(answer.code).toBe("USAGE");
      expect(answer.message).toMatch(message);
      expectNoFlags(answer);
    }
    // A removal only when the key does not exist would remove nothing.
    expect((await call({ op: "delete", key: "k", options: { onlyIf: { version: null } } })).code).toBe("USAGE");
    expect(await atHome(project, "k")).toBeNull();
  });
});

describe("kv.incr", () => {
  const shared = sharedDevSite();

  it("counts at home and answers the new value as a number; by adds any signed amount", async () => {
    const { project, call } = await shared();
    for (const expected of [1, 2, 3]) expect(await call({ op: "incr", key: "hits" })).toEqual({ type: "number", result: expected });
    expect(await call({ op: "incr", key: "hits", options: { by: 10 } })).toEqual({ type: "number", result: 13 });
    expect(await call({ op: "incr", key: "hits", options: { by: -20 } })).toEqual({ type: "number", result: -7 });
    expect((await atHome(project, "hits"))!.value).toBe("-7");
  });

  it("answers a bigint where a number would be rounded, and for a bigint increment", async () => {
    const { project, call } = await shared();
    await ok(project.kv("set", "big", String(Number.MAX_SAFE_INTEGER)));
    expect(await call({ op: "incr", key: "big" })).toEqual({ type: "bigint", result: "9007199254740992" });
    expect(await call({ op: "incr", key: "small", bigBy: "5" })).toEqual({ type: "bigint", result: "5" });
    expect(await call({ op: "incr", key: "big", bigBy: String(2n ** 62n) })).toEqual({ type: "bigint", result: String(2n ** 62n + 9007199254740992n) });
  });

  it("refuses a value that is not a decimal integer with its type, and an overflow, writing nothing", async () => {
    const { project, call } = await shared();
    await ok(project.kv("set", "greeting", "hello"));
    const greeting = (await atHome(project, "greeting"))!;
    const notCounter = await call({ op: "incr", key: "greeting" });
    expect(notCounter).toMatchObject({
      code: "NOT_A_COUNTER",
      version: greeting.version,
      details: { key: "greeting", version: greeting.version, type: expect.any(String), preview: expect.stringContaining("hello") },
    });
    expect(notCounter.message).toContain(`holds ${notCounter.details!.type as string}`);
    expectNoFlags(notCounter);
    expect(await atHome(project, "greeting")).toEqual(greeting);

    await ok(project.kv("set", "full", "9223372036854775807"));
    const full = (await atHome(project, "full"))!;
    const overflow = await call({ op: "incr", key: "full" });
    expect(overflow).toMatchObject({ code: "COUNTER_OVERFLOW", version: full.version, details: { current: "9223372036854775807", by: "1" } });
    expectNoFlags(overflow);
    expect(await atHome(project, "full")).toEqual(full);
  });

  it("refuses a bad increment or TTL as bad input, writing nothing", async () => {
    const { project, call } = await shared();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ by: 0 }, "USAGE", /is 0, which would change nothing/],
      [{ by: 1.5 }, "USAGE", /"1\.5" is not a signed 64-bit integer/],
      [{ by: "2" }, "USAGE", /^by must be a whole number or a bigint, not the string "2"\.$/],
      [{ by: 2 ** 60 }, "USAGE", /beyond 2\^53 − 1, where a number is not exact/],
      [{ expirationTtl: "60" }, "USAGE", /^expirationTtl is seconds, a number, not string\.$/],
      [{ expirationTtl: 5 }, "INVALID_EXPIRY", /^The time to live is 5 s; the minimum is 60 s\.$/],
    ];
    for (const [options, code, message] of cases) {
      const answer = await call({ op: "incr", key: "refused-hits", options });
      expect(answer.code, JSON.stringify(options)).toBe(code);
      expect(answer.message).toMatch(message);
      expectNoFlags(answer);
    }
    expect(await atHome(project, "refused-hits")).toBeNull();
  });

  it("sets the TTL when it creates the counter, so the window's counter expires and counting starts again", async () => {
    const { project, call } = await devSite();
    expect((await call({ op: "incr", key: "window", options: { expirationTtl: 60 } })).result).toBe(1);
    expect((await call({ op: "incr", key: "window", options: { expirationTtl: 600 } })).result).toBe(2);
    await ok(project.kv("emulator", "advance", "60s"));
    expect(await atHome(project, "window")).toBeNull();
    expect((await call({ op: "incr", key: "window", options: { expirationTtl: 60 } })).result).toBe(1);
  });

  it("is refused on a read-only route, where the data is, and writes nothing", async () => {
    const { project, call } = await shared();
    const refused = await call({ op: "incr", key: "ro-hits" }, { path: "/read-only" });
    expect(refused.code).toBe("PERMISSION_DENIED");
    expect(refused.message).toContain("read-only");
    expect(refused.version).toBe("undefined");
    expect((await call({ op: "put", key: "ro-hits", value: "1", options: { onlyIf: { version: null } } }, { path: "/read-only" })).code).toBe(
      "PERMISSION_DENIED",
    );
    expect(await atHome(project, "ro-hits")).toBeNull();
  });

  it("goes to home from an edge; in a region partitioned from home it fails with UNAVAILABLE and writes nothing", async () => {
    const { project, dev, call } = await devSite();
    expect((await call({ op: "incr", key: "hits" }, { region: "fra" })).result).toBe(1);
    expect((await call({ op: "incr", key: "hits" }, { region: "sin" })).result).toBe(2);
    await ok(project.kv("emulator", "partition", "sin"));
    // The server's own log line of the refused increment, waited for: log lines go out in batches.
    const logged = dev.nextEvent((e) => e.event === "request" && e.region === "sin" && e.kv?.[0]?.error !== undefined);
    const refused = await call({ op: "incr", key: "hits" }, { region: "sin" });
    expect(refused.code).toBe("UNAVAILABLE");
    expect(refused.message).toContain("partitioned");
    expectNoFlags(refused);
    const conditional = await call({ op: "put", key: "new", value: "x", options: { onlyIf: { version: null } } }, { region: "sin" });
    expect(conditional.code).toBe("UNAVAILABLE");
    expect((await atHome(project, "hits"))!.value).toBe("2");
    expect(await atHome(project, "new")).toBeNull();
    expect((await call({ op: "incr", key: "hits" }, { region: "fra" })).result).toBe(3);

    expect((await logged).kv).toEqual([{ op: "incr", binding: "default", key: "hits", error: "UNAVAILABLE" }]);
  });

  it("is audited with the route as actor", async () => {
    const { project, call } = await shared();
    expect((await call({ op: "incr", key: "audited-hits" }, { region: "fra" })).result).toBe(1);
    const rows = JSON.parse((await ok(project.kv("audit", "--actor", "route:/op", "--json"))).out) as
      | { action: string; key: string; region: string; outcome: string }[]
      | { entries: { action: string; key: string; region: string; outcome: string }[] };
    const entries = (Array.isArray(rows) ? rows : rows.entries).map(({ action, key, region, outcome }) => ({ action, key, region, outcome }));
    expect(entries).toContainEqual({ action: "incr", key: "audited-hits", region: "fra", outcome: "ok" });
  });
});

describe("types/edge.d.ts", () => {
  it("declares onlyIf, incr's answers and the error's version as the runtime has them (tsc checks this)", () => {
    const uses = async (kv: KvBinding) => {
      expectTypeOf(kv.put("k", "v", { onlyIf: { version: null } })).toEqualTypeOf<Promise<void>>();
      expectTypeOf(kv.delete("k", { onlyIf: { version: "00000000000000000001" } })).toEqualTypeOf<Promise<void>>();
      // @ts-expect-error a removal's condition names a version
      void kv.delete("k", { onlyIf: { version: null } });
      expectTypeOf(await kv.incr("hits", { expirationTtl: 60 })).toEqualTypeOf<number | bigint>();
      expectTypeOf(await kv.incr("hits", { by: 2n ** 60n })).toEqualTypeOf<bigint>();
    };
    expectTypeOf(uses).toBeFunction();
    expectTypeOf<EdgeKvError["version"]>().toEqualTypeOf<string | null | undefined>();
  });
});
