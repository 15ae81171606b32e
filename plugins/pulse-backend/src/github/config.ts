import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Duration } from 'luxon';
import { readNumber, readSchedule } from '../service/configValues';

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
