import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** The `pulse:` section of app-config, read once at start-up and validated. */
export interface PulseConfig {
  catalogRefreshSchedule: SchedulerServiceTaskScheduleDefinition;
  /** How long a caller's permission decisions and entity visibility are reused, in ms. */
  accessCacheMs: number;
  /** Check every response against the OpenAPI description (tests, development). */
  validateResponses: boolean;
}

const DEFAULT_ACCESS_CACHE_SECONDS = 10;
const MAX_ACCESS_CACHE_SECONDS = 300;

/**
 * Local scope: every replica refreshes the tracked entities (the refresh replaces them in one
 * transaction and is the same from any replica), so none waits for a lock that a replica killed
 * mid-refresh would hold until the timeout.
 */
const defaultCatalogRefreshSchedule: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 1 },
  timeout: { minutes: 2 },
  initialDelay: { seconds: 3 },
  scope: 'local',
};

function readSchedule(
  config: Config,
  key: string,
  fallback: SchedulerServiceTaskScheduleDefinition,
): SchedulerServiceTaskScheduleDefinition {
  if (!config.has(key)) {
    return fallback;
  }
  try {
    return {
      ...readSchedulerServiceTaskScheduleDefinitionFromConfig(
        config.getConfig(key),
      ),
      scope: fallback.scope,
    };
  } catch (error) {
    throw new InputError(
      `Invalid Pulse configuration at 'pulse.${key}': ${
        (error as Error).message
      }`,
    );
  }
}

/**
 * Reads and validates the `pulse:` section. A mistake fails start-up with a message that names
 * the key.
 */
export function readPulseConfig(rootConfig: Config): PulseConfig {
  const config = rootConfig.getOptionalConfig('pulse');
  if (!config) {
    return {
      catalogRefreshSchedule: defaultCatalogRefreshSchedule,
      accessCacheMs: DEFAULT_ACCESS_CACHE_SECONDS * 1000,
      validateResponses: false,
    };
  }
  let cacheSeconds = DEFAULT_ACCESS_CACHE_SECONDS;
  let validateResponses = false;
  try {
    cacheSeconds =
      config.getOptionalNumber('permissions.cacheSeconds') ?? cacheSeconds;
    validateResponses =
      config.getOptionalBoolean('api.validateResponses') ?? false;
  } catch (error) {
    throw new InputError(
      `Invalid Pulse configuration: ${(error as Error).message}`,
    );
  }
  if (
    !Number.isFinite(cacheSeconds) ||
    cacheSeconds < 0 ||
    cacheSeconds > MAX_ACCESS_CACHE_SECONDS
  ) {
    throw new InputError(
      `Invalid Pulse configuration at 'pulse.permissions.cacheSeconds': must be a number of seconds from 0 to ${MAX_ACCESS_CACHE_SECONDS}, got ${cacheSeconds}`,
    );
  }
  return {
    catalogRefreshSchedule: readSchedule(
      config,
      'catalog.refresh',
      defaultCatalogRefreshSchedule,
    ),
    accessCacheMs: cacheSeconds * 1000,
    validateResponses,
  };
}
