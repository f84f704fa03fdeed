/** The page's place in its URL: `#ns=<namespace>&prefix=<prefix>&key=<key>`, each optional. */
import { useEffect, useState } from "preact/hooks";

export interface Place {
  ns: string | null;
  prefix: string;
  key: string | null;
}

export function parsePlace(hash: string): Place {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return { ns: params.get("ns"), prefix: params.get("prefix") ?? "", key: params.get("key") };
}

function formatPlace(place: Place): string {
  const parts: string[] = [];
  if (place.ns !== null) parts.push(`ns=${encodeURIComponent(place.ns)}`);
  if (place.prefix) parts.push(`prefix=${encodeURIComponent(place.prefix)}`);
  if (place.key !== null) parts.push(`key=${encodeURIComponent(place.key)}`);
  return `#${parts.join("&")}`;
}

/** The place in the URL, followed as it changes (links, back and forward); go() changes it. */
export function usePlace(): [Place, (change: Partial<Place>) => void] {
  const [place, setPlace] = useState(() => parsePlace(location.hash));
  useEffect(() => {
    const follow = () => setPlace(parsePlace(location.hash));
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  const go = (change: Partial<Place>) => {
    const next = { ...parsePlace(location.hash), ...change };
    history.replaceState(null, "", formatPlace(next));
    setPlace(next);
  };
  return [place, go];
}
