/**
 * The platform API contract: routes, header and query names, request and answer bodies, limits and
 * the status of every error. The HTTP client (src/client/) and the emulator's server (src/server/)
 * both import it from here, so they cannot disagree; docs/api.md describes the same contract for people.
 */
export { ROUTES, paths, SLASHES_BEFORE_KEY, METHODS, ENDPOINTS, endpointParts, type RouteName, type Endpoint } from "./routes.js";
export { AUTH_SCHEME, HEADERS, MEDIA, QUERY, PARAMS, PRECONDITIONS, encodeMetadataHeader, decodeMetadataHeader } from "./headers-and-query.js";
export * from "./request-bodies.js";
export * from "./wire.js";
export { conditionHeaders, conditionOf, ENTRY_CONDITION, entryConditionFromWire, PRECONDITION_NAMES } from "./conditions.js";
export { API_LIMITS } from "./limits.js";
export { STATUS, type ErrorBody } from "./status.js";
export * from "./wire-check.js";
