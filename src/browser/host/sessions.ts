import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A browser signed in: its CSRF token, which the page reads once and sends with every change. */
export interface Session {
  csrf: string;
}

/** Secrets minted and not yet used, at most: the oldest is forgotten first (a URL nobody opened). */
const MAX_UNUSED_SECRETS = 64;
/** Sessions at most; each comes from one secret, so only many sign-ins reach this. The oldest goes first. */
const MAX_SESSIONS = 256;

/** 32 random bytes, base64url: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Kept by their SHA-256, never as given: looking one up in a map then tells nothing about how close a
 * guess came (the time a string comparison takes would).
 */
function digest(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/**
 * The host's one-time secrets and the sessions they become. A secret is printed in a URL; the first
 * request that brings it gets a session (a cookie) and the secret is spent. Both live only in this
 * process: a restarted host signs everyone out.
 */
export class Sessions {
  private readonly unused = new Set<string>();
  private readonly sessions = new Map<string, Session>();

  /** A fresh one-time secret. */
  mint(): string {
    const secret = randomToken();
    this.unused.add(digest(secret));
    if (this.unused.size > MAX_UNUSED_SECRETS) this.unused.delete(this.unused.values().next().value!);
    return secret;
  }

  /** Spends a secret: a new session's id, or undefined for a secret never minted or already used. */
  redeem(secret: string): { id: string; session: Session } | undefined {
    if (!TOKEN_PATTERN.test(secret) || !this.unused.delete(digest(secret))) return undefined;
    const id = randomToken();
    const session = { csrf: randomToken() };
    this.sessions.set(digest(id), session);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return { id, session };
  }

  /** The session of an id a cookie holds, if it is one. */
  find(id: string): Session | undefined {
    return TOKEN_PATTERN.test(id) ? this.sessions.get(digest(id)) : undefined;
  }
}

/** The session of a request's Cookie header: the value of `name` that is a live session's id. */
export function sessionOf(sessions: Sessions, cookieHeader: string | undefined, name: string): Session | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    const found = sessions.find(part.slice(at + 1).trim());
    if (found) return found;
  }
  return undefined;
}

/** A fresh key for a discovery file: whoever holds it may mint secrets. */
export function mintKey(): string {
  return randomToken();
}

/** Whether `given` is `expected` (a CSRF token, a mint key), compared in constant time. */
export function sameSecret(expected: string, given: string | undefined): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given ?? "");
  return a.length === b.length && timingSafeEqual(a, b);
}
