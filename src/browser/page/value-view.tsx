/** A value as it is stored: its facts, the value shown by kind, a download of its exact bytes, and deleting it. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { safeJson } from "../../core/escape.js";
import { base64, hexDump } from "./bytes.js";
import { countdown, formatBytes } from "./format.js";
import { JsonTree } from "./json-tree.js";
import { deleteValue, type OpenedKey, type StoredValue } from "./kv-api.js";
import { ErrorNote } from "./notes.js";
import { SVG_TYPE, shownAs } from "./value-kind.js";

interface Props extends OpenedKey {
  onDeleted: () => void;
  onCreate: () => void;
}

export function ValueView({ site, ns, name, stored, now, onDeleted, onCreate }: Props) {
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  if (stored === null) {
    return (
      <div>
        <p>
          The key has no value at home (never written, deleted or expired).{" "}
          <button type="button" onClick={onCreate}>
            Create it
          </button>
        </p>
      </div>
    );
  }
  const remove = async () => {
    setConfirming(false);
    try {
      await deleteValue(site, ns, name, stored.version!);
      onDeleted();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <dl class="facts">
        <dt>Version</dt>
        <dd class="version">{stored.version}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(stored.bytes.length)}</dd>
        <dt>Expires</dt>
        <dd>{stored.expiresAt === null ? "never" : `${countdown(stored.expiresAt, now)} (${stored.expiresAt})`}</dd>
        <dt>Metadata</dt>
        <dd>{stored.metadata === null ? "none" : <code>{safeJson(stored.metadata)}</code>}</dd>
      </dl>
      <div class="actions">
        <Download name={name} bytes={stored.bytes} />
        {confirming ? (
          <span role="group" aria-label="Confirm deleting the key">
            Delete this key?{" "}
            <button type="button" class="danger" onClick={remove}>
              Delete
            </button>{" "}
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Delete key…
          </button>
        )}
      </div>
      <ErrorNote error={error} />
      <Preview stored={stored} name={name} />
    </div>
  );
}

function Preview({ stored, name }: { stored: StoredValue; name: string }) {
  const shown = useMemo(() => shownAs(stored.bytes, stored.metadata), [stored]);
  const [raw, setRaw] = useState(false);
  if (shown.kind === "image") return <ObjectImage bytes={stored.bytes} type={shown.type} alt={`The image stored at ${name}`} />;
  if (shown.kind === "binary") {
    return (
      <figure>
        <figcaption>Binary value, as a hex dump</figcaption>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling area takes the focus so that a keyboard can scroll it */}
        <pre class="hex" role="region" aria-label="Hex dump" tabIndex={0}>
          {hexDump(stored.bytes)}
        </pre>
      </figure>
    );
  }
  if (shown.kind === "json") {
    return (
      <figure>
        <figcaption>
          JSON{" "}
          <button type="button" aria-pressed={raw ? "true" : "false"} onClick={() => setRaw(!raw)}>
            Show as text
          </button>
        </figcaption>
        {raw ? (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling area takes the focus so that a keyboard can scroll it
          <pre class="text" role="region" aria-label="JSON as text" tabIndex={0}>
            {shown.text}
          </pre>
        ) : (
          <div class="json" role="region" aria-label="JSON value">
            <JsonTree value={shown.value} />
          </div>
        )}
      </figure>
    );
  }
  return (
    <figure>
      <figcaption>Text</figcaption>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling area takes the focus so that a keyboard can scroll it */}
      <pre class="text" role="region" aria-label="Text value" tabIndex={0}>
        {shown.text}
      </pre>
    </figure>
  );
}

/** The bytes as a blob: URL for as long as the element that uses it is on screen. */
function useBlobUrl(bytes: Uint8Array, type: string): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const made = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [bytes, type]);
  return url;
}

function ObjectImage({ bytes, type, alt }: { bytes: Uint8Array; type: string; alt: string }) {
  return type === SVG_TYPE ? <SvgImage bytes={bytes} alt={alt} /> : <BlobImage bytes={bytes} type={type} alt={alt} />;
}

function BlobImage({ bytes, type, alt }: { bytes: Uint8Array; type: string; alt: string }) {
  const url = useBlobUrl(bytes, type);
  return url ? <img class="value-image" src={url} alt={alt} /> : null;
}

/**
 * An SVG from a data: URL, never a blob: URL. A blob: URL has the page's origin: the SVG opened from
 * it in a tab of its own ("Open image in new tab") would run its scripts as the page, with its
 * session. A data: URL's document has an origin of its own, to which the host serves nothing.
 */
function SvgImage({ bytes, alt }: { bytes: Uint8Array; alt: string }) {
  const url = useMemo(() => `data:${SVG_TYPE};base64,${base64(bytes)}`, [bytes]);
  return <img class="value-image" src={url} alt={alt} />;
}

function Download({ name, bytes }: { name: string; bytes: Uint8Array }) {
  const url = useBlobUrl(bytes, "application/octet-stream");
  const file =
    name
      .split("/")
      .filter(Boolean)
      .pop()
      ?.replace(/[^\w.-]+/g, "_") || "value";
  return url ? (
    <a class="button" href={url} download={file}>
      Download ({formatBytes(bytes.length)})
    </a>
  ) : null;
}
