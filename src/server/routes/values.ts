import { decodeMetadataHeader, encodeMetadataHeader, HEADERS, isoOrNull, MEDIA, QUERY } from "../../contract/index.js";
import { inputErrors } from "../../core/input-errors.js";
import { apiErrors } from "../../core/api-errors.js";
import { errors, KvError } from "../../core/errors.js";
import { LIMITS } from "../../core/limits.js";
import { validateMetadata } from "../../core/validate.js";
import { headerOf, readBody } from "../http/body.js";
import { booleanParam, consistencyOf, keyOf, numberParam, PARAMS_HINT } from "../params.js";
import type { Resource } from "../pipeline.js";

/**
 * One value: read, written, removed. The value's GET answers in the tick it arrives; its PUT and
 * DELETE join the group commit (src/server/group-commit.ts). A PUT or DELETE with a precondition
 * (If-Match, If-None-Match) is decided at home inside that commit, as the embedded target decides it.
 */
export const values = {
  "GET value": {
    action: "read",
    handle: ({ req, kv, params, query }) => {
      const key = keyOf(req);
      const cacheTtl = query.get(QUERY.cacheTtl);
      const { entry, read } = kv.getNow(params.ns!, key, {
        region: query.get(QUERY.region) ?? undefined,
        consistency: consistencyOf(query),
        ...(cacheTtl !== null && { cacheTtlMs: numberParam(QUERY.cacheTtl, cacheTtl) * 1000 }),
      });
      const headers = [HEADERS.region, read.region, HEADERS.servedFrom, read.servedFrom, HEADERS.ageMs, String(read.ageMs)];
      if (read.version) headers.push(HEADERS.version, read.version);
      if (!entry) {
        const where = query.has(QUERY.region) ? `${read.region}, ${consistencyOf(query)} read` : undefined;
        return { status: 404, json: errors.keyNotFound(key, params.ns!, where).toJSON(), headers };
      }
      if (entry.expiresAt !== null) headers.push(HEADERS.expiresAt, isoOrNull(entry.expiresAt)!);
      if (entry.metadata !== null) headers.push(HEADERS.metadata, encodeMetadataHeader(entry.metadata));
      headers.push(HEADERS.contentType, MEDIA.value);
      return { status: 200, body: entry.value, headers };
    },
  },

  "PUT value": {
    action: "write",
    handle: async ({ req, token, kv, params, query, server, onlyIf }) => {
      const key = keyOf(req);
      const value = await readBody(req, LIMITS.maxValueBytes, (size) => inputErrors.valueTooLarge(size));
      const metadata = metadataOf(headerOf(req, HEADERS.metadata));
      const ttl = query.get(QUERY.ttl);
      const expiresAt = query.get(QUERY.expiresAt);
      if (ttl !== null && expiresAt !== null) throw errors.usage(`Give ${QUERY.ttl} or ${QUERY.expiresAt}, not both.`, PARAMS_HINT);
      const input = {
        value,
        ...(metadata !== undefined && { metadata }),
        ...(ttl !== null && { ttlSeconds: numberParam(QUERY.ttl, ttl) }),
        ...(expiresAt !== null && { expiresAt: numberParam(QUERY.expiresAt, expiresAt) * 1000 }),
      };
      const region = query.get(QUERY.region) ?? undefined;
      return server.idempotent(req, token, {
        grouped: () => ({ status: 200, json: kv.putNow(params.ns!, key, input, { region, ...(onlyIf && { onlyIf }) }) }),
        aborted: (error) => kv.failed("write", params.ns!, [key], region, error),
      });
    },
  },

  "DELETE value": {
    action: "write",
    handle: ({ req, token, kv, params, query, server, onlyIf }) => {
      const key = keyOf(req);
      const region = query.get(QUERY.region) ?? undefined;
      const force = booleanParam(QUERY.force, query.get(QUERY.force));
      return server.idempotent(req, token, {
        grouped: () => ({ status: 200, json: kv.deleteNow(params.ns!, [key], { force, region, ...(onlyIf && { onlyIf }) }) }),
        aborted: (error) => kv.failed("delete", params.ns!, [key], region, error),
      });
    },
  },
} satisfies Resource;

/** The metadata header's object, checked as every target checks metadata. */
function metadataOf(header: string | undefined): Record<string, unknown> | undefined {
  if (header === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = decodeMetadataHeader(header);
  } catch (e) {
    if (e instanceof KvError) throw e;
    throw apiErrors.metadataHeaderInvalid(HEADERS.metadata);
  }
  return validateMetadata(parsed);
}
