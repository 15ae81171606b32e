import { ConfigApi } from '@backstage/core-plugin-api';
import { DEFAULT_CHECK_INTERVAL_MS } from './timing';

/** The app-config key of the live views' safety interval (declared in the plugin's config.d.ts). */
export const CHECK_INTERVAL_CONFIG_KEY = 'pulse.live.checkIntervalSeconds';

/**
 * How often an open view checks the versions of its data in case a hint was lost, from
 * `pulse.live.checkIntervalSeconds` (default 5 minutes). A value that is not a positive number is
 * refused with the key named, as the backend refuses its own bad config.
 */
export function readCheckIntervalMs(config: ConfigApi | undefined): number {
  const seconds = config?.getOptionalNumber(CHECK_INTERVAL_CONFIG_KEY);
  if (seconds === undefined) {
    return DEFAULT_CHECK_INTERVAL_MS;
  }
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(
      `Invalid ${CHECK_INTERVAL_CONFIG_KEY}: must be a positive number of seconds, got ${seconds}`,
    );
  }
  return seconds * 1000;
}
