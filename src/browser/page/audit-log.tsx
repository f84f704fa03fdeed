/** The audit log of one key, newest first: who read, wrote or deleted it, where and when. */
import { auditOfKey } from "./kv-api.js";
import { ErrorNote } from "./notes.js";
import { useLoad } from "./use-load.js";
import { ColumnHeads } from "./column-heads.js";

const SHOWN = 200;

export function AuditLog({ site, ns, name, writes }: { site: string; ns: string; name: string; writes: number }) {
  const log = useLoad(async () => (await auditOfKey(site, name, SHOWN)).filter((e) => e.namespace === ns), [site, ns, name, writes]);
  if (log.error) return <ErrorNote error={log.error} />;
  if (!log.data) return <p role="status">Reading the audit log…</p>;
  if (log.data.length === 0) return <p>The audit log has no record of this key.</p>;
  return (
    <table aria-label="Audit log of the key">
      <ColumnHeads names={["Time", "Actor", "Action", "Region", "Outcome", "Count"]} />
      <tbody>
        {log.data.map((e, i) => (
          <tr key={i}>
            <td>{e.t}</td>
            <td>{e.actor}</td>
            <td>{e.action}</td>
            <td>{e.region}</td>
            <td>{e.outcome}</td>
            <td>{e.count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
