import type { Statement } from "better-sqlite3";
import type { Settings } from "../settings.js";
import type { Database } from "../store/sqlite.js";
import { errors } from "../../core/errors.js";

type TokenKind = "site" | "scoped" | "route";
type Access = "read-only" | "read-write";

export interface TokenInfo {
  id: string;
  site: string;
  kind: TokenKind;
  access: Access;
  /** Namespaces the token may reach; null for all of the site's. */
  namespaces: string[] | null;
  route: string | null;
  expiresAt: number | null;
}

export interface CreateToken {
  site: string;
  kind?: TokenKind;
  access?: Access;
  namespaces?: string[] | null;
  route?: string | null;
  expiresAt?: number | null;
}

interface TokenRow {
  id: string;
  hash: Buffer;
  site: string;
  kind: TokenKind;
  access: Access;
  namespaces: string | null;
  route: string | null;
  expires_at: number | null;
  revoked_at: number | null;
}

// node:crypto is loaded when a token is first made or checked, not when the emulator is: most
// commands never do either, and loading it costs each of them a few milliseconds of start-up.
const crypto = () => process.getBuiltinModule("node:crypto");
const sha256 = (text: string): Buffer => crypto().createHash("sha256").update(text).digest();

export const TOKEN_LIMITS = {
  /** The longest token accepted, made or given (`emulator start --token`): made ones are 50 characters. */
  maxLength: 1024,
  /** Printable ASCII, no spaces: what a bearer token in a header can carry. */
  pattern: /^[\x21-\x7e]+$/,
  /** The most tokens the cache holds before it starts over. */
  maxCached: 10_000,
} as const;

/**
 * Sites and their bearer tokens, kept in the data directory's store so a running emulator server
 * sees tokens created by another process. Only a hash of each token is stored.
 */
export class TokenStore {
  private readonly byHash: Statement;
  /**
   * Tokens found in the store since it last changed, with what they grant; another process's change
   * empties it. Only tokens the store holds are kept, so a flood of made-up tokens adds nothing, and
   * what it holds is bounded by the tokens created (each at most TOKEN_LIMITS.maxLength characters).
   */
  private readonly cache = new Map<string, { row: TokenRow; info: TokenInfo }>();
  private cachedChars = 0;
  private seen = -1;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    /** Tells when another process has committed (its stamp moves): the cache is then dropped. */
    private readonly settings: Settings,
  ) {
    this.byHash = db.prepare("SELECT * FROM tokens WHERE hash = ?");
  }

  /** Creates the site if needed and returns a new token for it: the only time the secret exists in clear. */
  create(request: CreateToken, given?: string): { token: string; info: TokenInfo } {
    if (given !== undefined && (given.length === 0 || given.length > TOKEN_LIMITS.maxLength || !TOKEN_LIMITS.pattern.test(given))) {
      throw errors.tokenTextInvalid(TOKEN_LIMITS.maxLength);
    }
    const id = crypto().randomBytes(6).toString("hex");
    const token = given ?? `ys_${id}_${crypto().randomBytes(24).toString("base64url")}`;
    const info: TokenInfo = {
      id,
      site: request.site,
      kind: request.kind ?? "site",
      access: request.access ?? "read-write",
      namespaces: request.namespaces ?? null,
      route: request.route ?? null,
      expiresAt: request.expiresAt ?? null,
    };
    this.forget();
    this.db
      .transaction(() => {
        const now = this.now();
        this.db.prepare("INSERT OR IGNORE INTO sites (name, created_at) VALUES (?, ?)").run(info.site, now);
        this.db.prepare("INSERT OR IGNORE INTO namespaces (site, name, created_at) VALUES (?, 'default', ?)").run(info.site, now);
        // A token given again (emulator start --token T, restarted) keeps working: same hash, same grant.
        this.db
          .prepare("INSERT OR IGNORE INTO tokens (id, hash, site, kind, access, namespaces, route, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .run(id, sha256(token), info.site, info.kind, info.access, info.namespaces ? JSON.stringify(info.namespaces) : null, info.route, info.expiresAt, now);
      })
      .immediate();
    return { token, info };
  }

  /** How much the cache holds: for tests of its bound. */
  get cacheStats(): { entries: number; chars: number } {
    return { entries: this.cache.size, chars: this.cachedChars };
  }

  private forget(): void {
    this.cache.clear();
    this.cachedChars = 0;
  }

  private lookup(token: string): { row: TokenRow; info: TokenInfo } | undefined {
    this.settings.refresh();
    if (this.settings.stamp !== this.seen) {
      this.forget();
      this.seen = this.settings.stamp;
    }
    const cached = this.cache.get(token);
    if (cached !== undefined) return cached;
    // Longer than any token can be: not looked up, not even hashed.
    if (token.length > TOKEN_LIMITS.maxLength) return undefined;
    const row = this.byHash.get(sha256(token)) as TokenRow | undefined;
    if (row === undefined) return undefined;
    const found = { row, info: infoOf(row) };
    if (this.cache.size >= TOKEN_LIMITS.maxCached) this.forget();
    this.cache.set(token, found);
    this.cachedChars += token.length;
    return found;
  }

  /** Resolves a bearer token, or throws UNAUTHENTICATED saying why. */
  verify(token: string | undefined): TokenInfo {
    if (!token) throw errors.tokenMissing();
    // Looked up by hash, so a token given with `emulator start --token` may have any form.
    const found = this.lookup(token);
    if (!found) {
      throw errors.tokenInvalid();
    }
    const { row, info } = found;
    if (row.revoked_at !== null) throw errors.tokenRevoked();
    if (row.expires_at !== null && row.expires_at <= this.now()) {
      throw errors.tokenExpired(new Date(row.expires_at).toISOString());
    }
    // The same object for every request with this token, until the store changes: read, never changed.
    return info;
  }
}

function infoOf(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    site: row.site,
    kind: row.kind,
    access: row.access,
    namespaces: row.namespaces ? (JSON.parse(row.namespaces) as string[]) : null,
    route: row.route,
    expiresAt: row.expires_at,
  };
}
