/** The emulator's clock (manual or real), moving it forward, and delivering what is pending. */
import { useState } from "preact/hooks";
import type { ClockMode, StatusJson } from "../../core/emulator-views.js";
import { formatDuration, parseDuration } from "./format.js";

const STEPS = [100, 1000, 10_000, 60_000];

interface Props {
  status: StatusJson;
  onClock: (mode: ClockMode) => void;
  onAdvance: (ms: number) => void;
  onSettle: () => void;
}

export function ClockControls({ status, onClock, onAdvance, onSettle }: Props) {
  const [amount, setAmount] = useState("1s");
  const manual = status.clock.mode === "manual";
  const ms = parseDuration(amount);
  return (
    <div class="clock" role="group" aria-label="Emulator controls">
      <p>
        Profile <strong>{status.profile}</strong>, staleness bound {status.deltaMs === null ? "none" : formatDuration(status.deltaMs)}. Clock{" "}
        <strong>{status.clock.mode}</strong> at <time>{status.clock.now}</time>{" "}
        <button type="button" onClick={() => onClock(manual ? "real" : "manual")}>
          {manual ? "Run in real time" : "Stop the clock (manual)"}
        </button>
      </p>
      {manual && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (ms !== null) onAdvance(ms);
          }}
        >
          <label>
            Advance by <input class="short" value={amount} aria-invalid={ms === null ? "true" : undefined} onInput={(e) => setAmount(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={ms === null}>
            Advance
          </button>
          {STEPS.map((step) => (
            <button key={step} type="button" onClick={() => onAdvance(step)}>
              +{formatDuration(step)}
            </button>
          ))}
        </form>
      )}
      <button type="button" onClick={onSettle}>
        Settle (deliver every pending write)
      </button>
    </div>
  );
}
