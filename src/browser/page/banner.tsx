/** What the page shows: the embedded emulator and its data directory, or the remote target; the site, its tier and the profile. */
import type { BrowserDescription } from "../../contract/browser-host.js";
import type { EmulatorStatus } from "./emulator-api.js";
import { afterFirstPage } from "./first-page.js";
import { siteInfo } from "./kv-api.js";
import { useLoad } from "./use-load.js";

export function Banner({ session, status }: { session: BrowserDescription; status: EmulatorStatus | null }) {
  const site = useLoad(() => afterFirstPage(() => siteInfo(session.site)), [session.site]);
  const target = session.target;
  return (
    <header class="banner">
      <h1>yourspace KV</h1>
      <dl>
        <div>
          <dt>Target</dt>
          <dd>{target.kind === "emulator" ? `embedded emulator, data directory ${target.dataDir}` : `remote API ${target.apiUrl}`}</dd>
        </div>
        <div>
          <dt>Site</dt>
          <dd>{session.site}</dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd>{site.data?.tier ?? "…"}</dd>
        </div>
        {session.emulator && (
          <div>
            <dt>Profile</dt>
            <dd>{status ? `${status.profile}, clock ${status.clock.mode}` : "…"}</dd>
          </div>
        )}
      </dl>
    </header>
  );
}
