import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when a dependency changes and on reload(); an answer that arrives after a newer request
 * was made is dropped, so a slow answer never overwrites a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const latest = useRef(0);
  const run = useCallback(() => {
    const ticket = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => ticket === latest.current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => ticket === latest.current && setState({ data: undefined, error, loading: false }),
    );
    // The caller's dependencies decide when to load again, as with useEffect.
  }, deps);
  // The request goes out as soon as the component is in the document, not after the next paint, where
  // Preact runs effects: that waits for an animation frame, up to 100 ms where frames are throttled.
  useLayoutEffect(run, [run]);
  return { ...state, reload: run };
}
