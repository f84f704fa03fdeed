import { inputErrors } from "../core/input-errors.js";
import { errors, KvError } from "../core/errors.js";
import { LIMITS } from "../core/limits.js";
import { EdgeKvError } from "./edge-error.js";
import type { KvPort } from "./protocol.js";
import { bytesOf, readOptionsOf, valueAs } from "./values.js";
import { conditionOf, counterValue, incrementOf, keyOf, secondsOf } from "./write-options.js";

/** The most keys one bulk get takes, as Cloudflare's. */
const MAX_BULK_GET = 100;

/**
 * One KV binding as a function sees it (the SDK's `kv`, or `ctx.env.VARIABLE`): Cloudflare Workers
 * KV's methods and answers, with EdgeOne's names where they differ, so ported code needs only the
 * binding renamed. Every call goes to the host by variable; what the route may do is decided there.
 */
export function createBinding(port: KvPort, variable: string) {
  const binding = {
    get(key: string | string[], type?: unknown): Promise<unknown> {
      // settle() inlined: the commonest call of all makes no closure.
      try {
        const options = readOptionsOf(type);
        if (Array.isArray(key)) {
          if (key.length > MAX_BULK_GET)
            throw errors.usage(`A bulk get takes at most ${MAX_BULK_GET} keys, not ${key.length}.`, "Split the keys into several gets.");
          if (options.type === "arrayBuffer" || options.type === "stream") throw errors.usage(`A bulk get reads "text" or "json", not "${options.type}".`);
          const found = new Map<string, unknown>();
          for (const k of key) {
            const read = port.get(variable, keyOf(k), options);
            found.set(k, read.value === null ? null : valueAs(read.value, options.type));
          }
          return Promise.resolve(found);
        }
        const read = port.get(variable, keyOf(key), options);
        return Promise.resolve(read.value === null ? null : valueAs(read.value, options.type));
      } catch (e) {
        return Promise.reject(edgeError(e));
      }
    },

    getWithMetadata(key: string, type?: unknown) {
      return settle(() => {
        const options = readOptionsOf(type);
        const read = port.get(variable, keyOf(key), options);
        return {
          value: read.value === null ? null : valueAs(read.value, options.type),
          metadata: read.value === null ? null : read.metadata,
          version: read.version,
          region: read.region,
          servedFrom: read.servedFrom,
          ageMs: read.ageMs,
        };
      });
    },

    async put(key: string, value: unknown, options?: { expiration?: unknown; expirationTtl?: unknown; metadata?: unknown; onlyIf?: unknown }): Promise<void> {
      // A stream is read whole before anything is written.
      let bytes: Uint8Array;
      try {
        keyOf(key);
        bytes = await bytesOf(value);
      } catch (e) {
        throw edgeError(e);
      }
      return settle(() => {
        // Cloudflare's put takes null metadata as none, as ported code passes it.
        const metadata = options?.metadata ?? undefined;
        const expiration = secondsOf("expiration", options?.expiration, "epoch seconds");
        const expirationTtl = secondsOf("expirationTtl", options?.expirationTtl, "seconds");
        // As the API refuses ttl with expires_at: neither silently wins.
        if (expiration !== undefined && expirationTtl !== undefined) throw inputErrors.expiryConflict();
        const onlyIf = conditionOf(options?.onlyIf);
        port.put(variable, keyOf(key), bytes, { expiration, expirationTtl, metadata, ...(onlyIf && { onlyIf }) });
      });
    },

    delete(key: string, options?: { onlyIf?: unknown }): Promise<void> {
      return settle(() => {
        const onlyIf = conditionOf(options?.onlyIf);
        port.delete(variable, keyOf(key), onlyIf ? { onlyIf } : {});
      });
    },

    /** Adds `by` (default 1) to the counter at home and answers its new value (write-options.ts counterValue). */
    incr(key: string, options?: { by?: unknown; expirationTtl?: unknown }): Promise<number | bigint> {
      return settle(() => {
        const by = incrementOf(options?.by);
        const expirationTtl = secondsOf("expirationTtl", options?.expirationTtl, "seconds");
        return counterValue(port.incr(variable, keyOf(key), { by, expirationTtl }), options?.by);
      });
    },

    list(options?: { prefix?: unknown; limit?: unknown; cursor?: unknown }) {
      return settle(() => {
        const { limit = LIMITS.maxListLimit, cursor = null } = options ?? {};
        // null is every key, as Cloudflare's list takes it (a search parameter that is absent, say).
        const prefix = options?.prefix ?? "";
        if (typeof prefix !== "string") throw errors.usage(`prefix must be a string, not ${typeof prefix}.`);
        if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > LIMITS.maxListLimit) throw inputErrors.limitInvalid(String(limit));
        if (cursor !== null && typeof cursor !== "string") throw inputErrors.cursorInvalid();
        const page = port.list(variable, { prefix, limit, cursor: cursor === "" ? null : cursor });
        const complete = page.cursor === null;
        return { keys: page.keys, list_complete: complete, complete, cursor: page.cursor ?? undefined };
      });
    },
  };
  return Object.freeze(binding);
}

export type KvBinding = ReturnType<typeof createBinding>;

/** Runs a host call and answers as a promise, as the platform's SDKs do; errors become EdgeKvError. */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (e) {
    return Promise.reject(edgeError(e));
  }
}

function edgeError(e: unknown): unknown {
  if (e instanceof EdgeKvError) return e;
  if (e instanceof KvError) return new EdgeKvError(e.code, e.message, e.hint ?? null, e.details ?? null);
  return e;
}
