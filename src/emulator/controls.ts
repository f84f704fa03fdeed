import {
  advanceJson,
  clockJson,
  keyViewJson,
  settleJson,
  statusJson,
  type ClockMode,
  type EmulatorControls,
  type FaultCommand,
} from "../core/emulator-views.js";
import type { EmulatorControl } from "./control.js";

/**
 * The embedded emulator's controls as every target shows them (src/core/emulator-views.ts): what the
 * CLI prints over a data directory and what the API server answers are made here, once.
 */
export class EmbeddedControls implements EmulatorControls {
  constructor(
    private readonly control: EmulatorControl,
    /** The site whose namespaces a region view looks in. */
    private readonly site: string,
  ) {}

  status() {
    return Promise.resolve(statusJson(this.control.status()));
  }

  setClock(mode: ClockMode) {
    return Promise.resolve(clockJson(this.control.setClock(mode)));
  }

  advance(ms: number) {
    return Promise.resolve(advanceJson(this.control.advance(ms), ms));
  }

  settle() {
    const settled = this.control.settle();
    return Promise.resolve(settleJson(settled, this.control.status()));
  }

  fault(command: FaultCommand, region: string) {
    const changed = this.control.fault(command, region);
    return Promise.resolve({ region, fault: command, changed });
  }

  inspect(namespace: string, key: string) {
    return Promise.resolve(keyViewJson(this.control.inspect(this.site, namespace, key), namespace));
  }
}
