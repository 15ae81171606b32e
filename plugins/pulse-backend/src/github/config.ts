import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { Duration } from 'luxon';

/** `pulse.github` and `pulse.retention`, read once at start-up and validated. */
export interface GithubSyncConfig {
  /**
   * The sync task as registered: local scope (every replica runs it; a repository's lease keeps
   * it to one sync at a time, so a crashed replica holds nothing for long). With a duration as
   * the configured frequency, it runs every `syncCheckMs`.
   */
  schedule: SchedulerServiceTaskScheduleDefinition;
  /**
   * How often each repository is synced: the configured frequency when it is a duration;
   * undefined for a cron or manual schedule (then every run syncs every repository).
   */
  syncIntervalMs: number | undefined;
  /** How often each replica looks for due repositories: 15 s, or a quarter of the interval. */
  syncCheckMs: number | undefined;
  lookbackDays: number;
  maxConcurrentRequestsPerHost: number;
  rateLimitReserve: number;
  manualSyncCooldownSeconds: number;
  retention: {
    days: number;
    eventLogDays: number;
    schedule: SchedulerServiceTaskScheduleDefinition;
  };
}

export const defaultGithubSchedule: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 5 },
  timeout: { minutes: 4 },
  initialDelay: { seconds: 10 },
  scope: 'local',
};

export const defaultRetentionSchedule: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { hours: 24 },
    timeout: { minutes: 30 },
    initialDelay: { minutes: 5 },
    scope: 'global',
  };

function invalid(key: string, message: string): InputError {
  return new InputError(
    `Invalid Pulse configuration at 'pulse.${key}': ${message}`,
  );
}

function readSchedule(
  config: Config | undefined,
  key: string,
  fallback: SchedulerServiceTaskScheduleDefinition,
): SchedulerServiceTaskScheduleDefinition {
  if (!config?.has(key)) {
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
    throw invalid(key, (error as Error).message);
  }
}

/**
 * The longest a replica waits before looking for due repositories again: after a restart, a
 * repository that fell due is synced within this (plus the schedule's initial delay).
 */
const MAX_SYNC_CHECK_MS = 15_000;

/** A schedule's frequency in milliseconds, when it is a duration (not a cron expression). */
function frequencyMs(
  frequency: SchedulerServiceTaskScheduleDefinition['frequency'],
): number | undefined {
  if ('cron' in frequency || 'trigger' in frequency) {
    return undefined;
  }
  const duration = Duration.isDuration(frequency)
    ? frequency
    : Duration.fromObject(frequency);
  return duration.toMillis();
}

function readNumber(
  config: Config | undefined,
  key: string,
  fallback: number,
  rule: { min: number; max: number; integer: boolean; describe: string },
): number {
  if (!config?.has(key)) {
    return fallback;
  }
  let value: number | undefined;
  try {
    value = config.getOptionalNumber(key);
  } catch {
    value = undefined;
  }
  if (
    value === undefined ||
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    value < rule.min ||
    value > rule.max
  ) {
    throw invalid(
      key,
      `must be ${rule.describe}, got ${JSON.stringify(
        config.getOptional(key),
      )}`,
    );
  }
  return value;
}

/**
 * Reads `pulse.github` and `pulse.retention`. A mistake fails start-up with a message naming
 * the key.
 */
export function readGithubSyncConfig(rootConfig: Config): GithubSyncConfig {
  const pulse = rootConfig.getOptionalConfig('pulse');
  const retentionDays = readNumber(pulse, 'retention.days', 180, {
    min: 1,
    max: 36500,
    integer: true,
    describe: 'a whole number of days from 1 to 36500',
  });
  const configured = readSchedule(
    pulse,
    'github.schedule',
    defaultGithubSchedule,
  );
  const syncIntervalMs = frequencyMs(configured.frequency);
  const syncCheckMs =
    syncIntervalMs === undefined
      ? undefined
      : Math.min(MAX_SYNC_CHECK_MS, syncIntervalMs / 4);
  return {
    schedule:
      syncCheckMs === undefined
        ? configured
        : { ...configured, frequency: { milliseconds: syncCheckMs } },
    syncIntervalMs,
    syncCheckMs,
    lookbackDays: readNumber(pulse, 'github.lookbackDays', 90, {
      min: 1,
      max: 3650,
      integer: true,
      describe: 'a whole number of days from 1 to 3650',
    }),
    maxConcurrentRequestsPerHost: readNumber(
      pulse,
      'github.maxConcurrentRequestsPerHost',
      4,
      {
        min: 1,
        max: 100,
        integer: true,
        describe: 'a whole number from 1 to 100',
      },
    ),
    rateLimitReserve: readNumber(pulse, 'github.rateLimitReserve', 0.1, {
      min: 0,
      max: 0.9,
      integer: false,
      describe: 'a share of the rate limit from 0 to 0.9',
    }),
    manualSyncCooldownSeconds: readNumber(
      pulse,
      'github.manualSyncCooldownSeconds',
      60,
      {
        min: 0,
        max: 86400,
        integer: true,
        describe: 'a whole number of seconds from 0 to 86400',
      },
    ),
    retention: {
      days: retentionDays,
      eventLogDays: readNumber(pulse, 'retention.eventLogDays', 7, {
        min: 1,
        max: 3650,
        integer: true,
        describe: 'a whole number of days from 1 to 3650',
      }),
      schedule: readSchedule(
        pulse,
        'retention.schedule',
        defaultRetentionSchedule,
      ),
    },
  };
}
