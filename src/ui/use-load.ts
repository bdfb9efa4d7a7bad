import { useEffect, useState } from "preact/hooks";
import { messageOf } from "./api.js";

export interface Loaded<Data> {
  readonly data?: Data;
  readonly error?: string;
  readonly loading: boolean;
  /** Loads again (after a change), keeping the old data on screen meanwhile. */
  reload(): void;
}

/** Runs `load` on mount and on every reload; an answer that arrives after unmount is dropped. */
export function useLoad<Data>(load: () => Promise<Data>): Loaded<Data> {
  const [state, setState] = useState<{ data?: Data; error?: string; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  // `load` is a fresh closure on every render: loading again is asked for explicitly, by reload.
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) =>
        current && setState((previous) => ({ ...previous, error: messageOf(error), loading: false })),
    );
    return () => {
      current = false;
    };
  }, [generation]);
  return { ...state, reload: () => setGeneration((value) => value + 1) };
}
