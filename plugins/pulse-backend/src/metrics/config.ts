import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { IncidentSeverity } from '@pulse-oss/plugin-pulse-common';
import { Duration, IANAZone } from 'luxon';
import { invalid, readNumber, readSchedule } from '../service/configValues';

/** `pulse.metrics`, read once at start-up and validated. */
export interface MetricsConfig {
  /** The windows the API serves, in days, ascending. */
  windowDays: number[];
  timeZone: string;
  productionEnvironments: string[];
  failureWindowSeconds: number;
  failureSeverity: IncidentSeverity;
  minimumSample: number;
  botLogins: string[];
  schedule: SchedulerServiceTaskScheduleDefinition;
  /** How long after a change the aggregation runs, gathering the changes that follow. */
  debounceMs: number;
}

/**
 * What the stored items and figures depend on in the configuration: a change of it makes the
 * aggregation recompute every entity, and the routes ignore figures taken under another.
 */
export function metricsConfigKey(config: MetricsConfig): string {
  return JSON.stringify([
    config.windowDays,
    config.timeZone,
    config.productionEnvironments,
    config.failureWindowSeconds,
    config.failureSeverity,
    config.botLogins,
    config.minimumSample,
  ]);
}

/**
 * Global: one replica aggregates at a time. The timeout is short because a replica killed
 * mid-run holds the task's lock until it expires; a run stops starting entities before its
 * timeout and asks for the next run straight away, which goes on where it stopped (entities
 * already computed have their fingerprint stored).
 */
export const defaultMetricsSchedule: SchedulerServiceTaskScheduleDefinition = {
  frequency: { hours: 1 },
  timeout: { minutes: 1 },
  initialDelay: { seconds: 30 },
  scope: 'global',
};

const SEVERITIES: IncidentSeverity[] = ['info', 'warning', 'error', 'critical'];

function readStrings(
  config: Config | undefined,
  key: string,
  fallback: string[],
): string[] {
  if (!config?.has(key)) {
    return fallback;
  }
  let values: string[] | undefined;
  try {
    values = config.getStringArray(key);
  } catch {
    values = undefined;
  }
  if (
    !values ||
    values.length === 0 ||
    values.some(value => value.trim() === '')
  ) {
    throw invalid(key, 'must be a non-empty list of non-empty strings');
  }
  return values.map(value => value.trim());
}

/**
 * Reads `pulse.metrics`; a mistake fails start-up with a message naming the key. The raw data
 * the longest window needs must outlive it: `pulse.retention.days` (GitHub's closed pull
 * requests, runs, deployments and commits) and `pulse.retention.oncall.resolvedIncidentDays`
 * must each be at least the longest window.
 */
export function readMetricsConfig(
  rootConfig: Config,
  retention: { githubDays: number; resolvedIncidentDays: number },
): MetricsConfig {
  const pulse = rootConfig.getOptionalConfig('pulse');
  const metrics = pulse?.getOptionalConfig('metrics');
  let windowDays = [7, 30, 90];
  if (pulse?.has('metrics.windows')) {
    let values: number[] | undefined;
    try {
      values = (pulse.get('metrics.windows') as unknown[]).map(value => {
        if (
          typeof value !== 'number' ||
          !Number.isInteger(value) ||
          value < 1 ||
          value > 3650
        ) {
          throw new Error();
        }
        return value;
      });
    } catch {
      values = undefined;
    }
    if (!values || values.length === 0) {
      throw invalid(
        'metrics.windows',
        'must be a non-empty list of whole numbers of days from 1 to 3650',
      );
    }
    windowDays = [...new Set(values)].sort((a, b) => a - b);
  }
  const longest = windowDays[windowDays.length - 1];
  if (retention.githubDays < longest) {
    throw invalid(
      'metrics.windows',
      `the longest window (${longest} days) needs GitHub data that 'pulse.retention.days' (${retention.githubDays}) deletes sooner; raise it to at least ${longest} or shorten the window`,
    );
  }
  if (retention.resolvedIncidentDays < longest) {
    throw invalid(
      'metrics.windows',
      `the longest window (${longest} days) needs incidents that 'pulse.retention.oncall.resolvedIncidentDays' (${retention.resolvedIncidentDays}) deletes sooner; raise it to at least ${longest} or shorten the window`,
    );
  }

  const timeZone = metrics?.getOptionalString('timeZone') ?? 'UTC';
  if (!IANAZone.isValidZone(timeZone)) {
    throw invalid(
      'metrics.timeZone',
      `must be an IANA time zone such as 'Europe/Berlin', got '${timeZone}'`,
    );
  }

  let failureWindowSeconds = 24 * 3600;
  if (metrics?.has('failureWindow')) {
    try {
      failureWindowSeconds = Duration.fromObject(
        readDurationFromConfig(metrics, { key: 'failureWindow' }),
      ).as('seconds');
    } catch (error) {
      throw invalid('metrics.failureWindow', (error as Error).message);
    }
    if (!(failureWindowSeconds > 0 && failureWindowSeconds <= 30 * 24 * 3600)) {
      throw invalid(
        'metrics.failureWindow',
        'must be a duration from 1 second to 30 days',
      );
    }
  }

  const failureSeverity = (metrics?.getOptionalString('failureSeverity') ??
    'error') as IncidentSeverity;
  if (!SEVERITIES.includes(failureSeverity)) {
    throw invalid(
      'metrics.failureSeverity',
      `must be one of ${SEVERITIES.join(', ')}, got '${failureSeverity}'`,
    );
  }

  return {
    windowDays,
    timeZone,
    productionEnvironments: readStrings(
      pulse,
      'metrics.productionEnvironments',
      ['production', 'prod'],
    ),
    failureWindowSeconds,
    failureSeverity,
    minimumSample: readNumber(pulse, 'metrics.minimumSample', 5, {
      min: 1,
      max: 10000,
      integer: true,
      describe: 'a whole number from 1 to 10000',
    }),
    botLogins: readStrings(pulse, 'metrics.botLogins', ['*[bot]']),
    schedule: readSchedule(pulse, 'metrics.schedule', defaultMetricsSchedule),
    debounceMs:
      readNumber(pulse, 'metrics.debounceSeconds', 30, {
        min: 0,
        max: 3600,
        integer: true,
        describe: 'a whole number of seconds from 0 to 3600',
      }) * 1000,
  };
}
