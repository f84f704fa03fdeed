import type { Server } from "node:http";
import { API_LIMITS } from "../contract/index.js";
import { systemClock, type Clock } from "../core/clock.js";
import { EmulatorCore, type GroupCommit, type TokenStore } from "../emulator/index.js";
import { ServerContext } from "./context.js";
import { serverWrites } from "./group-commit.js";
import { listen } from "./http/listen.js";
import { markStopping } from "./http/reply.js";
import { buildRouter } from "./routes/index.js";

export interface ServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  clock?: Clock;
  /** How long a client may take to send a whole request. */
  requestTimeoutMs?: number;
  /** Called before a store an earlier version made is migrated (seconds at millions of keys). */
  onStoreUpgrade?: () => void;
}

/** How often the server writes out gathered audit records and read meters, and after how many records at most. */
const LEDGER_FLUSH_MS = 200;
const LEDGER_FLUSH_RECORDS = 256;

/**
 * The platform API, served by the emulator over the same data directory as the embedded target:
 * a CLI process and the server see the same data, regions, clock and faults. `start()` resolves
 * once it listens; `stop()` resolves once it has finished.
 */
export class ApiServer {
  private constructor(
    private readonly server: Server,
    readonly core: EmulatorCore,
    readonly url: string,
    private readonly flushTimer: NodeJS.Timeout,
    /** The group commit that single-key writes (PUT and DELETE of a value) go through. */
    readonly writes: GroupCommit,
  ) {}

  get tokens(): TokenStore {
    return this.core.tokens;
  }

  get engine(): EmulatorCore["engine"] {
    return this.core.engine;
  }

  static async start(options: ServerOptions): Promise<ApiServer> {
    const core = EmulatorCore.open(options.dataDir, options.clock ?? systemClock, "server", options.onStoreUpgrade);
    // A server gathers audit records and looks at the settings once per turn of the event loop.
    core.ledger.flushAt = LEDGER_FLUSH_RECORDS;
    core.engine.settings.oncePerTurn = true;
    const writes = serverWrites(core);
    const router = buildRouter(new ServerContext(core, writes));
    let listening;
    try {
      listening = await listen(
        { host: options.host ?? "127.0.0.1", port: options.port ?? 8787, requestTimeoutMs: options.requestTimeoutMs ?? API_LIMITS.requestTimeoutMs },
        (req, res) => router.lookup(req, res),
      );
    } catch (e) {
      core.close();
      throw e;
    }
    const timer = setInterval(() => core.ledger.flush(), LEDGER_FLUSH_MS);
    timer.unref();
    return new ApiServer(listening.server, core, listening.url, timer, writes);
  }

  /** Stops accepting connections, lets requests in flight finish, then writes out the ledger and closes the store. */
  async stop(): Promise<void> {
    markStopping(this.server, true);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Connections idle now close at once; those busy close when their answer is sent (see send()).
      this.server.closeIdleConnections();
    });
    markStopping(this.server, false);
    clearInterval(this.flushTimer);
    this.writes.flush();
    this.core.close();
  }
}
