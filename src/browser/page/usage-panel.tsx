/** The site's usage this period against its tier's ceilings. */
import { formatBytes } from "./format.js";
import { usage } from "./kv-api.js";
import { afterFirstPage } from "./first-page.js";
import { ErrorNote } from "./notes.js";
import { useLoad } from "./use-load.js";

export function UsagePanel({ site, changes }: { site: string; changes: number }) {
  const report = useLoad(() => afterFirstPage(() => usage(site)), [site, changes]);
  if (report.error) return <ErrorNote error={report.error} />;
  const u = report.data;
  if (!u) return null;
  return (
    <section aria-labelledby="usage-heading" class="usage">
      <h2 id="usage-heading">Usage</h2>
      <p>
        Tier <strong>{u.tier}</strong>, period {u.period}
      </p>
      <Gauge label="Keys" used={u.storage.keys} ceiling={u.ceilings.keys} show={(n) => n.toLocaleString("en")} />
      <Gauge label="Storage" used={u.storage.bytes} ceiling={u.ceilings.bytes} show={formatBytes} />
      <dl class="pairs">
        <dt>Reads</dt>
        <dd>{u.reads.toLocaleString("en")}</dd>
        <dt>Writes</dt>
        <dd>{u.writes.toLocaleString("en")}</dd>
        <dt>Egress</dt>
        <dd>{formatBytes(u.egressBytes)}</dd>
        <dt>Largest value</dt>
        <dd>{formatBytes(u.ceilings.maxValueBytes)}</dd>
      </dl>
    </section>
  );
}

function Gauge({ label, used, ceiling, show }: { label: string; used: number; ceiling: number | null; show: (n: number) => string }) {
  const text = `${label}: ${show(used)} of ${ceiling === null ? "no limit" : show(ceiling)}`;
  return (
    <div class="gauge">
      <span>{text}</span>
      {ceiling !== null && <meter aria-label={text} min={0} max={ceiling} value={used} high={ceiling * 0.9} />}
    </div>
  );
}
