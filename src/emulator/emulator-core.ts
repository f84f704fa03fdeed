import type { Clock } from "../core/clock.js";
import { Engine } from "./kv/engine.js";
import { Ledger } from "./site/ledger.js";
import { SiteAdmin } from "./site/site-admin.js";
import { TokenStore } from "./site/tokens.js";
import type { Database } from "./store/sqlite.js";
import { openStore } from "./store/store.js";

/**
 * One open data directory: the store, the engine, the ledger and the site settings over it. A
 * process opens one and shares it: the CLI's LocalBackend, or the API server's backends, one per
 * token, all over the same core.
 */
export class EmulatorCore {
  readonly engine: Engine;
  readonly ledger: Ledger;
  readonly admin: SiteAdmin;
  readonly tokens: TokenStore;

  constructor(
    readonly db: Database,
    readonly dataDir: string,
    clock: Clock,
    client?: string,
  ) {
    this.engine = new Engine({ db, dataDir, clock, client });
    const now = () => this.engine.freshNow();
    // Audit records take the time the operation they follow already read.
    this.ledger = new Ledger(db, this.engine.usage, () => this.engine.now(), now);
    // Reads store no time of their own: the time they used is kept when their audit records are.
    this.ledger.alongFlush = () => this.engine.keepTime();
    // Only grouped writes (the API server's) hand their meters over; every other write stores its own.
    this.engine.usage.deferMeters = (site, period, writes, byteMs) => this.ledger.meterWrites(site, period, writes, byteMs);
    this.admin = new SiteAdmin(db, this.engine.usage, now);
    this.tokens = new TokenStore(db, now, this.engine.settings);
  }

  /** `onUpgrade`: see migrate (a store made by an earlier version). */
  static open(dataDir: string, clock: Clock, client?: string, onUpgrade?: (from: number, to: number) => void): EmulatorCore {
    return new EmulatorCore(openStore({ dataDir, now: clock.now(), onUpgrade }), dataDir, clock, client);
  }

  close(): void {
    this.ledger.flush();
    this.db.close();
  }
}
