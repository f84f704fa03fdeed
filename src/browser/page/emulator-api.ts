/** The emulator's own routes: its status, its clock and faults, and what each region serves of a key. */
import { paths } from "../../contract/routes.js";
import type { AdvanceJson, ClockJson, ClockMode, FaultCommand, FaultJson, KeyViewJson, SettleJson, StatusJson } from "../../core/emulator-views.js";
import { callJson, jsonBody } from "./api.js";
import { keyPath } from "./kv-api.js";

export type EmulatorStatus = StatusJson;

export const emulatorStatus = () => callJson<StatusJson>(paths.emulator());
export const setClock = (mode: ClockMode) => callJson<ClockJson>(paths.emulatorClock(), { method: "POST", ...jsonBody({ mode }) });
export const advance = (ms: number) => callJson<AdvanceJson>(paths.emulatorAdvance(), { method: "POST", ...jsonBody({ ms }) });
export const settle = () => callJson<SettleJson>(paths.emulatorSettle(), { method: "POST", ...jsonBody({}) });
export const fault = (command: FaultCommand, region: string) =>
  callJson<FaultJson>(paths.emulatorFaults(), { method: "POST", ...jsonBody({ command, region }) });
export const regionsOf = async (site: string, ns: string, key: string) => callJson<KeyViewJson>(keyPath(paths.regions, site, ns, key));
