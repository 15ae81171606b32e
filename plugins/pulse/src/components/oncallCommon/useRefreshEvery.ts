import useInterval from 'react-use/esm/useInterval';

/** How often the on-call views reload while they are open: incidents move on their own. */
export const REFRESH_INTERVAL_MS = 30_000;

/** Calls `refresh` every `intervalMs` while the page is visible. */
export function useRefreshEvery(
  refresh: () => void,
  intervalMs: number = REFRESH_INTERVAL_MS,
) {
  useInterval(() => {
    if (document.visibilityState !== 'hidden') {
      refresh();
    }
  }, intervalMs);
}
