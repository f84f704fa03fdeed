/** The place in the URL (place.ts), followed as it changes. */
import { useEffect, useState } from "preact/hooks";
import { formatPlace, parsePlace, type Place } from "./place.js";

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
