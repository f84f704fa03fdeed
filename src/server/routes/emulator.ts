import { API_LIMITS, BODIES, type AdvanceBody, type ClockBody, type FaultBody } from "../../contract/index.js";
import { emulatorErrors } from "../../core/emulator-errors.js";
import { FAULT_COMMANDS, type FaultCommand } from "../../core/emulator-views.js";
import { KvError } from "../../core/errors.js";
import { actorOf } from "../authorize.js";
import { readObject } from "../http/body.js";
import type { Reply } from "../http/reply.js";
import type { Call, Resource } from "../pipeline.js";

/**
 * The emulator's model, clock and faults: what `kv emulator status`, `clock`, `advance`, `settle`
 * and `partition|heal|pause|resume` show and do, answered as those commands print them with --json.
 * Each change is a record in the acting token's audit log: action `control`, namespace "" (it acts on
 * the whole emulator), the control in words as the key, the region it names (else home), and `ok`,
 * `unchanged` (a fault already as asked) or the error's code.
 */
export const emulator = {
  "GET emulator": {
    action: "read",
    handle: async ({ kv }) => ({ status: 200, json: await kv.controls().status() }),
  },

  "POST emulatorClock": {
    action: "control",
    handle: async (call) => {
      const { mode } = (await readObject(call.req, API_LIMITS.maxJsonBody, BODIES["POST emulatorClock"])) as unknown as ClockBody;
      if (mode !== "manual" && mode !== "real") throw emulatorErrors.clockModeUnknown(mode);
      return audited(call, `clock ${mode}`, null, () => call.kv.controls().setClock(mode));
    },
  },

  "POST emulatorAdvance": {
    action: "control",
    handle: async (call) => {
      const { ms } = (await readObject(call.req, API_LIMITS.maxJsonBody, BODIES["POST emulatorAdvance"])) as unknown as AdvanceBody;
      return audited(call, `advance ${ms}ms`, null, () => call.kv.controls().advance(ms));
    },
  },

  "POST emulatorSettle": {
    action: "control",
    handle: (call) => audited(call, "settle", null, () => call.kv.controls().settle()),
  },

  "POST emulatorFaults": {
    action: "control",
    handle: async (call) => {
      const { command, region } = (await readObject(call.req, API_LIMITS.maxJsonBody, BODIES["POST emulatorFaults"])) as unknown as FaultBody;
      if (!isFaultCommand(command)) throw emulatorErrors.faultCommandUnknown(command);
      return audited(
        call,
        command,
        region,
        () => call.kv.controls().fault(command, region),
        (answer) => (answer.changed ? "ok" : "unchanged"),
      );
    },
  },
} satisfies Resource;

function isFaultCommand(command: string): command is FaultCommand {
  return (FAULT_COMMANDS as readonly string[]).includes(command);
}

/** Runs a control and records it, or its failure, in the acting token's audit log; answers what it answered. */
async function audited<T>(
  { token, server }: Call,
  control: string,
  region: string | null,
  run: () => Promise<T>,
  outcomeOf: (answer: T) => string = () => "ok",
): Promise<Reply> {
  const { core } = server;
  const record = (outcome: string) =>
    core.ledger.write({
      site: token.site,
      actor: actorOf(token),
      action: "control",
      namespace: "",
      key: control,
      region: region ?? core.engine.homeRegion,
      outcome,
    });
  try {
    const answer = await run();
    record(outcomeOf(answer));
    return { status: 200, json: answer };
  } catch (e) {
    record(e instanceof KvError ? e.code : "INTERNAL");
    throw e;
  }
}
