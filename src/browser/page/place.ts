/** The page's place in its URL: `#ns=<namespace>&prefix=<prefix>&key=<key>`, each optional. */

export interface Place {
  ns: string | null;
  prefix: string;
  key: string | null;
}

export function parsePlace(hash: string): Place {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return { ns: params.get("ns"), prefix: params.get("prefix") ?? "", key: params.get("key") };
}

export function formatPlace(place: Place): string {
  const parts: string[] = [];
  if (place.ns !== null) parts.push(`ns=${encodeURIComponent(place.ns)}`);
  if (place.prefix) parts.push(`prefix=${encodeURIComponent(place.prefix)}`);
  if (place.key !== null) parts.push(`key=${encodeURIComponent(place.key)}`);
  return `#${parts.join("&")}`;
}
