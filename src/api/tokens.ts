import { createHash, randomBytes } from "node:crypto";
import type { Statement } from "better-sqlite3";
import type { Settings } from "../emulator/settings.js";
import type { Database } from "../emulator/store.js";
import { KvError } from "../core/errors.js";

export type TokenKind = "site" | "scoped" | "route";
export type Access = "read-only" | "read-write";

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

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();

/**
 * Sites and their bearer tokens, kept in the data directory's store so a running emulator server
 * sees tokens created by another process. Only a hash of each token is stored.
 */
export class TokenStore {
  private readonly byHash: Statement;
  /** Tokens looked up since the store last changed, with what they grant; another process's change empties it. */
  private readonly cache = new Map<string, { row: TokenRow; info: TokenInfo } | null>();
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
    const id = randomBytes(6).toString("hex");
    const token = given ?? `ys_${id}_${randomBytes(24).toString("base64url")}`;
    const info: TokenInfo = {
      id,
      site: request.site,
      kind: request.kind ?? "site",
      access: request.access ?? "read-write",
      namespaces: request.namespaces ?? null,
      route: request.route ?? null,
      expiresAt: request.expiresAt ?? null,
    };
    this.cache.clear();
    this.db.transaction(() => {
      const now = this.now();
      this.db.prepare("INSERT OR IGNORE INTO sites (name, created_at) VALUES (?, ?)").run(info.site, now);
      this.db.prepare("INSERT OR IGNORE INTO namespaces (site, name, created_at) VALUES (?, 'default', ?)").run(info.site, now);
      // A token given again (emulator start --token T, restarted) keeps working: same hash, same grant.
      this.db
        .prepare("INSERT OR IGNORE INTO tokens (id, hash, site, kind, access, namespaces, route, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(id, sha256(token), info.site, info.kind, info.access, info.namespaces ? JSON.stringify(info.namespaces) : null, info.route, info.expiresAt, now);
    }).immediate();
    return { token, info };
  }

  private lookup(token: string): { row: TokenRow; info: TokenInfo } | undefined {
    this.settings.refresh();
    if (this.settings.stamp !== this.seen) {
      this.cache.clear();
      this.seen = this.settings.stamp;
    }
    let found = this.cache.get(token);
    if (found === undefined) {
      const row = this.byHash.get(sha256(token)) as TokenRow | undefined;
      found = row ? { row, info: infoOf(row) } : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(token, found);
    }
    return found ?? undefined;
  }

  /** Resolves a bearer token, or throws UNAUTHENTICATED saying why. */
  verify(token: string | undefined): TokenInfo {
    if (!token) throw new KvError("UNAUTHENTICATED", "The request has no bearer token.", "Send Authorization: Bearer <token>; create one with: yourspace kv emulator token create --site <site>");
    // Looked up by hash, so a token given with `emulator start --token` may have any form.
    const found = this.lookup(token);
    if (!found) {
      throw new KvError("UNAUTHENTICATED", "The token is not valid.", "Check YOURSPACE_TOKEN or --token, or log in again with: yourspace login");
    }
    const { row, info } = found;
    if (row.revoked_at !== null) throw new KvError("UNAUTHENTICATED", "The token has been revoked.", "Log in again with a current token: yourspace login");
    if (row.expires_at !== null && row.expires_at <= this.now()) {
      throw new KvError("UNAUTHENTICATED", `The token expired at ${new Date(row.expires_at).toISOString()}.`, "Create a new token and log in again: yourspace login");
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
