import { useCallback, useEffect, useRef, useState } from 'react';
import useInterval from 'react-use/esm/useInterval';

/** The state of {@link usePolledAsync}. */
export interface PolledAsyncState<T> {
  value?: T;
  error?: Error;
  /** True until the first answer for the current key, and while a reload is in flight. */
  loading: boolean;
  /** Loads again now, keeping the current value on screen until the answer arrives. */
  reload: () => void;
}

interface LoadState<T> {
  key: string;
  value?: T;
  error?: Error;
  loading: boolean;
}

/**
 * Runs `load` whenever `key` changes, again every `intervalMs` (null: never) while the page is
 * visible, and on `reload()`.
 *
 * Unlike `useAsyncRetry`, the value of a previous key is never returned: switching a tab or a filter
 * shows progress rather than the previous tab's rows. Answers that arrive after a newer load started
 * are dropped.
 */
export function usePolledAsync<T>(
  key: string,
  load: () => Promise<T>,
  intervalMs: number | null,
): PolledAsyncState<T> {
  const [state, setState] = useState<LoadState<T>>({ key, loading: true });
  const [attempt, setAttempt] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let current = true;
    setState(previous =>
      previous.key === key
        ? { ...previous, loading: true }
        : { key, loading: true },
    );
    loadRef.current().then(
      value => {
        if (current) setState({ key, value, loading: false });
      },
      error => {
        if (current) setState({ key, error, loading: false });
      },
    );
    return () => {
      current = false;
    };
  }, [key, attempt]);

  const reload = useCallback(() => setAttempt(n => n + 1), []);

  useInterval(() => {
    if (document.visibilityState !== 'hidden') {
      reload();
    }
  }, intervalMs);

  if (state.key !== key) {
    return { loading: true, reload };
  }
  return {
    value: state.value,
    error: state.error,
    loading: state.loading,
    reload,
  };
}
