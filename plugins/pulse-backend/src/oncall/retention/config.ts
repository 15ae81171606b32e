import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** `pulse.retention.oncall` and the retention schedule, read once at start-up and validated. */
export interface OncallRetentionConfig {
  /** Resolved incidents (with timeline, pages, assignees, raw payload) older than this go. */
  resolvedIncidentDays: number;
  /** Schedule overrides that ended longer ago than this go. */
  pastOverrideDays: number;
  /** Heartbeat monitors no longer configured and silent for this long are forgotten. */
  removedHeartbeatDays: number;
  /** `pulse.retention.schedule`, shared with the GitHub retention. */
  schedule: SchedulerServiceTaskScheduleDefinition;
}

/** Daily, on one replica at a time (the GitHub retention's default too). */
export const DEFAULT_RETENTION_SCHEDULE: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { hours: 24 },
    timeout: { minutes: 30 },
    initialDelay: { minutes: 5 },
    scope: 'global',
  };

const MAX_DAYS = 36500;

function invalid(key: string, message: string): InputError {
  return new InputError(
    `Invalid Pulse configuration at 'pulse.${key}': ${message}`,
  );
}

function readDays(
  pulse: Config | undefined,
  key: string,
  fallback: number,
): number {
  if (!pulse?.has(key)) {
    return fallback;
  }
  const value = pulse.getOptional(key);
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_DAYS
  ) {
    throw invalid(
      key,
      `must be a whole number of days from 1 to ${MAX_DAYS}, got ${JSON.stringify(
        value,
      )}`,
    );
  }
  return value;
}

/**
 * Reads `pulse.retention.oncall` (and `pulse.retention.schedule`); a mistake fails start-up with
 * a message naming the key.
 */
export function readOncallRetentionConfig(
  rootConfig: Config,
): OncallRetentionConfig {
  const pulse = rootConfig.getOptionalConfig('pulse');
  const section = pulse?.getOptional('retention.oncall');
  if (
    section !== undefined &&
    (typeof section !== 'object' || section === null || Array.isArray(section))
  ) {
    throw invalid('retention.oncall', 'must be an object');
  }
  let schedule = DEFAULT_RETENTION_SCHEDULE;
  if (pulse?.has('retention.schedule')) {
    try {
      schedule = {
        ...readSchedulerServiceTaskScheduleDefinitionFromConfig(
          pulse.getConfig('retention.schedule'),
        ),
        scope: 'global',
      };
    } catch (error) {
      throw invalid('retention.schedule', (error as Error).message);
    }
  }
  return {
    resolvedIncidentDays: readDays(
      pulse,
      'retention.oncall.resolvedIncidentDays',
      365,
    ),
    pastOverrideDays: readDays(pulse, 'retention.oncall.pastOverrideDays', 90),
    removedHeartbeatDays: readDays(
      pulse,
      'retention.oncall.removedHeartbeatDays',
      30,
    ),
    schedule,
  };
}
