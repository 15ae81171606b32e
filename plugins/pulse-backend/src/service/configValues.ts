import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** Reading `pulse:` values, each failing start-up with a message that names its key. */

export function invalid(key: string, message: string): InputError {
  return new InputError(
    `Invalid Pulse configuration at 'pulse.${key}': ${message}`,
  );
}

export function readSchedule(
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

export function readNumber(
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
