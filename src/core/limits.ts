/** The platform's limits. The emulator enforces exactly these so that code cannot pass locally and fail in production. */
export const LIMITS = {
  /** Largest key, in bytes of UTF-8. */
  maxKeyBytes: 512,
  /** Largest value: 1 MiB. */
  maxValueBytes: 1_048_576,
  /** Largest metadata object, serialised as JSON, in bytes of UTF-8. */
  maxMetadataBytes: 1_024,
  /** Shortest time to live, in seconds. */
  minTtlSeconds: 60,
  /** Most keys in one list page. */
  maxListLimit: 1_000,
  /** Most entries, or keys, one bulk write or delete takes (the platform API's per-request limit). */
  maxBulkEntries: 1_000,
  /** Most keys a site may hold, whatever its tier. */
  maxKeysPerSite: 5_000_000,
  /** Namespace names: what a name may contain. */
  namespacePattern: /^[a-z0-9][a-z0-9_-]{0,62}$/,
} as const;

export const DEFAULT_NAMESPACE = "default";
export const DEFAULT_SITE = "local";
