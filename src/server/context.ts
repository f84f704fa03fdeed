import type { IncomingMessage } from "node:http";
import { API_LIMITS, HEADERS } from "../contract/index.js";
import { apiErrors } from "../core/api-errors.js";
import { LocalBackend, type EmulatorCore, type GroupCommit, type TokenInfo } from "../emulator/index.js";
import { headerOf, requestFingerprint } from "./http/body.js";
import type { Reply } from "./http/reply.js";
import { IdempotentWrites, type OnceWrite } from "./idempotency.js";
import { actorOf } from "./authorize.js";

/** What the handlers share: the emulator, the emulator as each token, and the writes done once per Idempotency-Key. */
export class ServerContext {
  /** The emulator as each token's site and actor: made once per token (TokenStore gives one TokenInfo per token while it is cached). */
  private readonly backends = new WeakMap<TokenInfo, LocalBackend>();
  private readonly idempotency: IdempotentWrites;

  constructor(
    readonly core: EmulatorCore,
    writes: GroupCommit,
  ) {
    this.idempotency = new IdempotentWrites(core.db, writes, () => core.engine.freshNow());
  }

  backendFor(site: string, token: TokenInfo): LocalBackend {
    let kv = this.backends.get(token);
    if (!kv) {
      kv = new LocalBackend(this.core, site, actorOf(token), { kind: "embedded", description: "emulator server", site });
      this.backends.set(token, kv);
    }
    return kv;
  }

  /** Runs a write once per token and Idempotency-Key (the request's header), or simply runs it without one. */
  idempotent(req: IncomingMessage, token: TokenInfo, write: OnceWrite<Reply>): Promise<Reply> {
    const key = headerOf(req, HEADERS.idempotencyKey);
    if (key !== undefined && key.length > API_LIMITS.maxIdempotencyKey) {
      throw apiErrors.idempotencyKeyTooLong(key.length, API_LIMITS.maxIdempotencyKey);
    }
    const request = key === undefined ? "" : requestFingerprint(req);
    return this.idempotency.run({ site: token.site, token: token.id, request }, key, write);
  }
}
