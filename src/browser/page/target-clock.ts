/**
 * The target's time, which expiries and region views are measured against: the emulator's clock
 * (manual: stopped where it was set; real: the system clock plus the offset a manual clock left), or
 * the browser's clock for a remote target.
 */
import { useEffect, useState } from "preact/hooks";
import { afterFirstPage } from "./first-page.js";
import { emulatorStatus, type EmulatorStatus } from "./emulator-api.js";

export interface TargetClock {
  status: EmulatorStatus | null;
  now: number;
  refresh: () => Promise<void>;
}

export function useTargetClock(emulator: boolean): TargetClock {
  const [status, setStatus] = useState<EmulatorStatus | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = async () => {
    if (emulator) setStatus(await afterFirstPage(emulatorStatus));
  };
  useEffect(() => void refresh().catch(() => undefined), [emulator]);
  const manual = status?.clock.mode === "manual";
  // A running clock moves the countdowns once a second; a manual one moves only when advanced.
  useEffect(() => {
    if (manual) return;
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [manual]);
  void tick;
  const now = status === null ? Date.now() : manual ? Date.parse(status.clock.now) : Date.now() + status.clock.offsetMs;
  return { status, now, refresh };
}
