import type {
  AdvanceJson,
  ClockJson,
  ClockMode,
  EmulatorControls,
  FaultCommand,
  FaultJson,
  KeyViewJson,
  SettleJson,
  StatusJson,
} from "../core/emulator-views.js";
import { emulatorErrors } from "../core/emulator-errors.js";
import { KvError } from "../core/errors.js";
import { validateKey } from "../core/validate.js";
import { advanceBody, clockBody, faultBody, isAdvance, isClock, isEmulatorStatus, isFault, isKeyView, isSettle, paths } from "../contract/index.js";
import { JSON_BODY } from "./request-headers.js";
import type { RequestSpec, Transport } from "./transport.js";

/**
 * The controls and region views of an emulator's API server, answered as the embedded emulator
 * answers them (the same JSON). A platform that is not an emulator has no such routes: its 404 is
 * reported as that, not as a missing page.
 */
export class HttpEmulatorControls implements EmulatorControls {
  constructor(
    private readonly http: Transport,
    private readonly site: string,
  ) {}

  status(): Promise<StatusJson> {
    return this.ask({ method: "GET", path: paths.emulator(), repeatable: true }, isEmulatorStatus);
  }

  // The controls are not repeated: advancing twice is not advancing once.
  setClock(mode: ClockMode): Promise<ClockJson> {
    return this.ask({ method: "POST", path: paths.emulatorClock(), body: clockBody(mode), headers: JSON_BODY, repeatable: false }, isClock);
  }

  advance(ms: number): Promise<AdvanceJson> {
    return this.ask({ method: "POST", path: paths.emulatorAdvance(), body: advanceBody(ms), headers: JSON_BODY, repeatable: false }, isAdvance);
  }

  settle(): Promise<SettleJson> {
    return this.ask({ method: "POST", path: paths.emulatorSettle(), repeatable: false }, isSettle);
  }

  fault(command: FaultCommand, region: string): Promise<FaultJson> {
    return this.ask({ method: "POST", path: paths.emulatorFaults(), body: faultBody(command, region), headers: JSON_BODY, repeatable: false }, isFault);
  }

  async inspect(namespace: string, key: string): Promise<KeyViewJson> {
    validateKey(key);
    try {
      return this.http.json<KeyViewJson>(await this.http.call({ method: "GET", path: paths.regions(this.site, namespace, key), repeatable: true }), isKeyView);
    } catch (e) {
      // A site's route may answer 404 for a site of its own: only an API without the emulator's routes is not an emulator.
      if (isNotFound(e)) await this.status();
      throw e;
    }
  }

  private async ask<T>(spec: RequestSpec, valid: (doc: unknown) => boolean): Promise<T> {
    try {
      return this.http.json<T>(await this.http.call(spec), valid);
    } catch (e) {
      throw isNotFound(e) ? emulatorErrors.notAnEmulator(this.http.apiUrl) : e;
    }
  }
}

const isNotFound = (e: unknown): boolean => e instanceof KvError && e.code === "NOT_FOUND";
