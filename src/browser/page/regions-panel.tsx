/**
 * What each region serves of a key now, and when the newest write becomes visible there, beside the
 * emulator's controls: every control reads the regions again at once, so its effect is on screen.
 */
import { useState } from "preact/hooks";
import type { FaultCommand, KeyViewJson, StatusJson } from "../../core/emulator-views.js";
import { advance, fault, regionsOf, setClock, settle } from "./emulator-api.js";
import { formatDuration } from "./format.js";
import { ErrorNote, Notice } from "./notes.js";
import { ClockControls } from "./clock-controls.js";
import type { TargetClock } from "./target-clock.js";
import { useLoad } from "./use-load.js";
import { ColumnHeads } from "./column-heads.js";

interface Props {
  site: string;
  ns: string;
  name: string;
  clock: TargetClock;
  writes: number;
}

export function RegionsPanel({ site, ns, name, clock, writes }: Props) {
  const [controlled, setControlled] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const view = useLoad(() => regionsOf(site, ns, name), [site, ns, name, writes, controlled]);

  /** Runs a control, then reads the clock and the regions again. */
  const control = async (run: () => Promise<string>) => {
    setError(null);
    try {
      setNotice(await run());
    } catch (e) {
      setError(e);
    }
    await clock.refresh().catch(setError);
    setControlled((n) => n + 1);
  };

  const status = clock.status;
  return (
    <div class="regions">
      {status && (
        <ClockControls
          status={status}
          onClock={(mode) => control(async () => `The clock is ${(await setClock(mode)).mode}.`)}
          onAdvance={(ms) => control(async () => `Advanced ${formatDuration(ms)}; emulated time is ${(await advance(ms)).now}.`)}
          onSettle={() =>
            control(async () => {
              const done = await settle();
              return `Delivered pending writes to ${done.settled.join(", ") || "no region"}${done.held.length ? `; held back by a fault: ${done.held.join(", ")}` : ""}.`;
            })
          }
        />
      )}
      <Notice text={notice} />
      <ErrorNote error={error ?? view.error} />
      {view.data && status && (
        <RegionTable
          view={view.data}
          status={status}
          onFault={(command, region) => control(async () => `${region}: ${command} ${(await fault(command, region)).changed ? "done" : "changed nothing"}.`)}
        />
      )}
    </div>
  );
}

function RegionTable({ view, status, onFault }: { view: KeyViewJson; status: StatusJson; onFault: (command: FaultCommand, region: string) => void }) {
  const now = Date.parse(view.now);
  return (
    <table aria-label="Regions" class="region-table">
      <caption>
        {view.homeVersion ? `Home's newest version: ${view.homeVersion}` : "Home has never had this key."} Emulated time {view.now}.
      </caption>
      <ColumnHeads names={["Region", "Serves", "Version", "Value", "Served from", "Stale", "Oldest pending write", "Newest write visible", "Link"]} />
      <tbody>
        {view.regions.map((r) => {
          const link = status.regions.find((s) => s.region === r.region);
          const serves = r.unavailable ? "unavailable" : r.version === null ? "nothing" : r.live ? "value" : r.value === null ? "deleted" : "expired";
          return (
            <tr key={r.region} data-region={r.region} class={r.behindHome ? "stale" : undefined}>
              <th scope="row">
                {r.region}
                {link?.role === "home" ? " (home)" : ""}
              </th>
              <td>{serves}</td>
              <td class="version">{r.version ?? "—"}</td>
              <td class="preview">{r.live && r.value !== null ? preview(r.value) : ""}</td>
              <td>{r.servedFrom}</td>
              <td>{r.behindHome ? "stale" : "current"}</td>
              <td>{link && link.pending > 0 ? `${formatDuration(link.lagMs)} ago (${link.pending} pending)` : "none"}</td>
              <td>{visibility(r, now)}</td>
              <td>{link?.role === "edge" ? <FaultButtons region={r.region} partitioned={link.partitioned} paused={link.paused} onFault={onFault} /> : "—"}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** When home's newest version is served here, in words that follow `behindHome` and `heldBy`. */
function visibility(r: KeyViewJson["regions"][number], now: number): string {
  if (r.visibleAt === null && !r.held && !r.behindHome) return r.version === null ? "" : "now";
  if (!r.behindHome) return "now";
  if (r.heldBy) return `held by a ${r.heldBy}`;
  if (r.visibleAt === null) return "not until invalidated";
  return `in ${formatDuration(Math.max(0, Date.parse(r.visibleAt) - now))}`;
}

function preview(value: string): string {
  return value.length > 40 ? `${value.slice(0, 39)}…` : value;
}

function FaultButtons({
  region,
  partitioned,
  paused,
  onFault,
}: {
  region: string;
  partitioned: boolean;
  paused: boolean;
  onFault: (c: FaultCommand, r: string) => void;
}) {
  return (
    <span class="fault-buttons">
      {partitioned ? "partitioned " : paused ? "paused " : "ok "}
      <button type="button" onClick={() => onFault(partitioned ? "heal" : "partition", region)}>
        {partitioned ? `Heal ${region}` : `Partition ${region}`}
      </button>{" "}
      <button type="button" onClick={() => onFault(paused ? "resume" : "pause", region)}>
        {paused ? `Resume ${region}` : `Pause ${region}`}
      </button>
    </span>
  );
}
